package lease

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
)

const secret = "lease-test-secret"

func tokenID(i int) string { return fmt.Sprintf("autoscale@pve!r%d", i) }

// cluster is a simulated cluster with one client per replica (each its
// own token, so that a fault can cut one off) and one for an operator.
type cluster struct {
	sim      *pvesim.Sim
	clients  []*proxmox.Client
	operator *proxmox.Client
}

func newCluster(t *testing.T, replicas int) *cluster {
	t.Helper()
	var tokens []string
	for i := range replicas + 1 {
		tokens = append(tokens, tokenID(i)+"="+secret)
	}
	sim, err := pvesim.New(pvesim.Options{Nodes: 1, Containers: 1, Seed: 1, Tokens: tokens})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(func() { sim.Close(); srv.Close() })
	c := &cluster{sim: sim}
	for i := range replicas + 1 {
		cl, err := proxmox.New(proxmox.Options{Endpoints: []string{srv.URL}, TokenID: tokenID(i), TokenSecret: secret,
			Timeout: 2 * time.Second, Retry: proxmox.RetryOptions{Attempts: 1}, Logger: zerolog.Nop()})
		if err != nil {
			t.Fatal(err)
		}
		if i == replicas {
			c.operator = cl
		} else {
			c.clients = append(c.clients, cl)
		}
	}
	return c
}

// fast are short lease timings for tests: a takeover within ~1 s.
func fast(store Store, name string, reg prometheus.Registerer) Options {
	return Options{Store: store, Identity: name, Duration: 600 * time.Millisecond, RenewInterval: 150 * time.Millisecond,
		RetryInterval: 50 * time.Millisecond, Margin: 150 * time.Millisecond, MinWriteTime: 20 * time.Millisecond,
		Logger: zerolog.Nop(), Registerer: reg}
}

func mustNew(t *testing.T, o Options) *Elector {
	t.Helper()
	e, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

type replica struct {
	e      *Elector
	reg    *prometheus.Registry
	cancel context.CancelFunc
	done   chan struct{}
}

func startReplicas(t *testing.T, c *cluster) []*replica {
	t.Helper()
	var rs []*replica
	for i, cl := range c.clients {
		reg := prometheus.NewRegistry()
		e, err := New(fast(cl, fmt.Sprintf("r%d", i), reg))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		r := &replica{e: e, reg: reg, cancel: cancel, done: make(chan struct{})}
		go func() { defer close(r.done); e.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-r.done })
		rs = append(rs, r)
	}
	return rs
}

// watch samples who leads every few milliseconds until stop is closed and
// reports the longest time without a leader and whether two ever led at
// once.
type watch struct {
	mu        sync.Mutex
	both      []string
	lastLed   time.Time
	longestNo time.Duration
	stop      chan struct{}
	done      chan struct{}
}

