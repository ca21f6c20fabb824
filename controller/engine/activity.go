package engine

import (
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// Activity is what the runaway rule and the model's last two features
// read of the features (scaling.Activity).
func (f *Features) Activity() scaling.Activity {
	a := scaling.Activity{
		CoresShort: f.CoresShort, CoresLong: f.CoresLong, CoresCalm: f.CoresCalm,
		MemShort: f.MemoryShort.Mean, MemLong: f.MemoryLong.Mean,
		IOShort: f.IORate, IOLong: f.IORateLong, NetShort: f.NetRate, NetLong: f.NetRateLong,
	}
	if f.CPULong.N > 0 {
		a.CalmShare = float64(f.Calm) / float64(f.CPULong.N)
	}
	return a
}

// runawayStarted tells Hooks.Runaway of a runaway hold that d starts.
func (e *Engine) runawayStarted(d *scaling.Decision, score float64) {
	if d.Runaway.IsZero() || e.hooks.Runaway == nil {
		return
	}
	for _, h := range d.Holds {
		if h.Resource == scaling.ResourceCores {
			e.hooks.Runaway(d.VMID, score, h.Detail())
		}
	}
}
