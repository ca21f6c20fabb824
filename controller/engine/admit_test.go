package engine

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine/admission"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/policies"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/urgency"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// admitBySorting is Admit as it was first written: the decisions that
// want a change copied out, put in urgency.Order on their newest
// sample, guarded, and put back into all by VMID.
func (e *Engine) admitBySorting(t Tick, all []scaling.Decision, guard *scaling.Guard) (idle, admitted []scaling.Decision) {
	for i := range all {
		if len(all[i].Changes) > 0 {
			admitted = append(admitted, all[i])
		} else {
			idle = append(idle, all[i])
		}
	}
	idx := make([]int, len(admitted))
	for i := range idx {
		idx[i] = i
	}
	urgency.Order(admitted, idx, func(_ int, d *scaling.Decision) float64 {
		last, _ := e.Tracked[d.VMID].Window.Last()
		return max(last.CPUUtilisation(), last.MemoryUtilisation())
	})
	sorted := make([]scaling.Decision, 0, len(admitted))
	for _, i := range idx {
		sorted = append(sorted, admitted[i])
	}
	admitted = sorted
	capacity := make([]scaling.NodeCapacity, 0, len(t.Nodes))
	for _, n := range t.Nodes {
		capacity = append(capacity, scaling.NodeCapacity{Node: n.Name, CPUs: n.CPUs, MemoryBytes: n.MemoryBytes})
	}
	allocated := map[string]scaling.Allocated{}
	for _, ct := range t.Containers {
		if ct.Status == "running" {
			a := allocated[ct.Node]
			a.Cores += ct.CPUs
			a.MemoryBytes += ct.MaxMem
			allocated[ct.Node] = a
		}
	}
	pass := guard.NewPass(capacity, allocated)
	byVMID := make(map[int]int, len(admitted))
	for i := range admitted {
		admitted[i] = pass.Admit(admitted[i])
		byVMID[admitted[i].VMID] = i
	}
	for i := range all {
		if j, ok := byVMID[all[i].VMID]; ok {
			all[i] = admitted[j]
		}
	}
	return idle, admitted
}

// Admit, which orders the decisions where they lie in all, admits the
// same decisions in the same order, with the same holds and texts, as the
// sorting version, over random passes: ties of class and pressure (equal
// newest samples), increases that crowd two small nodes, a write budget
// of a few, decisions without changes among them.
func TestAdmitMatchesTheSortingAdmit(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 29))
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	nodes := []proxmox.Node{{Name: "pve1", CPUs: 8, MemoryBytes: 16 << 30}, {Name: "pve2", CPUs: 4, MemoryBytes: 8 << 30}}
	resources := []scaling.Resource{scaling.ResourceCores, scaling.ResourceMemory, scaling.ResourceSwap, scaling.ResourceDisk}
	for pass := range 200 {
		e := New(Options{Interval: 10 * time.Second, Window: time.Hour}, Hooks{})
		tick := Tick{End: now, Nodes: nodes}
		var all []scaling.Decision
		for i := range 60 {
			vmid := 100 + i
			ct := proxmox.Container{VMID: vmid, Node: nodes[rng.IntN(2)].Name, Status: "running",
				CPUs: float64(1 + rng.IntN(4)), MaxMem: uint64(1+rng.IntN(4)) << 30}
			tick.Containers = append(tick.Containers, ct)
			tr := &Container{Listed: Listed{VMID: vmid, Node: ct.Node}, Window: e.NewWindow()}
			if rng.IntN(8) > 0 { // some windows are empty
				// Few distinct values, so that pressures tie.
				tr.Window.Add(Sample{Time: now, CPU: float64(rng.IntN(3)), Cores: float64(rng.IntN(3)),
					Mem: uint64(rng.IntN(3)) << 29, MaxMem: uint64(rng.IntN(3)) << 30})
			}
			e.Tracked[vmid] = tr
			d := scaling.Decision{VMID: vmid, Node: ct.Node, Mode: []scaling.Mode{scaling.ModeEnforce, scaling.ModeDryRun, scaling.ModeRecommend}[rng.IntN(3)]}
			for _, r := range resources {
				if rng.IntN(3) > 0 {
					continue
				}
				from := int64(1 + rng.IntN(4))
				if r == scaling.ResourceMemory || r == scaling.ResourceSwap {
					from *= 1024
				}
				dir, to := scaling.Up, from*2
				if rng.IntN(2) == 0 {
					dir, to = scaling.Down, from/2
				}
				d.Changes = append(d.Changes, scaling.Change{Resource: r, Direction: dir, From: from, To: to, Text: "wanted"})
			}
			if rng.IntN(4) == 0 {
				d.Holds = append(d.Holds, scaling.Hold{Resource: scaling.ResourceDisk, Reason: scaling.SkipStabilizing, Text: "kept"})
			}
			all = append(all, d)
		}
		guard := scaling.NewGuard(scaling.GuardOptions{OvercommitCPU: 1, OvercommitMemory: 1, ReserveCores: 1, ReserveMemory: 1 << 30, MaxWritesPerPass: rng.IntN(8)})
		wantAll := append([]scaling.Decision(nil), all...)
		wantIdle, wantAdmitted := e.admitBySorting(tick, wantAll, guard)
		idle, admitted := e.Admit(tick, all, guard)
		for _, c := range []struct {
			name      string
			got, want []scaling.Decision
		}{{"idle", idle, wantIdle}, {"admitted", admitted, wantAdmitted}, {"all", all, wantAll}} {
			if len(c.got) != len(c.want) {
				t.Fatalf("pass %d: %d %s, want %d", pass, len(c.got), c.name, len(c.want))
			}
			for i := range c.got {
				if !reflect.DeepEqual(c.got[i], c.want[i]) || texts(c.got[i]) != texts(c.want[i]) {
					t.Fatalf("pass %d: %s[%d] = %+v, want %+v", pass, c.name, i, c.got[i], c.want[i])
				}
			}
		}
	}
}

