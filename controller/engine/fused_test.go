package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine/admission"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/policies"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// stepApart is Step as it was before the one walk: every container folded
// in first, then the takeover's inheritance, the training, the scores and
// decisions, the guard.
func stepApart(e *Engine, t Tick, sel policies.Selection, guard *scaling.Guard) StepResult {
	var r StepResult
	e.Observe(t)
	if e.followed && !e.Following {
		r.Inherited = e.wants.Inherit(t.End, e.containerState)
	}
	e.followed = e.Following
	if e.trainDue(t.End) {
		r.TrainErr = e.train(t.End)
		r.Trained = r.TrainErr == nil
	}
	r.All = e.scoreAndDecide(t, sel, true, false)
	r.Idle, r.Admitted = admission.Admit(t.Nodes, t.Containers, r.All, guard, e.workers(len(t.Containers)), func(i int, _ *scaling.Decision) float64 { return e.pressures[i] })
	return r
}

// TestStepOneWalkIsApart runs Step against stepApart on two engines fed
// the same random listings (containers that start, stop, migrate, leave and
// come back, are listed twice or as templates, resized by someone else; a
// model that trains every six passes; a replica that follows and leads in
// turns): each pass's decisions, what the guard admitted, the containers'
// scores, features, windows and usage histories and the states are the
// same, and so are the hooks' calls but for their order.
func TestStepOneWalkIsApart(t *testing.T) {
	rng := rand.New(rand.NewPCG(71, 73))
	nodes := []proxmox.Node{{Name: "pve1", CPUs: 16, MemoryBytes: 64 << 30}, {Name: "pve2", CPUs: 8, MemoryBytes: 32 << 30}, {Name: "pve3", CPUs: 32, MemoryBytes: 128 << 30}}
	sel := policies.Selection{Default: scaling.Rules{Mode: scaling.ModeDryRun,
		CPU:               scaling.CPURules{Enabled: true, Up: 0.8, Down: 0.3, Step: 1, Min: 1, Max: 8, Target: 0.6},
		Memory:            scaling.MemoryRules{Enabled: true, Up: 0.8, Down: 0.3, Step: 256 << 20, Min: 256 << 20, Max: 16 << 30, Target: 0.6},
		Swap:              scaling.SwapRules{Enabled: true, Ratio: 0.5, Max: 4 << 30},
		Disk:              scaling.DiskRules{Enabled: true, Threshold: 0.8, Step: 1 << 30, Max: 64 << 30},
		CooldownUp:        30 * time.Second,
		CooldownDown:      2 * time.Minute,
		StabilizationUp:   20 * time.Second,
		StabilizationDown: time.Minute,
	}}
	fused, passes := 0, 0
	for run := range 4 {
		calls := [2]map[string]int{{}, {}}
		hooks := func(k int) Hooks {
			note := func(f string, a ...any) { calls[k][fmt.Sprintf(f, a...)]++ }
			return Hooks{
				Migrated:  func(vmid int, from, to string) { note("migrated %d %s %s", vmid, from, to) },
				Forgotten: func(vmid int, node string) { note("forgotten %d %s", vmid, node) },
				Anomalous: func(vmid int, score float64) { note("anomalous %d %v", vmid, score) },
				Runaway:   func(vmid int, score float64, detail string) { note("runaway %d %v %s", vmid, score, detail) },
			}
		}
		o := Options{Interval: 10 * time.Second, Window: 5 * time.Minute, ShortPeriod: time.Minute, Scale: true, NoteResizes: true,
			Model: ModelOptions{Enabled: run%3 != 2, RetrainInterval: 2 * time.Minute, Trees: 10, SampleSize: 32, Seed: 5, TrainingWindow: 5 * time.Minute, Threshold: 0.6}}
		one, apart := New(o, hooks(0)), New(o, hooks(1))
		cts := randomContainers(rng, 50, nodes)
		for pass := range 45 {
			var listed []proxmox.Container
			for i := range cts {
				ct := &cts[i]
				ct.CPU, ct.Mem, ct.Disk = rng.Float64(), rng.Uint64N(ct.MaxMem), rng.Uint64N(ct.MaxDisk)
				ct.Uptime += 10
				ct.NetIn += rng.Uint64N(1 << 20)
				churn(rng, ct, nodes)
				if i%10 == pass/10%10 && pass%20 > 5 {
					continue // not listed for a while: forgotten
				}
				listed = listTwice(rng, listed, ct, nodes, 2000)
			}
			tick := Tick{End: t0.Add(time.Duration(pass) * 10 * time.Second).Add(time.Duration(rng.IntN(1e9))), Nodes: nodes, Containers: listed}
			following := run%2 == 1 && pass%15 < 5
			one.Following, apart.Following = following, following
			writes := rng.IntN(4)
			if e := one; !e.trainDue(tick.End) && (!e.followed || e.Following) && e.fusable(tick) {
				fused++
			}
			passes++
			got := one.Step(tick, sel, scaling.NewGuard(scaling.GuardOptions{MaxWritesPerPass: writes}), nil)
			want := stepApart(apart, tick, sel, scaling.NewGuard(scaling.GuardOptions{MaxWritesPerPass: writes}))
			// Printed: scores are NaN without a model, which DeepEqual
			// would tell from itself.
			if g, w := fmt.Sprintf("%+v", got), fmt.Sprintf("%+v", want); g != w {
				t.Fatalf("run %d pass %d: one walk\n%s\napart\n%s", run, pass, g, w)
			}
			for _, e := range []*Engine{one, apart} {
				for _, d := range got.Admitted {
					outcomes := make([]scaling.Outcome, len(d.Changes))
					for j, ch := range d.Changes {
						outcomes[j] = scaling.Outcome{Change: ch, Result: scaling.ResultDryRun}
					}
					e.Record(d.VMID, outcomes, tick.End)
				}
			}
			if g, w := engineState(one), engineState(apart); g != w {
				t.Fatalf("run %d pass %d: one walk left\n%s\napart\n%s", run, pass, g, w)
			}
		}
		if fmt.Sprint(calls[0]) != fmt.Sprint(calls[1]) {
			t.Fatalf("run %d: hooks called\n%v\napart\n%v", run, calls[0], calls[1])
		}
	}
	t.Logf("%d of %d passes walked once", fused, passes)
	if fused < passes/2 || fused == passes {
		t.Errorf("%d of %d passes walked once: the test compares too little", fused, passes)
	}
}

