package engine

import (
	"slices"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/policies"
)

// TestTrainingRowsAreTheScoredVectors: once the engine has run for the
// training window, a training fits on the vectors the passes scored, of
// running containers only, and no window is scanned for rows.
func TestTrainingRowsAreTheScoredVectors(t *testing.T) {
	r := newTrainingRig()
	alloc := r.alloc
	scored := map[time.Time][][]float64{}
	var now time.Time
	for i := range 90 {
		now = t0.Add(time.Duration(i) * 10 * time.Second)
		obs := []Observed{
			{VMID: 101, Alloc: alloc, CPUCores: 0.5 + float64(i%7)/10, MemoryBytes: uint64(300+i) << 20, DiskBytes: 1 << 30},
			{VMID: 102, Alloc: alloc, CPUCores: 1.5, MemoryBytes: uint64(700-i) << 20, DiskBytes: 2 << 30, NetRate: float64(i)},
		}
		if i >= 60 {
			obs = obs[:1] // 102 stops: listed no more
		}
		r.step(now, obs)
		for _, o := range obs {
			scored[now] = append(scored[now], r.e.Tracked[o.VMID].Features.ModelVector(nil))
		}
	}
	if !r.e.training.Covers(now, r.model.TrainingWindow) {
		t.Fatal("after 15 minutes of passes the set does not cover a 10-minute window")
	}
	rows, want := r.e.trainingRows(now, r.model.Seed), r.scoredInWindow(scored, now)
	if !slices.EqualFunc(rows, want, slices.Equal) {
		t.Errorf("%d training rows, want the %d vectors scored in the window", len(rows), len(want))
	}
}

// TestRunawayRowsAreNotTrained: the vectors of a container whose cores are
// held as a runaway (ContainerState.Runaway) are scored but not offered to
// the training set, so that the model does not learn as normal the anomaly
// it flagged: in a small cluster two runaways taught it a third's.
func TestRunawayRowsAreNotTrained(t *testing.T) {
	r := newTrainingRig()
	alloc := r.alloc
	scored := map[time.Time][][]float64{}
	var now time.Time
	for i := range 90 {
		now = t0.Add(time.Duration(i) * 10 * time.Second)
		obs := []Observed{
			{VMID: 101, Alloc: alloc, CPUCores: 0.5 + float64(i%7)/10, MemoryBytes: uint64(300+i) << 20, DiskBytes: 1 << 30},
			{VMID: 102, Alloc: alloc, CPUCores: 2, MemoryBytes: 500 << 20, DiskBytes: 2 << 30, NetRate: 1},
		}
		r.e.containerState(102).Runaway = t0 // held: Decide would end a hold it cannot see
		r.step(now, obs)
		scored[now] = append(scored[now], r.e.Tracked[101].Features.ModelVector(nil))
		if r.e.Tracked[102].Features.ModelVector(nil) == nil {
			t.Fatalf("pass %d: the held container was not scored", i)
		}
	}
	rows, want := r.e.trainingRows(now, r.model.Seed), r.scoredInWindow(scored, now)
	if !slices.EqualFunc(rows, want, slices.Equal) {
		t.Errorf("%d training rows, want the %d vectors of the container not held", len(rows), len(want))
	}
}

// trainingRig is an engine that trains on the vectors its passes score
// (a 10-minute training window of 10-s passes), and what a pass needs.
type trainingRig struct {
	e     *Engine
	model ModelOptions
	node  scaling.NodeCapacity
	sel   policies.Selection
	guard *scaling.Guard
	alloc scaling.Allocation
}

func newTrainingRig() trainingRig {
	model := ModelOptions{Enabled: true, RetrainInterval: 10 * time.Minute, Trees: 10, SampleSize: 32, Seed: 3, TrainingWindow: 10 * time.Minute, Threshold: 0.65}
	return trainingRig{
		e:     New(Options{Interval: 10 * time.Second, Window: 10 * time.Minute, ShortPeriod: time.Minute, Model: model, Scale: true}, Hooks{}),
		model: model,
		node:  scaling.NodeCapacity{Node: "sim", CPUs: 64, MemoryBytes: 1 << 40},
		sel:   policies.Selection{Default: scaling.Rules{Mode: scaling.ModeEnforce}},
		guard: scaling.NewGuard(scaling.GuardOptions{}),
		alloc: scaling.Allocation{Cores: 2, MemoryMiB: 1024, DiskBytes: 8 << 30},
	}
}

func (r trainingRig) step(now time.Time, obs []Observed) {
	r.e.Step(TickOf(now, r.node, obs), r.sel, r.guard, nil)
}

// scoredInWindow are the vectors scored (by pass time) within the
// training window that ends at now, in pass order.
func (r trainingRig) scoredInWindow(scored map[time.Time][][]float64, now time.Time) [][]float64 {
	var want [][]float64
	for at := now.Add(-r.model.TrainingWindow); !at.After(now); at = at.Add(r.e.opts.Interval) {
		want = append(want, scored[at]...)
	}
	return want
}
