package backfill

import (
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine"
	"github.com/lxc-autoscale/lxc-autoscale/controller/engine/histogram"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// FeedUsage feeds what a backfill read into a container's recommender
// history (histogram.Usage.Past, which keeps only what lies before the
// controller's own first sample): the coarse points (RRD week and month,
// averages and maxima) up to the first of the hour's samples, then the
// samples, each weighted by the time it covers. Cores enter as the
// average of each point (a percentile over time); memory as the peak of
// each histogram.MemoryPeriod, from the MAX of the points within it, or of
// a coarser point on its own (the peak of its half hour or more).
func FeedUsage(u *histogram.Usage, samples []engine.Sample, coarse []engine.CoarsePoint) {
	var end time.Time
	if len(samples) > 0 {
		end = samples[0].Time
	}
	var mem periodPeak
	for _, p := range coarse {
		step := p.Step
		if !end.IsZero() {
			step = min(step, end.Sub(p.Time))
		}
		if step <= 0 {
			continue
		}
		u.Past(p.Time, step, scaling.ResourceCores, p.CPU)
		mem.add(u, p.Time, step, p.MemPeak)
	}
	for i, s := range samples {
		// A sample covers the time to the next, the last as long as the
		// one before it.
		var step time.Duration
		switch {
		case i+1 < len(samples):
			step = samples[i+1].Time.Sub(s.Time)
		case i > 0:
			step = s.Time.Sub(samples[i-1].Time)
		default:
			step = time.Minute // RRD's finest row
		}
		u.Past(s.Time, step, scaling.ResourceCores, s.CPU)
		mem.add(u, s.Time, step, float64(s.Mem))
	}
	mem.flush(u)
}

// periodPeak gathers the memory peak of one MemoryPeriod from points
// finer than it.
type periodPeak struct {
	from   time.Time // the start of the first point in the period
	period int64
	peak   float64
	cover  time.Duration
}

func (a *periodPeak) add(u *histogram.Usage, t time.Time, step time.Duration, v float64) {
	if !(v >= 0) { // NaN: no data (stopped)
		return
	}
	if step >= histogram.MemoryPeriod {
		a.flush(u)
		u.Past(t, step, scaling.ResourceMemory, v)
		return
	}
	if p := t.Unix() / int64(histogram.MemoryPeriod/time.Second); p != a.period || a.cover == 0 {
		a.flush(u)
		a.period, a.from = p, t
	}
	a.peak = max(a.peak, v)
	a.cover += step
}

func (a *periodPeak) flush(u *histogram.Usage) {
	if a.cover > 0 {
		u.Past(a.from, a.cover, scaling.ResourceMemory, a.peak)
	}
	*a = periodPeak{}
}