// randomContainers are n running containers of 1 to 4 cores and 1 to 8
// GiB on random nodes, VMIDs from 100.
func randomContainers(rng *rand.Rand, n int, nodes []proxmox.Node) []proxmox.Container {
	cts := make([]proxmox.Container, n)
	for i := range cts {
		cts[i] = proxmox.Container{VMID: 100 + i, Node: nodes[rng.IntN(len(nodes))].Name, Status: "running",
			CPUs: float64(1 + rng.IntN(4)), MaxMem: uint64(1+rng.IntN(8)) << 30, MaxSwap: 512 << 20, MaxDisk: 8 << 30}
	}
	return cts
}

// churn changes ct as a cluster does now and then: one pass in 40 each, it
// migrates, starts or stops, is resized by someone else, or is made a
// template (and back).
func churn(rng *rand.Rand, ct *proxmox.Container, nodes []proxmox.Node) {
	switch rng.IntN(40) {
	case 0:
		ct.Node = nodes[rng.IntN(len(nodes))].Name // migrated
	case 1:
		ct.Status = map[string]string{"running": "stopped", "stopped": "running"}[ct.Status]
	case 2:
		ct.CPUs = float64(1 + rng.IntN(4)) // resized by someone else
	case 3:
		ct.Template = rng.IntN(10) == 0 // made a template (and back)
	}
}

// listTwice appends ct to listed and, one time in oneIn, again on another
// node: seen on its new node too, mid-migration.
func listTwice(rng *rand.Rand, listed []proxmox.Container, ct *proxmox.Container, nodes []proxmox.Node, oneIn int) []proxmox.Container {
	listed = append(listed, *ct)
	if rng.IntN(oneIn) == 0 {
		again := *ct
		again.Node = nodes[rng.IntN(len(nodes))].Name
		listed = append(listed, again)
	}
	return listed
}

// engineState prints what a pass leaves in an engine's containers and
// states, by VMID.
func engineState(e *Engine) string {
	var s strings.Builder
	for _, tr := range e.SortedTracked() {
		w := tr.Window
		if w == nil { // poisoned (TestShardsAreOneWalk)
			fmt.Fprintf(&s, "%d %s %+v poisoned\n", tr.VMID, tr.Node, tr.Listed)
			continue
		}
		last, _ := w.Last()
		fmt.Fprintf(&s, "%d %s %+v score %v since %v features %+v window %d %+v usage %+v\n",
			tr.VMID, tr.Node, tr.Listed, tr.Score, tr.AnomalousSince, tr.Features, w.Len(), last, tr.Usage)
	}
	ids := make([]int, 0, len(e.States))
	for id := range e.States {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		fmt.Fprintf(&s, "state %d %+v\n", id, *e.States[id])
	}
	return s.String()
}
