package sim

import (
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// oursPolicy drives the loop's own pass (engine.Replay, which runs
// Engine.Step) with the trace in place of the cluster and a simulated
// clock.
type oursPolicy struct {
	replay *engine.Replay
	cycle
}

func newOursPolicy(o Options) *oursPolicy {
	return &oursPolicy{
		replay: engine.NewReplay(engine.ReplayOptions{
			Interval: o.Interval, Window: o.Window, ShortPeriod: o.ShortPeriod,
			Selection: o.Selection, Model: o.Model, Guard: o.Guard, Node: o.Node,
		}),
		cycle: cycle{interval: o.Interval},
	}
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
			VMID: s.c.tc.VMID, Name: s.c.tc.Name, Alloc: s.alloc,
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