// texts are a decision's change reasons and hold details as shown.
func texts(d scaling.Decision) string {
	s := ""
	for _, c := range d.Changes {
		s += fmt.Sprintf("%s %s: %s\n", c.Resource, c.Direction, c.Reason())
	}
	for _, h := range d.Holds {
		s += fmt.Sprintf("%s %s: %s\n", h.Resource, h.Reason, h.Detail())
	}
	return s
}

// Step orders by the pressures read while deciding: over random passes of
// random listings the decisions it admits are Admit's, which looks each
// container's newest sample up, in the same order with the same holds.
func TestStepPressuresAreAdmits(t *testing.T) {
	rng := rand.New(rand.NewPCG(59, 61))
	nodes := []proxmox.Node{{Name: "pve1", CPUs: 16, MemoryBytes: 64 << 30}, {Name: "pve2", CPUs: 8, MemoryBytes: 32 << 30}}
	sel := policies.Selection{Default: scaling.Rules{Mode: scaling.ModeDryRun,
		CPU:    scaling.CPURules{Enabled: true, Up: 0.8, Down: 0.3, Step: 1, Min: 1, Max: 8},
		Memory: scaling.MemoryRules{Enabled: true, Up: 0.8, Down: 0.3, Step: 256 << 20, Min: 256 << 20, Max: 16 << 30},
		Disk:   scaling.DiskRules{Enabled: true, Threshold: 0.8, Step: 1 << 30, Max: 64 << 30}}}
	counts := map[bool]int{} // passes that admitted a change among several
	for run := range 20 {
		e := New(Options{Interval: 10 * time.Second, Window: 10 * time.Minute, ShortPeriod: time.Minute, Scale: true}, Hooks{})
		cts := make([]proxmox.Container, 80)
		for i := range cts {
			cts[i] = proxmox.Container{VMID: 100 + i, Node: nodes[i*2/len(cts)].Name, Status: "running",
				CPUs: float64(1 + rng.IntN(4)), MaxMem: uint64(1+rng.IntN(8)) << 30, MaxDisk: 8 << 30}
			if rng.IntN(10) == 0 {
				cts[i].Status = "stopped"
			}
		}
		for pass := range 12 {
			for i := range cts {
				ct := &cts[i]
				ct.CPU, ct.Mem, ct.Disk = rng.Float64(), rng.Uint64N(ct.MaxMem), rng.Uint64N(ct.MaxDisk)
				ct.Uptime += 10
			}
			tick := Tick{End: t0.Add(time.Duration(pass) * 10 * time.Second), Nodes: nodes, Containers: slices.Clone(cts)}
			e.Observe(tick)
			guard := scaling.NewGuard(scaling.GuardOptions{MaxWritesPerPass: rng.IntN(6)})
			all := e.scoreAndDecide(tick, sel, true, false)
			looked := slices.Clone(all)
			idle, admitted := admission.Admit(tick.Nodes, tick.Containers, all, guard, 1, func(i int, _ *scaling.Decision) float64 { return e.pressures[i] })
			wantIdle, wantAdmitted := e.Admit(tick, looked, guard)
			// Printed: a score is NaN without a model, which DeepEqual
			// would tell from itself.
			for _, c := range []struct{ got, want []scaling.Decision }{{idle, wantIdle}, {admitted, wantAdmitted}, {all, looked}} {
				if g, w := fmt.Sprintf("%+v", c.got), fmt.Sprintf("%+v", c.want); g != w {
					t.Fatalf("run %d pass %d: Step's pressures admit\n%s\nAdmit's\n%s", run, pass, g, w)
				}
			}
			changing := 0
			for _, d := range admitted {
				changing += len(d.Changes)
			}
			counts[changing > 0 && len(admitted) > 1]++
		}
	}
	if counts[true] < 100 {
		t.Errorf("%d passes of %d admitted a change among several: the test orders too little", counts[true], counts[true]+counts[false])
	}
}
