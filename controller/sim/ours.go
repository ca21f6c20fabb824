package sim

import (
	"slices"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine"
	"github.com/lxc-autoscale/lxc-autoscale/controller/engine/replay"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// oursPolicy drives the loop's own pass (controller/engine/replay, which runs
// Engine.Step) with the trace in place of the cluster and a simulated
// clock.
type oursPolicy struct {
	replay *replay.Replay
	cycle
}

// newOursPolicy runs the pass every interval: o.Interval, or the trace's
// typical gap when that is longer (see Options.Interval). The engine is
// told that interval, as a loop running at it would be, and every
// stabilisation period is stretched by interval/o.Interval (at most to the
// window): live, a 30-s stabilisation at a 10-s interval is met by four
// samples in a row; on a trace sampled every minute it must be met by as
// many samples, not by one sample seen on three ticks.
func newOursPolicy(o Options, interval time.Duration) *oursPolicy {
	sel := o.Selection
	if interval > o.Interval {
		stretch := func(r *scaling.Rules) {
			r.StabilizationUp = stretchPeriod(r.StabilizationUp, interval, o.Interval, o.Window)
			r.StabilizationDown = stretchPeriod(r.StabilizationDown, interval, o.Interval, o.Window)
		}
		stretch(&sel.Default)
		sel.Policies = slices.Clone(sel.Policies)
		for i := range sel.Policies {
			stretch(&sel.Policies[i].Rules)
		}
	}
	return &oursPolicy{
		replay: replay.New(replay.Options{
			Interval: interval, Window: o.Window, ShortPeriod: o.ShortPeriod,
			Selection: sel, Model: o.Model, Guard: o.Guard, Node: o.Node,
		}),
		cycle: cycle{interval: interval},
	}
}

// stretchPeriod is d counted in samples of interval instead of live: as
// many samples, each gap apart, no longer than the window kept.
func stretchPeriod(d, gap, interval, window time.Duration) time.Duration {
	samples := (d + interval - 1) / interval
	return max(d, min(samples*gap, window))
}

// tick is one pass of the loop on what the active containers got; the
// admitted changes apply at once and are recorded as applied.
func (p *oursPolicy) tick(now time.Time, states []*simState) error {
	if !p.due(now) {
		return nil
	}
	var observed []engine.Observed
	byVMID := make(map[int]*simState, len(states))
	for _, s := range states {
		if !s.active {
			continue
		}
		byVMID[s.c.tc.VMID] = s
		cores, mem, disk := s.used()
		observed = append(observed, engine.Observed{
			VMID: s.c.tc.VMID, Name: s.c.tc.Name, Alloc: s.alloc, Stopped: s.stale,
			CPUCores: cores, MemoryBytes: mem, DiskBytes: disk,
			NetRate: s.demand.NetRate, IORate: s.demand.IORate,
			PressureCPU: s.demand.PressureCPU, PressureMemory: s.demand.PressureMemory, PressureIO: s.demand.PressureIO,
		})
	}
	for _, d := range p.replay.Step(now, observed) {
		if len(d.Changes) == 0 {
			continue
		}
		s := byVMID[d.VMID]
		outcomes := make([]scaling.Outcome, len(d.Changes))
		for i, ch := range d.Changes {
			s.apply(ch, now)
			outcomes[i] = scaling.Outcome{Change: ch, Result: scaling.ResultApplied}
		}
		p.replay.Record(d.VMID, outcomes, now)
	}
	return nil
}
