package proxmox

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
)

func TestNotificationMatcherCallsMapPVEErrors(t *testing.T) {
	_, c := newSimClient(t, pvesim.Options{Nodes: 1, Containers: 1}, nil)
	ctx := context.Background()
	if _, err := c.NotificationMatcher(ctx, "lease"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing matcher: %v, want ErrNotFound", err)
	}
	if err := c.CreateNotificationMatcher(ctx, "lease", "one"); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateNotificationMatcher(ctx, "lease", "two"); !errors.Is(err, ErrConflict) {
		t.Fatalf("duplicate create: %v, want ErrConflict", err)
	}
	m, err := c.NotificationMatcher(ctx, "lease")
	if err != nil || m.Comment != "one" || !m.Disable || m.Digest == "" {
		t.Fatalf("matcher %+v, %v: want comment one, disabled, a digest", m, err)
	}
	if err := c.UpdateNotificationMatcherComment(ctx, "lease", "two", m.Digest); err != nil {
		t.Fatal(err)
	}
	err = c.UpdateNotificationMatcherComment(ctx, "lease", "three", m.Digest)
	if !errors.Is(err, ErrDigestMismatch) || errors.Is(err, ErrValidation) {
		t.Fatalf("stale digest: %v, want ErrDigestMismatch only", err)
	}
	if err := c.UpdateNotificationMatcherComment(ctx, "lease", "x", ""); !errors.Is(err, ErrValidation) {
		t.Fatalf("no digest: %v, want ErrValidation before sending", err)
	}
	if _, err := c.NotificationMatcher(ctx, "../nodes"); !errors.Is(err, ErrValidation) {
		t.Fatalf("a name that is not a configuration id: %v, want ErrValidation", err)
	}
}

// The gate is asked before every write but the lease's own, never before
// a read, and a refusal means nothing was sent.
func TestWriteGateFencesWritesOnly(t *testing.T) {
	var asked int
	refuse := errors.New("not leading")
	allow := false
	sim, c := newSimClient(t, pvesim.Options{Nodes: 1, Specs: []pvesim.ContainerSpec{{VMID: 100, Cores: 1, MemoryMiB: 512, DiskGiB: 4}}}, func(o *Options) {
		o.WriteGate = func(ctx context.Context) (time.Time, error) {
			asked++
			if !allow {
				return time.Time{}, refuse
			}
			return time.Now().Add(time.Minute), nil
		}
	})
	ctx := context.Background()
	ref := Ref{Node: "pve1", VMID: 100}
	cfg := mustConfig(t, c, ref)
	if asked != 0 {
		t.Fatalf("a read asked the gate %d times", asked)
	}
	before := sim.RequestCount()
	cores := 2
	err := c.UpdateConfig(ctx, ref, ConfigUpdate{Cores: &cores, Digest: cfg.Digest})
	if !errors.Is(err, ErrFenced) || !errors.Is(err, refuse) || asked != 1 {
		t.Fatalf("fenced write: %v (gate asked %d times), want ErrFenced with the gate's reason", err, asked)
	}
	if n := sim.RequestCount(); n != before {
		t.Fatalf("a fenced write sent %d requests", n-before)
	}
	if err := c.CreateNotificationMatcher(ctx, "lease", "x"); err != nil || asked != 1 {
		t.Fatalf("lease write: %v, gate asked %d times, want sent without asking", err, asked)
	}
	allow = true
	if err := c.UpdateConfig(ctx, ref, ConfigUpdate{Cores: &cores, Digest: cfg.Digest}); err != nil || asked != 2 {
		t.Fatalf("allowed write: %v (gate asked %d times)", err, asked)
	}
	if got := mustConfig(t, c, ref).Cores; got != 2 {
		t.Fatalf("cores %d after the allowed write, want 2", got)
	}
}

// A write is cut at the bound the gate gives: a lease that ends while the
// write hangs never lets it run past the lease.
func TestWriteGateBoundsTheWrite(t *testing.T) {
	sim, c := newSimClient(t, pvesim.Options{Nodes: 1, Specs: []pvesim.ContainerSpec{{VMID: 100, Cores: 1, MemoryMiB: 512, DiskGiB: 4}}}, func(o *Options) {
		o.WriteGate = func(ctx context.Context) (time.Time, error) { return time.Now().Add(200 * time.Millisecond), nil }
		o.Retry.Attempts = 1
	})
	ref := Ref{Node: "pve1", VMID: 100}
	cfg := mustConfig(t, c, ref)
	sim.InjectFault(pvesim.Fault{Method: "PUT", Hang: true})
	cores := 2
	start := time.Now()
	err := c.UpdateConfig(context.Background(), ref, ConfigUpdate{Cores: &cores, Digest: cfg.Digest})
	if took := time.Since(start); err == nil || took > 3*time.Second {
		t.Fatalf("hanging write under a 200 ms lease: %v after %s, want an error at the lease's end, well before the 5 s timeout", err, took)
	}
	if !MaybeApplied(err) {
		t.Fatalf("a write cut in flight: %v, want MaybeApplied (it may have landed)", err)
	}
}
