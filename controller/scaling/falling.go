package scaling

import (
	"math"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/fall"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/sat"
)

// falling returns the stabilisation period's newest half's peak h, and u
// floored by h instead of the window's peak, while usage still falls
// through the period (fall.Falling): a decrease down a decay then takes
// it in one instead of a step a cooldown; bursts keep the window's floor.
// hour is the stabilisation period's peak as sustained read it up to now:
// the period's when no point is after now.
func (dc *decider) falling(u utilisation, s run[Points], hour float64) (utilisation, float64, bool) {
	// The peaks, from the kept extremes blocks, first: most decreases
	// are down no decay, and reading their samples doubled a pass's cost.
	peak := func(age time.Duration) float64 { _, hi := s.since(dc.now.Add(-age)).extremes(); return hi }
	d := dc.r.StabilizationDown
	if n := s.len(); d <= 0 || n > 0 && s.time(n-1).After(dc.now) {
		hour = peak(d) // sustained's period ended at now, or was a point
	}
	// The half's peak is at least its newest point's: when that is not
	// Share below the period's, neither is the half's, which then needs no
	// read (most decreases: usage that is not decaying is near its peak).
	if n := s.len(); n > 0 && !s.time(n-1).Before(dc.now.Add(-d/2)) && !(s.value(n-1) < hour*(1-fall.Share)) {
		return u, 0, false
	}
	// The newest quarter's is read only when the half's fell: with -Inf,
	// the lowest quarter there is, Peaks fails a half that did not.
	if h := peak(d / 2); !fall.Peaks(hour, h, math.Inf(-1)) || !fall.Peaks(hour, h, peak(d/4)) {
		return u, 0, false
	}
	h, ok := fall.Falling(s.len(), func(i int) (time.Time, float64) { return s.time(i), s.value(i) }, dc.now, d)
	if !ok {
		return u, 0, false
	}
	u.cpuPeak, u.peak, u.season, u.rec = h*float64(u.cur), sat.CeilMiB(uint64(min(h, 1<<62))), Recurring{}, RecFloor{}
	if u.floor = dc.r.Need(u.res, h); u.res == ResourceCores {
		u.floor = dc.r.Need(u.res, u.cpuPeak)
	}
	return dc.withRecommendation(dc.withSeason(u)), h, true
}
