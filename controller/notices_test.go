package controller

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/controller/notify"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/workload"
)

// told collects the events handed to Options.Notify.
type told struct {
	mu     sync.Mutex
	events []notify.Event
}

func (t *told) add(ev notify.Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.events = append(t.events, ev)
}

func (t *told) of(kind notify.Kind) []notify.Event {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []notify.Event
	for _, ev := range t.events {
		if ev.Kind == kind {
			out = append(out, ev)
		}
	}
	return out
}

// Every outcome but a skip is told: applied, failed (with the error) and
// recommended (dry-run), each with the change's fields.
func TestActuatorTellsEveryOutcomeButSkips(t *testing.T) {
	f := newActFixture(t, nil)
	var got told
	act := NewActuator(ActuatorOptions{Cluster: f.client, Logger: zerolog.Nop(), Notify: got.add, WriteTimeout: 10 * time.Second})
	ctx := context.Background()

	act.Apply(ctx, actDecision(scaling.ModeEnforce, actCoresUp, actMemoryUp, actSwapUp), f.observe(t))
	applied := got.of(notify.KindApplied)
	if len(applied) != 3 {
		t.Fatalf("applied events %+v, want 3", applied)
	}
	want := notify.Event{Kind: notify.KindApplied, VMID: actVMID, Node: actNode, Resource: "memory", Direction: "up",
		From: 1024, To: 1536, Result: "applied", Reason: "memory above 0.9 for 5m", Mode: "enforce", Policy: "web", Source: "controller"}
	if applied[1] != want {
		t.Errorf("memory event %+v\nwant %+v", applied[1], want)
	}

	observed := f.observe(t)
	f.sim.InjectFault(pvesim.Fault{Method: http.MethodPut, Route: actConfigRoute, Status: 500, Reason: "storage error"})
	act.Apply(ctx, actDecision(scaling.ModeEnforce, scaling.Change{Resource: scaling.ResourceCores, Direction: scaling.Up,
		From: int64(observed.Cores), To: int64(observed.Cores) + 1, Text: "cpu"}), observed)
	f.sim.ClearFaults()
	if failed := got.of(notify.KindFailed); len(failed) != 1 || failed[0].Result != "failed" || !strings.Contains(failed[0].Error, "storage error") {
		t.Errorf("failed events %+v, want the failure with its error", failed)
	}

	act.Apply(ctx, actDecision(scaling.ModeDryRun, actDiskUp), f.observe(t))
	if rec := got.of(notify.KindRecommended); len(rec) != 1 || rec[0].Result != scaling.ResultDryRun || rec[0].Resource != "disk" {
		t.Errorf("recommended events %+v, want the dry run", rec)
	}

	// A change against a stale observation is skipped: nobody is told.
	n := len(got.events)
	act.Apply(ctx, actDecision(scaling.ModeEnforce, actMemoryUp), scaling.Allocation{Cores: 1, MemoryMiB: 1, DiskBytes: 1})
	if len(got.events) != n {
		t.Errorf("a skipped change was told: %+v", got.events[n:])
	}
}

// The containers turning anomalous are told ten one by one, the rest in a
// summary, each once while it stays anomalous.
func TestLoopTellsAnomaliesOnceTenAPass(t *testing.T) {
	var specs []pvesim.ContainerSpec
	for i := range 14 {
		specs = append(specs, pvesim.ContainerSpec{VMID: 101 + i, Node: "pve1", Cores: 4, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Idle})
	}
	sim, client := newLoopSim(t, pvesim.Options{Nodes: 1, Speed: 0, Specs: specs})
	var got told
	c := newLoop(t, client, func(o *Options) {
		o.Notify = got.add
		o.Scale = false
		o.Model.Threshold = 0.01 // every scored container is anomalous
	})
	for range 8 {
		c.pass(context.Background())
		sim.Clock().Advance(10 * time.Second)
	}
	anomalies := got.of(notify.KindAnomaly)
	if len(anomalies) != maxAnomalyNotices+1 {
		t.Fatalf("%d anomaly events, want %d and a summary: %+v", len(anomalies), maxAnomalyNotices, anomalies)
	}
	var vmids []int
	for _, ev := range anomalies[:maxAnomalyNotices] {
		if ev.Score < 0.01 || ev.Node != "pve1" || !strings.HasPrefix(ev.Name, "ct") {
			t.Errorf("anomaly event %+v", ev)
		}
		vmids = append(vmids, ev.VMID)
	}
	if slices.Sort(vmids); len(slices.Compact(vmids)) != maxAnomalyNotices {
		t.Errorf("anomalies told for %v, want ten containers once each", vmids)
	}
	if last := anomalies[maxAnomalyNotices]; last.VMID != 0 || last.Reason != "4 more containers turned anomalous in this pass" {
		t.Errorf("summary %+v", last)
	}
}

// A node the cluster reports offline is unreachable too, once.
func TestLoopTellsAnOfflineNode(t *testing.T) {
	sim, client := newLoopSim(t, pvesim.Options{Nodes: 2, Speed: 0, Containers: 2})
	var got told
	c := newLoop(t, client, func(o *Options) { o.Notify = got.add; o.Scale = false })
	c.pass(context.Background())
	sim.SetNodeOnline("pve2", false)
	c.pass(context.Background())
	c.pass(context.Background())
	sim.SetNodeOnline("pve2", true)
	c.pass(context.Background())
	nodes := got.of(notify.KindNodeUnreachable)
	if len(nodes) != 2 || nodes[0].Result != "unreachable" || nodes[0].Reason != errNodeOffline.Error() || nodes[1].Result != "reachable" {
		t.Errorf("node events %+v, want pve2 offline then back", nodes)
	}
}
