package engine

import (
	"math"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// The floors of the ratios below, so that a rise from next to nothing is
// not taken for a large one: a twentieth of a core, a hundredth of the
// memory limit, 64 KiB/s of io or network.
const (
	coresFloor = 0.05
	memFloor   = 0.01
	rateFloor  = 64 << 10
)

// rise is log((short+floor)/(long+floor)): how far short is above long,
// 0.69 for twice, negative below.
func rise(short, long, floor float64) float64 {
	return math.Log((short + floor) / (long + floor))
}

// moved is the largest rise of memory use and of the io and network rates
// over the short period against the long one, 0 when none rose.
func (f *Features) moved() float64 {
	return max(0,
		rise(f.MemoryShort.Mean, f.MemoryLong.Mean, memFloor),
		rise(f.IORate, f.IORateLong, rateFloor),
		rise(f.NetRate, f.NetRateLong, rateFloor))
}

// cpuAlone is the rise of the busy cores beyond the largest rise of the
// container's other activity: about 0 for demand, which brings memory,
// io or network with it, and for a steady load; log 4 (1.4) for a
// service of half a core that spins at two with nothing else changing.
func (f *Features) cpuAlone() float64 {
	return rise(f.CoresShort, f.CoresLong, coresFloor) - f.moved()
}

// Activity is what the decisions see of the features (scaling.Activity).
func (f *Features) Activity() scaling.Activity {
	return scaling.Activity{
		CoresShort: f.CoresShort, CoresLong: f.CoresLong,
		CoresCalm: f.CoresCalm, CalmShare: f.calmShare(), Moved: math.Expm1(f.moved()),
	}
}

// calmShare is the share of the long period's samples that were calm.
func (f *Features) calmShare() float64 {
	if f.CPULong.N == 0 {
		return 0
	}
	return float64(f.Calm) / float64(f.CPULong.N)
}

// cpuAboveCalm is the rise of the busy cores over the short period above
// the window's calm level (its samples below calmShare of their
// allocation) beyond what the rest rose, 0 while fewer than a tenth of
// the window's samples were calm: cpuAlone against the level the
// container ran at before it was pinned, which the window's mean soon
// forgets.
func (f *Features) cpuAboveCalm() float64 {
	if f.calmShare() < 0.1 {
		return 0
	}
	return rise(f.CoresShort, f.CoresCalm, coresFloor) - f.moved()
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