func watchLeaders(rs []*replica) *watch {
	w := &watch{lastLed: time.Now(), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for {
			select {
			case <-w.stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
			var leaders []string
			for _, r := range rs {
				if r.e.Leading() {
					leaders = append(leaders, r.e.Identity())
				}
			}
			w.mu.Lock()
			now := time.Now()
			if len(leaders) > 1 {
				w.both = append(w.both, fmt.Sprint(leaders))
			}
			if len(leaders) > 0 {
				w.longestNo = max(w.longestNo, now.Sub(w.lastLed))
				w.lastLed = now
			}
			w.mu.Unlock()
		}
	}()
	return w
}

func (w *watch) end() (both []string, longestNo time.Duration) {
	close(w.stop)
	<-w.done
	return w.both, w.longestNo
}

func leaders(rs []*replica) (out []*replica) {
	for _, r := range rs {
		if r.e.Leading() {
			out = append(out, r)
		}
	}
	return out
}

func awaitOneLeader(t *testing.T, rs []*replica, within time.Duration, what string) *replica {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		if l := leaders(rs); len(l) == 1 {
			return l[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no single leader within %s", what, within)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestThreeReplicasOneLeaderThroughFailures(t *testing.T) {
	c := newCluster(t, 3)
	rs := startReplicas(t, c)
	first := awaitOneLeader(t, rs, 5*time.Second, "start")
	w := watchLeaders(rs)
	// Stable: the same leader for several lease durations.
	time.Sleep(2 * time.Second)
	if l := leaders(rs); len(l) != 1 || l[0] != first {
		t.Fatalf("leadership moved without a failure")
	}
	if v := testutil.ToFloat64(first.e.renewErrors); v != 0 {
		t.Errorf("%v renew errors without a failure", v)
	}
	if first.e.Successor() {
		t.Error("the replica that created the matcher says it followed an earlier leader")
	}

	// The leader is cut off from the cluster: it stops leading at the end
	// of its lease, and another takes over within Duration and a read.
	idx := 0
	for i, r := range rs {
		if r == first {
			idx = i
		}
	}
	c.sim.InjectFault(pvesim.Fault{Token: tokenID(idx), Status: 595, Reason: "Connection refused"})
	cut := time.Now()
	var second *replica
	for second == nil || second == first {
		if time.Since(cut) > 5*time.Second {
			t.Fatal("no takeover within 5 s of the leader's partition")
		}
		if l := leaders(rs); len(l) == 1 && l[0] != first {
			second = l[0]
		}
		time.Sleep(2 * time.Millisecond)
	}
	took := time.Since(cut)
	if !second.e.Successor() {
		t.Error("the replica that took over from a cut-off leader says it followed none")
	}
	t.Logf("takeover %s after the partition (lease 600 ms, read every 50 ms)", took.Round(time.Millisecond))
	if took > 600*time.Millisecond+time.Second { // slack for a loaded machine
		t.Errorf("takeover took %s, want within the lease duration and a few reads", took)
	}
	if _, err := first.e.Gate(context.Background()); !errors.Is(err, ErrNotLeader) {
		t.Errorf("the cut-off leader's gate: %v, want ErrNotLeader", err)
	}
	if testutil.ToFloat64(first.e.renewErrors) == 0 {
		t.Error("the cut-off leader counted no renew error")
	}
	// Healed, it sees the new holder and stays a follower.
	c.sim.ClearFaults()
	time.Sleep(time.Second)
	if l := leaders(rs); len(l) != 1 || l[0] != second {
		t.Fatalf("after healing the partition: %d leaders", len(l))
	}

	// Unrelated edits of notifications.cfg race every renewal's digest:
	// the leader reads again and keeps the lease.
	ctx := context.Background()
	for i := range 40 {
		if err := c.operator.CreateNotificationMatcher(ctx, fmt.Sprintf("ops%d", i), "someone else's"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if l := leaders(rs); len(l) != 1 || l[0] != second {
		t.Fatal("unrelated edits of notifications.cfg moved the lease")
	}
	if v := testutil.ToFloat64(second.e.transitions.WithLabelValues("follower")); v != 0 {
		t.Errorf("the leader stepped down %v times during unrelated edits", v)
	}

	// A graceful stop hands the lease over at once, not after Duration.
	second.cancel()
	<-second.done
	stopped := time.Now()
	third := awaitOneLeader(t, rs, 5*time.Second, "after a graceful stop")
	if third == second {
		t.Fatal("the stopped replica still leads")
	}
	if took := time.Since(stopped); took >= 600*time.Millisecond {
		t.Errorf("takeover after a release took %s, want about one read (50 ms), less than the lease", took)
	}
	time.Sleep(200 * time.Millisecond) // a few follower reads
	both, gap := w.end()
	if len(both) > 0 {
		t.Errorf("two replicas led at once %d times: %v", len(both), both[:min(3, len(both))])
	}
	t.Logf("longest time without a leader: %s", gap.Round(time.Millisecond))
	if v := testutil.ToFloat64(third.e.leader); v != 1 {
		t.Errorf("lxc_autoscale_leader on the leader = %v", v)
	}
	for _, r := range rs {
		if r == third || r == second {
			continue
		}
		if v := testutil.ToFloat64(r.e.leader); v != 0 {
			t.Errorf("lxc_autoscale_leader on a follower = %v", v)
		}
		if st := r.e.Status(); st.Leading || st.Leader != third.e.Identity() {
			t.Errorf("a follower's status %+v, want leader %s", st, third.e.Identity())
		}
	}
}

// A leader frozen past its lease with a clock that did not see the freeze
// (a VM paused, a host suspended) still makes no write: the gate's read
// finds a newer epoch.
func TestFrozenLeaderIsFencedByTheRecord(t *testing.T) {
	c := newCluster(t, 2)
	var frozen time.Time
	oa := fast(c.clients[0], "a", nil)
	oa.Now = func() time.Time { return frozen }
	var told []string // what OnChange heard, for the webhooks' leader_change
	oa.OnChange = func(leading bool, holder, why string) {
		told = append(told, fmt.Sprint(leading, " ", holder, ": ", why))
	}
	a, b := mustNew(t, oa), mustNew(t, fast(c.clients[1], "b", nil))
	ctx := context.Background()
	frozen = time.Now()
	a.step(ctx)
	if !a.Leading() {
		t.Fatal("a did not acquire a free lease")
	}
	if _, err := a.Gate(ctx); err != nil {
		t.Fatalf("the leader's gate: %v", err)
	}
	if _, err := b.Gate(ctx); !errors.Is(err, ErrNotLeader) {
		t.Fatalf("a follower's gate: %v, want ErrNotLeader", err)
	}
	// a is frozen (its clock stands still); b waits out the lease.
	deadline := time.Now().Add(5 * time.Second)
	for !b.Leading() {
		if time.Now().After(deadline) {
			t.Fatal("b did not take over a lease left unrenewed")
		}
		time.Sleep(b.step(ctx))
	}
	if !a.Leading() {
		t.Fatal("test premise: a's frozen clock says its lease still runs")
	}
	if _, err := a.Gate(ctx); !errors.Is(err, ErrNotLeader) {
		t.Fatalf("the thawed leader's gate: %v, want ErrNotLeader", err)
	}
	if a.Leading() {
		t.Error("a still leads after its gate saw b's epoch")
	}
	if st := a.Status(); st.Leader != "b" || st.Epoch != 2 {
		t.Errorf("a's status %+v, want leader b at epoch 2", st)
	}
	if len(told) != 2 || !strings.HasPrefix(told[0], "true a") || !strings.HasPrefix(told[1], "false a: the lease record names another holder") {
		t.Errorf("OnChange heard %q, want a becoming leader, then losing the lease to another holder", told)
	}
}

func TestRecordRoundTripAndForeignComments(t *testing.T) {
	r := Record{Holder: "pve-ctl:4242:0a1b2c3d", Epoch: 7, Renew: 19}
	got, ok := ParseRecord(r.Comment())
	if !ok || got != r {
		t.Fatalf("ParseRecord(%q) = %+v, %v", r.Comment(), got, ok)
	}
	for _, s := range []string{"", "edited by hand", commentPrefix + " holder=x epoch=-1 renew=0", commentPrefix + " holder=x epoch=99999999999999999999 renew=0"} {
		if _, ok := ParseRecord(s); ok {
			t.Errorf("ParseRecord(%q) accepted a comment it did not write", s)
		}
	}
	if id := NewIdentity(); !recordRe.MatchString(Record{Holder: id}.Comment()) {
		t.Errorf("identity %q does not fit the record", id)
	}
	if _, err := New(Options{Store: nil}); err == nil {
		t.Error("New without a Store: no error")
	}
	if _, err := New(Options{Store: &proxmox.Client{}, Duration: time.Second, RenewInterval: 900 * time.Millisecond}); err == nil {
		t.Error("a renew interval that leaves no margin: no error")
	}
}

// With the default timings a follower takes over within 30 s of the
// leader's last renewal, and never before the leader has stopped: the
// elections run on one simulated clock, stepped as Run would.
func TestDefaultTakeoverBound(t *testing.T) {
	c := newCluster(t, 2)
	var now time.Time
	clock := func() time.Time { return now }
	mk := func(i int, name string) *Elector {
		e, err := New(Options{Store: c.clients[i], Identity: name, Now: clock, Logger: zerolog.Nop()})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	a, b := mk(0, "a"), mk(1, "b")
	ctx := context.Background()
	now = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	nextA, nextB := now, now.Add(300*time.Millisecond)
	var died, tookOver time.Time
	for step := 0; tookOver.IsZero() && step < 10000; step++ {
		if died.IsZero() && !nextA.After(nextB) {
			now = nextA
			nextA = now.Add(a.step(ctx))
			if a.Leading() && now.Sub(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) > time.Minute {
				died = now // right after a renewal: the worst case
			}
			continue
		}
		now = nextB
		nextB = now.Add(b.step(ctx))
		if b.Leading() {
			tookOver = now
			if !died.IsZero() && a.Leading() {
				t.Fatalf("b leads while a still counts itself leader")
			}
		}
	}
	if died.IsZero() || tookOver.IsZero() {
		t.Fatalf("a died %v, b took over %v", died, tookOver)
	}
	took := tookOver.Sub(died)
	t.Logf("default settings: takeover %s after the dead leader's last renewal", took)
	if took > 30*time.Second || took < 15*time.Second {
		t.Errorf("takeover %s after the leader's death, want between the 15 s lease and 30 s", took)
	}
}

// A comment edited by hand is not a released lease: nobody takes it at
// once (the leader may be finishing a write), the leader steps down at its
// next read, and the next holder's epoch is above every one seen.
func TestForeignCommentIsNotAFreeLease(t *testing.T) {
	c := newCluster(t, 2)
	a, b := mustNew(t, fast(c.clients[0], "a", nil)), mustNew(t, fast(c.clients[1], "b", nil))
	ctx := context.Background()
	a.step(ctx)
	a.step(ctx) // epoch 1, renewed
	b.step(ctx)
	m, err := c.operator.NotificationMatcher(ctx, DefaultName)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.operator.UpdateNotificationMatcherComment(ctx, DefaultName, "who wrote this?", m.Digest); err != nil {
		t.Fatal(err)
	}
	edited := time.Now()
	b.step(ctx)
	if b.Leading() {
		t.Fatal("a follower took a hand-edited lease at once")
	}
	a.step(ctx)
	if a.Leading() {
		t.Fatal("the leader kept leading over a hand-edited record")
	}
	for !b.Leading() && !a.Leading() {
		if time.Since(edited) > 5*time.Second {
			t.Fatal("nobody took over the hand-edited lease")
		}
		time.Sleep(min(a.step(ctx), b.step(ctx)))
	}
	if took := time.Since(edited); took < 600*time.Millisecond {
		t.Errorf("taken %s after the edit, before the lease duration", took)
	}
	m, _ = c.operator.NotificationMatcher(ctx, DefaultName)
	if rec, ok := ParseRecord(m.Comment); !ok || rec.Epoch != 2 {
		t.Errorf("record after the takeover %q, want epoch 2", m.Comment)
	}
}

// Stopping on purpose is no news: the leader's "stopped leading" is a
// warning when the lease slipped away, and information on shutdown.
func TestStoppedLeadingOnShutdownIsNoWarning(t *testing.T) {
	c := newCluster(t, 1)
	var logs bytes.Buffer
	o := fast(c.clients[0], "r0", prometheus.NewRegistry())
	o.Logger = zerolog.New(&logs)
	e := mustNew(t, o)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); e.Run(ctx) }()
	<-e.Ready()
	if !e.Leading() {
		t.Fatal("a single replica does not lead")
	}
	cancel()
	<-done
	var stopped []string
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec struct{ Level, Message, Reason string }
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if rec.Message == "stopped leading" {
			stopped = append(stopped, rec.Level+" "+rec.Reason)
		}
	}
	if len(stopped) != 1 || stopped[0] != "info "+whyShutdown {
		t.Errorf("stopped leading logged as %q, want one %q", stopped, "info "+whyShutdown)
	}

	logs.Reset()
	e.mu.Lock()
	e.setLeadingLocked(true, time.Now(), "")
	e.leadingLocked(e.until.Add(time.Second)) // the lease ran out unrenewed
	e.mu.Unlock()
	if !strings.Contains(logs.String(), `"level":"warn"`) || !strings.Contains(logs.String(), "stopped leading") {
		t.Errorf("a lease that expired logged %q, want a warning", logs.String())
	}
}
