package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/chunks"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/policies"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// TestShardsAreOneWalk runs Step on one goroutine and sharded over two to
// four (shards of 7 to 90 containers, as many as goroutines or more, taken
// in turn) on two engines fed the same random listings: containers that start,
// stop, migrate, leave and come back, are listed twice or as templates,
// resized by someone else or grown by the engine; some spin at every core
// they are given (runaway holds), one poisoned so that its turn panics; a
// model that trains; a replica that follows and leads in turns. Each
// pass's decisions and what the guard admitted, each container's decision
// index, score, features, window and usage history, the states, the
// training set, and the hooks' calls in their order are the same.
func TestShardsAreOneWalk(t *testing.T) {
	defer func(n int) { chunks.Len = n }(chunks.Len)
	rng := rand.New(rand.NewPCG(141, 8))
	nodes := []proxmox.Node{{Name: "pve1", CPUs: 16, MemoryBytes: 64 << 30}, {Name: "pve2", CPUs: 8, MemoryBytes: 32 << 30}, {Name: "pve3", CPUs: 32, MemoryBytes: 128 << 30}}
	sel := policies.Selection{Default: scaling.Rules{Mode: scaling.ModeEnforce,
		CPU:               scaling.CPURules{Enabled: true, Up: 0.9, Down: 0.3, Step: 1, Min: 1, Max: 8, Target: 0.8},
		Memory:            scaling.MemoryRules{Enabled: true, Up: 0.8, Down: 0.3, Step: 256 << 20, Min: 256 << 20, Max: 16 << 30, Target: 0.6},
		Disk:              scaling.DiskRules{Enabled: true, Threshold: 0.8, Step: 1 << 30, Max: 64 << 30},
		CooldownUp:        time.Minute,
		CooldownDown:      5 * time.Minute,
		StabilizationUp:   30 * time.Second,
		StabilizationDown: 2 * time.Minute,
	}}
	const containers, spinning, poisoned = 90, 12, 20 // the first spinning spin; container poisoned stops and panics
	fused, passes := 0, 0
	counts := map[string]int{}
	for run := range 4 {
		var calls [2][]string
		hooks := func(k int) Hooks {
			note := func(f string, a ...any) {
				calls[k] = append(calls[k], fmt.Sprintf(f, a...))
				counts[strings.Fields(f)[0]]++
			}
			return Hooks{
				Migrated:  func(vmid int, from, to string) { note("migrated %d %s %s", vmid, from, to) },
				Forgotten: func(vmid int, node string) { note("forgotten %d %s", vmid, node) },
				Anomalous: func(vmid int, score float64) { note("anomalous %d %v", vmid, score) },
				Runaway:   func(vmid int, score float64, detail string) { note("runaway %d %v %s", vmid, score, detail) },
				Panicked:  func(vmid int, recovered any, _ []byte) { note("panicked %d %v", vmid, recovered) },
			}
		}
		threshold := []float64{0.01, 0.55}[run%2]
		o := Options{Interval: 10 * time.Second, Window: 10 * time.Minute, ShortPeriod: time.Minute, Scale: true, NoteResizes: true, Workers: 1,
			Model: ModelOptions{Enabled: run%3 != 2, RetrainInterval: 3 * time.Minute, Trees: 10, SampleSize: 32, Seed: 5, TrainingWindow: 5 * time.Minute, Threshold: threshold}}
		one := New(o, hooks(0))
		o.Workers = 2 + run%3
		shards := New(o, hooks(1))
		chunks.Len = []int{containers, 7, 23, 40}[run] // the shards and trackAll's ranges: one, or many taken in turn
		cts := randomContainers(rng, containers, nodes)
		for i := range cts {
			if i < spinning {
				cts[i].CPUs, cts[i].MaxMem, cts[i].Mem = 1, 2<<30, 600<<20
			}
		}
		for pass := range 140 {
			var listed []proxmox.Container
			for i := range cts {
				ct := &cts[i]
				ct.Uptime += 10
				if i < spinning { // calm at half a core, then spinning at every core from pass 40
					ct.CPU, ct.NetIn, ct.DiskRead = 0.5/ct.CPUs, ct.NetIn+2e6, ct.DiskRead+1e6
					if pass >= 40+i {
						ct.CPU = 1
					}
					listed = append(listed, *ct)
					continue
				}
				ct.CPU, ct.Mem, ct.Disk = rng.Float64(), rng.Uint64N(ct.MaxMem), rng.Uint64N(ct.MaxDisk)
				ct.NetIn += rng.Uint64N(1 << 20)
				churn(rng, ct, nodes)
				if i == poisoned && pass >= 60 {
					ct.Status, ct.Template = "stopped", false
				}
				if i%10 == pass/10%10 && pass%30 > 20 && i != poisoned {
					continue // not listed for a while: forgotten
				}
				listed = listTwice(rng, listed, ct, nodes, 3000)
			}
			if pass >= 62 { // stopped, never run again, after the training set covers its window: only its turn reads the window
				for _, e := range []*Engine{one, shards} {
					if tr := e.Tracked[100+poisoned]; tr != nil {
						tr.Window = nil
					}
				}
			}
			tick := Tick{End: t0.Add(time.Duration(pass) * 10 * time.Second).Add(time.Duration(rng.IntN(1e9))), Nodes: nodes, Containers: listed}
			following := run%2 == 1 && pass%25 < 5
			one.Following, shards.Following = following, following
			writes := rng.IntN(4)
			if e := shards; !e.trainDue(tick.End) && (!e.followed || e.Following) && e.fusable(tick) {
				fused++ // sharded: Workers > 1
			}
			passes++
			got := shards.Step(tick, sel, scaling.NewGuard(scaling.GuardOptions{MaxWritesPerPass: writes}), nil)
			want := one.Step(tick, sel, scaling.NewGuard(scaling.GuardOptions{MaxWritesPerPass: writes}), nil)
			if g, w := fmt.Sprintf("%+v", got), fmt.Sprintf("%+v", want); g != w {
				t.Fatalf("run %d pass %d: sharded\n%s\none walk\n%s", run, pass, g, w)
			}
			for _, d := range got.Admitted {
				outcomes := make([]scaling.Outcome, len(d.Changes))
				for j, ch := range d.Changes {
					outcomes[j] = scaling.Outcome{Change: ch, Result: scaling.ResultApplied}
					if i := d.VMID - 100; ch.Resource == scaling.ResourceCores {
						cts[i].CPUs = float64(ch.To)
					}
				}
				one.Record(d.VMID, outcomes, tick.End)
				shards.Record(d.VMID, outcomes, tick.End)
			}
			if g, w := decisionsIn(shards, got.All), decisionsIn(one, want.All); g != w {
				t.Fatalf("run %d pass %d: sharded decided\n%s\none walk\n%s", run, pass, g, w)
			}
			if pass%4 != 3 { // what the passes leave, printed every fourth (the printing costs most of the test)
				continue
			}
			if g, w := engineState(shards), engineState(one); g != w {
				t.Fatalf("run %d pass %d: sharded left\n%s\none walk\n%s", run, pass, g, w)
			}
			if g, w := trainingBits(shards), trainingBits(one); !slices.Equal(g, w) {
				t.Fatalf("run %d pass %d: training set sharded\n%v\none walk\n%v", run, pass, g, w)
			}
		}
		if g, w := strings.Join(calls[1], "\n"), strings.Join(calls[0], "\n"); g != w {
			t.Fatalf("run %d: hooks called sharded\n%s\none walk\n%s", run, g, w)
		}
	}
	t.Logf("%d of %d passes walked once (sharded); hooks %v", fused, passes, counts)
	if fused < passes/2 || fused == passes {
		t.Errorf("%d of %d passes sharded: the test compares too little", fused, passes)
	}
	for _, k := range []string{"migrated", "forgotten", "anomalous", "runaway", "panicked"} {
		if counts[k] < 4 {
			t.Errorf("%d %s hooks: the test compares too little", counts[k], k)
		}
	}
}

