package controller

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/audit"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/policies"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/workload"
)

// recommendingLoop is a loop at *now in recommend mode (cores only,
// decreases after 20 s) on a node of specs, with mutate (nil: none), and
// the audit record it writes to.
func recommendingLoop(t *testing.T, now *time.Time, specs []pvesim.ContainerSpec, mutate func(*Options)) (*Controller, string) {
	t.Helper()
	_, client := newLoopSim(t, pvesim.Options{Nodes: 1, Speed: 0, Specs: specs})
	auditPath := filepath.Join(t.TempDir(), "audit.jsonl")
	log, err := audit.Open(audit.Options{Path: auditPath})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	c := newLoop(t, client, func(o *Options) {
		o.Audit = log
		o.Now = func() time.Time { return *now }
		o.Selection.Default.Mode = scaling.ModeRecommend
		o.Selection.Default.StabilizationDown = 20 * time.Second
		o.Selection.Default.Memory.Enabled = false
		if mutate != nil {
			mutate(o)
		}
	})
	return c, auditPath
}

// A recommendation that stops being wanted (its resource's rules turned
// off for a few passes) is reported again when it is wanted again, once;
// the other container, whose recommendation never stops, is reported
// once in all.
func TestRecommendationIsReportedAgainAfterAPause(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	var sel policies.Selection
	c, auditPath := recommendingLoop(t, &now, []pvesim.ContainerSpec{
		{VMID: 101, Node: "pve1", Name: "web1", Cores: 4, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Idle, Tags: []string{"web"}},
		{VMID: 102, Node: "pve1", Name: "web2", Cores: 4, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Idle},
	}, func(o *Options) { sel = o.Selection })
	off := sel
	off.Policies = []policies.Policy{{Name: "off", Match: policies.Match{Tags: []string{"web"}}, Rules: sel.Default}}
	off.Policies[0].Rules.CPU.Enabled = false
	guard := scaling.GuardOptions{OvercommitCPU: 4, OvercommitMemory: 1, MaxWritesPerPass: 10}
	passes := func(n int) {
		for range n {
			c.pass(context.Background())
			now = now.Add(10 * time.Second)
		}
	}
	passes(6)
	c.Reload(off, guard)
	passes(3)
	c.Reload(sel, guard)
	passes(3)
	records, err := audit.Read(auditPath, 100)
	if err != nil {
		t.Fatal(err)
	}
	per := map[int]int{}
	for _, r := range records {
		if r.Result != scaling.ResultRecommended || r.To != 3 {
			t.Errorf("audit record %+v; want recommendations of 4 -> 3 cores", r)
		}
		per[r.VMID]++
	}
	if per[101] != 2 || per[102] != 1 || len(records) != 3 {
		t.Errorf("recommendations per container %v; want 101 twice (before and after its rules were off), 102 once", per)
	}
}
