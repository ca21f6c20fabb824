package controller

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/audit"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/policies"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/workload"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesimtest"
)

// A write whose answer never comes may have landed: it is audited as
// unknown, not failed, and starts the cooldown as if applied, with no
// backoff, so the next pass does not write again inside the cooldown.
func TestWriteWithoutAnswerIsUnknownAndStartsTheCooldown(t *testing.T) {
	opts := pvesimtest.FailFast()
	opts.Timeout = 300 * time.Millisecond // the hung write's answer is given up on at once
	sim, client, _ := pvesimtest.Start(t, pvesim.Options{Nodes: 1, Speed: 0, Seed: 3,
		Specs: []pvesim.ContainerSpec{{VMID: 101, Node: "pve1", Cores: 1, MemoryMiB: 2048, DiskGiB: 8, Workload: workload.Busy}}}, opts)
	auditPath := filepath.Join(t.TempDir(), "audit.jsonl")
	audit, err := audit.Open(audit.Options{Path: auditPath})
	if err != nil {
		t.Fatal(err)
	}
	c := newLoop(t, client, func(o *Options) {
		o.Audit = audit
		o.Model.Enabled = false
		o.Selection.Default.CooldownUp = time.Hour
		o.Selection.Default.Memory.Enabled = false
		o.Selection.Default.Disk.Enabled = false
	})
	ctx := context.Background()
	sim.InjectFault(pvesim.Fault{Method: "PUT", Route: "/nodes/{node}/lxc/{vmid}/config", Hang: true})
	c.pass(ctx)
	st := c.state.Containers[101]
	if st == nil || st.Failures != 0 || st.LastAction[scaling.ResourceCores].Time.IsZero() {
		t.Fatalf("state after an unanswered write = %+v; want a cooldown and no failure", st)
	}
	b, _ := os.ReadFile(auditPath)
	if !strings.Contains(string(b), `"result":"unknown"`) || strings.Contains(string(b), `"result":"failed"`) {
		t.Errorf("audit of an unanswered write:\n%s\nwant result unknown, never failed", b)
	}
	// The hung PUT is logged when its handler ends, after the client gave
	// up: wait for it, or it may land in the log the next passes are
	// judged by.
	for deadline := time.Now().Add(10 * time.Second); !hungPutLogged(sim); {
		if time.Now().After(deadline) {
			t.Fatal("the unanswered PUT never reached the request log")
		}
		time.Sleep(5 * time.Millisecond)
	}
	sim.ClearFaults()
	sim.ResetRequests()
	puts := 0
	for range 5 {
		sim.Clock().Advance(10 * time.Second)
		c.pass(ctx)
	}
	for _, q := range sim.Requests() {
		// The unanswered write itself is logged (status 0) once pvesim
		// notices the client gone, which may be after the reset.
		if q.Method == "PUT" && q.Status != 0 {
			puts++
		}
	}
	if puts != 0 {
		t.Errorf("%d writes inside the cooldown of a write whose outcome was unknown", puts)
	}
}

// Dry-run's pretend changes hold dry-run's reports to one per cooldown, but
// switching to enforce acts at once: the pretend change started no real
// cooldown.
func TestDryRunCooldownsDoNotDelayEnforce(t *testing.T) {
	sim, client := newLoopSim(t, pvesim.Options{Nodes: 1, Speed: 0, Specs: []pvesim.ContainerSpec{
		{VMID: 101, Node: "pve1", Cores: 1, MemoryMiB: 2048, DiskGiB: 8, Workload: workload.Busy},
	}})
	dry := loopRules()
	dry.Mode = scaling.ModeDryRun
	dry.CooldownUp = time.Hour
	dry.Memory.Enabled, dry.Disk.Enabled = false, false
	c := newLoop(t, client, func(o *Options) { o.Selection.Default = dry })
	ctx := context.Background()
	for range 3 {
		c.pass(ctx)
		sim.Clock().Advance(10 * time.Second)
	}
	if st := c.state.Containers[101]; st == nil || len(st.DryRunAction) != 1 || len(st.LastAction) != 0 {
		t.Fatalf("state after dry-run passes = %+v; want one pretend action and no real one", st)
	}
	if d := c.Snapshot().Containers[0].Decision; d == nil || len(d.Changes) != 0 {
		t.Errorf("dry-run repeated its pretend change inside the cooldown: %+v", d)
	}
	enforce := dry
	enforce.Mode = scaling.ModeEnforce
	c.Reload(policies.Selection{Default: enforce}, c.opts.Guard)
	c.pass(ctx)
	if st, _ := sim.Container(101); st.Config["cores"] == "1" {
		t.Error("the first pass in enforce waited for a cooldown that only dry-run had started")
	}
}

// hungPutLogged reports whether the request log holds a PUT that a Hang
// fault kept until the client gave up (Status 0).
func hungPutLogged(sim *pvesim.Sim) bool {
	for _, q := range sim.Requests() {
		if q.Method == "PUT" && q.Status == 0 {
			return true
		}
	}
	return false
}