// trainingBits are the bits of every row of e's training set, in order.
func trainingBits(e *Engine) []uint64 {
	var bits []uint64
	for _, row := range e.training.Draw(time.Time{}, rand.New(rand.NewPCG(1, 2))) {
		for _, v := range row {
			bits = append(bits, math.Float64bits(v))
		}
	}
	return bits
}

// decisionsIn prints the decision each tracked container finds in all.
func decisionsIn(e *Engine, all []scaling.Decision) string {
	s := ""
	for _, tr := range e.SortedTracked() {
		if d := e.DecisionIn(tr, all); d != nil {
			s += fmt.Sprintf("%d decided at %d\n", tr.VMID, tr.decided)
		}
	}
	return s
}

// TestShardedHookPanicIsOneContainers has a hook panic for one container
// in a sharded pass: the hooks run after the walk there, and the panic is
// still reported as that container's, not the end of the pass.
func TestShardedHookPanicIsOneContainers(t *testing.T) {
	defer func(n int) { chunks.Len = n }(chunks.Len)
	chunks.Len = 5
	nodes := []proxmox.Node{{Name: "pve1", CPUs: 16, MemoryBytes: 64 << 30}, {Name: "pve2", CPUs: 16, MemoryBytes: 64 << 30}}
	cts := randomContainers(rand.New(rand.NewPCG(3, 4)), 20, nodes)
	cts[7].Node, cts[12].Node = "pve1", "pve2"
	var panicked []int
	e := New(Options{Interval: 10 * time.Second, Window: 10 * time.Minute, ShortPeriod: time.Minute, Workers: 2}, Hooks{
		Migrated: func(vmid int, _, _ string) {
			if vmid == cts[7].VMID {
				panic("hook")
			}
		},
		Panicked: func(vmid int, _ any, _ []byte) { panicked = append(panicked, vmid) },
	})
	for pass := range 2 {
		if pass == 1 { // two containers migrate: one hook panics, the other's runs
			cts[7].Node, cts[12].Node = "pve2", "pve1"
		}
		e.Step(Tick{End: t0.Add(time.Duration(pass) * 10 * time.Second), Nodes: nodes, Containers: cts}, policies.Selection{}, nil, nil)
	}
	if !slices.Equal(panicked, []int{cts[7].VMID}) {
		t.Fatalf("panics reported for %v, want only container %d's", panicked, cts[7].VMID)
	}
	if tr := e.Tracked[cts[12].VMID]; tr == nil || tr.Node != "pve1" {
		t.Fatalf("container %d after the pass: %+v", cts[12].VMID, tr)
	}
}
