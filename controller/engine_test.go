package controller

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine/replay"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/policies"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/workload"
)

// TestSimulateDecidesAsTheLoop: the simulator's ours policy and the loop
// run the same pass. Each tick the loop collects from a simulated cluster,
// the very same listing goes through the simulator's engine (the
// engine.Replay controller/sim drives: Step without config reads), and the decisions
// must be the loop's, container by container, model scores included.
// Recommend mode, so that neither side's decisions change the cluster or
// the state, and no disk rule, whose size only a config read tells.
func TestSimulateDecidesAsTheLoop(t *testing.T) {
	sim, client := newLoopSim(t, pvesim.Options{Nodes: 2, Speed: 0, Specs: []pvesim.ContainerSpec{
		{VMID: 101, Node: "pve1", Cores: 1, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Busy},
		{VMID: 102, Node: "pve1", Cores: 4, MemoryMiB: 4096, DiskGiB: 8, Workload: workload.Idle},
		{VMID: 103, Node: "pve2", Cores: 2, MemoryMiB: 512, DiskGiB: 8, Workload: workload.Leak},
		{VMID: 104, Node: "pve2", Cores: 2, MemoryMiB: 2048, DiskGiB: 8, Workload: workload.Spike},
	}})
	rules := loopRules()
	rules.Mode = scaling.ModeRecommend
	rules.Disk.Enabled = false
	c := newLoop(t, client, func(o *Options) {
		o.Now = sim.Clock().Now
		o.Selection = policies.Selection{Default: rules}
		o.Model.RetrainInterval = time.Minute
	})
	rp := replay.New(replay.Options{
		Interval: c.opts.Interval, Window: c.opts.Window, ShortPeriod: c.opts.ShortPeriod,
		Selection: c.opts.Selection, Model: c.opts.Model, Guard: c.opts.Guard,
	})
	ctx := context.Background()
	changes := 0
	for i := range 60 {
		sim.Clock().Advance(10 * time.Second)
		// The clock stands still between the two listings: the loop's own
		// collect in pass sees exactly this.
		tk, err := c.collect(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := map[int]string{}
		for _, d := range rp.StepTick(tk).All {
			want[d.VMID] = fmt.Sprintf("%+v", d)
			changes += len(d.Changes)
		}
		c.pass(ctx)
		views := c.Snapshot().Containers
		if len(views) != len(want) {
			t.Fatalf("tick %d: the loop decided for %d containers, the simulator for %d", i, len(views), len(want))
		}
		for _, v := range views {
			got := "no decision"
			if v.Decision != nil {
				got = fmt.Sprintf("%+v", *v.Decision)
			}
			if got != want[v.VMID] {
				t.Fatalf("tick %d, container %d:\nloop      %s\nsimulator %s", i, v.VMID, got, want[v.VMID])
			}
		}
	}
	if trained, _ := rp.Model(); changes == 0 || !trained {
		t.Fatalf("%d changes in 60 ticks, or no model: the comparison compared nothing", changes)
	}
}
