package engine

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/policies"
)

// TestActivityTellsARunawayFromDemand: an hour at half a core of one,
// then five minutes pinned at two cores. With nothing else moving, the
// rise is the cpu's alone (the model's last two features) and the
// decisions see a calm level four times below; with memory, io and
// network rising with it, the rise is explained.
func TestActivityTellsARunawayFromDemand(t *testing.T) {
	build := func(demand bool) Features {
		w := newWindow(time.Hour, 400)
		for i := range 360 {
			s := sampleAt(i*10, 0.5)
			s.Cores, s.DiskRead, s.PressureCPU = 1, 1e5, 0
			if i >= 330 {
				s.CPU, s.Cores = 2, 2
				if demand {
					s.Mem, s.NetIn, s.DiskRead = 2*s.Mem, 1e6, 1e6
				}
			}
			w.Add(s)
		}
		return computeFeatures(w, w.Len(), w.At(w.Len()-1).Time, 5*time.Minute, time.Hour, &featureScratch{})
	}
	near := func(name string, got, want, tol float64) {
		t.Helper()
		if math.Abs(got-want) > tol {
			t.Errorf("%s = %.3f, want %.3f ± %.3f", name, got, want, tol)
		}
	}
	f := build(false)
	a := f.Activity()
	near("CoresShort", a.CoresShort, 2, 1e-9)
	near("CoresLong", a.CoresLong, (330*0.5+30*2)/360.0, 1e-9)
	near("CoresCalm", a.CoresCalm, 0.5, 1e-9)
	near("CalmShare", a.CalmShare, 330/360.0, 1e-9)
	near("Moved", a.Moved(), 0, 1e-9)
	v := f.ModelVector(nil)
	near("cpuAlone", v[NumModelFeatures-2], math.Log(2.05/(a.CoresLong+0.05)), 1e-9)
	near("cpuAboveCalm", v[NumModelFeatures-1], math.Log(2.05/0.55), 1e-9)

	f = build(true)
	a = f.Activity()
	if a.Moved() < 0.5 {
		t.Errorf("memory, io and network rising with the cpu: Moved = %.2f, want >= 0.5", a.Moved())
	}
	if v := f.ModelVector(nil); v[NumModelFeatures-2] > 0.1 || v[NumModelFeatures-1] > 0.1 {
		t.Errorf("demand: cpuAlone %.2f, cpuAboveCalm %.2f, want at most 0.1 (explained)", v[NumModelFeatures-2], v[NumModelFeatures-1])
	}
}

// TestRunawayHoldIsRememberedAndTold replays a container of one core that
// runs at half a core for 40 minutes, then spins at every core it is
// given, memory and rates unchanged, with a model that finds everything
// anomalous: relief grows it once, then its cores hold, the engine
// remembers the hold (ContainerState.Runaway) and tells it once
// (Hooks.Runaway); once the spinning stops, the hold ends.
func TestRunawayHoldIsRememberedAndTold(t *testing.T) {
	rules := scaling.Rules{Mode: scaling.ModeEnforce,
		CPU:        scaling.CPURules{Enabled: true, Up: 0.9, Down: 0.3, Step: 1, Min: 1, Max: 8, Target: 0.8},
		CooldownUp: 2 * time.Minute, CooldownDown: 45 * time.Minute, StabilizationUp: 30 * time.Second, StabilizationDown: 45 * time.Minute}
	var told []string
	e := New(Options{Interval: 10 * time.Second, Window: time.Hour, ShortPeriod: 5 * time.Minute, Scale: true,
		Model: ModelOptions{Enabled: true, RetrainInterval: 10 * time.Minute, Trees: 20, SampleSize: 64, Seed: 3, TrainingWindow: time.Hour, Threshold: 0.01}},
		Hooks{Runaway: func(vmid int, _ float64, detail string) { told = append(told, detail) }})
	node, sel, guard := scaling.NodeCapacity{Node: "pve1", CPUs: 64, MemoryBytes: 256 << 30}, policies.Selection{Default: rules}, scaling.NewGuard(scaling.GuardOptions{})
	alloc := scaling.Allocation{Cores: 1, MemoryMiB: 2048}
	var heldSince time.Time
	now := t0
	step := func(spinning bool) {
		now = now.Add(10 * time.Second)
		busy := 0.5
		if spinning {
			busy = float64(alloc.Cores)
		}
		obs := []Observed{{VMID: 101, Name: "ct101", Alloc: alloc, CPUCores: busy, MemoryBytes: 600 << 20, DiskBytes: 1 << 30, NetRate: 2e5, IORate: 1e5}}
		for _, d := range e.Step(TickOf(now, node, obs), sel, guard, nil).Admitted {
			outcomes := make([]scaling.Outcome, len(d.Changes))
			for i, ch := range d.Changes {
				if ch.Resource == scaling.ResourceCores {
					alloc.Cores = int(ch.To)
				}
				outcomes[i] = scaling.Outcome{Change: ch, Result: scaling.ResultApplied}
			}
			e.Record(d.VMID, outcomes, now)
		}
	}
	for range 240 {
		step(false)
	}
	for range 180 {
		step(true)
		if st := e.States[101]; st != nil && heldSince.IsZero() {
			heldSince = st.Runaway
		}
	}
	if alloc.Cores != 2 {
		t.Errorf("spinning for 30 minutes: %d cores, want 2 (relief once, then held)", alloc.Cores)
	}
	if st := e.States[101]; heldSince.IsZero() || st == nil || !st.Runaway.Equal(heldSince) {
		t.Errorf("the hold is not remembered from its start: first seen %v, now %+v", heldSince, st)
	}
	if len(told) != 1 || !strings.Contains(told[0], "a runaway process?") {
		t.Errorf("told %d times (%.200q), want the hold once", len(told), told)
	}
	for range 3 {
		step(false)
	}
	if st := e.States[101]; !st.Runaway.IsZero() {
		t.Errorf("the spinning stopped and the hold goes on since %v", st.Runaway)
	}
}
