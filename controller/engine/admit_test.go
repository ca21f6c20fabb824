package engine

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// admitBySorting is Admit as it was first written: the decisions that
// want a change copied out, sorted with SortByUrgency on their newest
// sample, guarded, and put back into all by VMID.
func (e *Engine) admitBySorting(t Tick, all []scaling.Decision, guard *scaling.Guard) (idle, admitted []scaling.Decision) {
	for i := range all {
		if len(all[i].Changes) > 0 {
			admitted = append(admitted, all[i])
		} else {
			idle = append(idle, all[i])
		}
	}
	scaling.SortByUrgency(admitted, func(d scaling.Decision) float64 {
		last, _ := e.Tracked[d.VMID].Window.Last()
		return max(last.CPUUtilisation(), last.MemoryUtilisation())
	})
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

// allocatedOf sums a node's running containers by runs of the listing
// as a map updated per container does, bit for bit, whatever the order:
// nodes listed in runs, interleaved, coming back, stopped containers
// between.
func TestAllocatedOfSumsAsPerContainer(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 37))
	nodes := []string{"pve1", "pve2", "pve3"}
	for round := range 300 {
		var cts []proxmox.Container
		for range rng.IntN(40) {
			ct := proxmox.Container{Node: nodes[rng.IntN(len(nodes))], Status: "running",
				CPUs: rng.Float64() * 8, MaxMem: uint64(rng.IntN(1<<20)) << 12}
			if rng.IntN(5) == 0 {
				ct.Status = "stopped"
			}
			if n := len(cts); n > 0 && rng.IntN(3) > 0 {
				ct.Node = cts[n-1].Node // runs, as a listing comes
			}
			cts = append(cts, ct)
		}
		want := map[string]scaling.Allocated{}
		for _, ct := range cts {
			if ct.Status == "running" {
				a := want[ct.Node]
				a.Cores += ct.CPUs
				a.MemoryBytes += ct.MaxMem
				want[ct.Node] = a
			}
		}
		if got := allocatedOf(cts); !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d: %v, want %v", round, got, want)
		}
	}
}
