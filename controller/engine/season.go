package engine

import (
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine/codes"
	"github.com/lxc-autoscale/lxc-autoscale/controller/engine/weekly"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// Recurring is the window's recurring peaks ahead of now, read from its
// weekday x hour profile, checked and timed by its week and day tiers
// (scaling.History; weekly.Profile.Peaks says how).
// The answers are kept in the container's seasons until its tiers change
// or now enters another ten minutes.
func (h *windowHistory) Recurring(ahead time.Duration) (cpu, memory scaling.Recurring) {
	return h.seasons.Peaks(&h.w.tiers.profile, h.w.tierPeaks, h.w.tiers.gen, h.now, ahead)
}

// seasons are a container's recurring and highest peaks as last read,
// from window of (signals clears them for another).
type seasons struct {
	of *window
	weekly.Cache
}

// Profile is hour slot of the window's weekday x hour profile (weekly).
func (w *window) Profile(slot int) weekly.Hour { return w.tiers.profile.Slot(slot) }

// tierPeaks are the largest cpu and memory peaks of the completed buckets
// of the day (week false) or week tier that [from, from+d) touches; ok is
// false when none holds data.
func (w *window) tierPeaks(week bool, from time.Time, d time.Duration) (p weekly.TierPeak, ok bool) {
	t := &w.tiers.day
	if week {
		t = &w.tiers.week
	}
	if t.newest == noBucket {
		return p, false
	}
	first, n := floorDiv(from.Unix(), t.step), int64(len(t.points))
	last := max(first, floorDiv(from.Unix()+int64(d/time.Second)-1, t.step))
	for b := max(first, t.newest-n+1); b <= min(last, t.newest); b++ {
		x := t.at(b)
		if x.cpu == codes.Absent {
			continue
		}
		c, m := codes.FromFloat16(x.cpuPeak)/cpuScale, codes.FromFloat16(x.memPeak)*1024
		p.CPU, p.Memory, ok = max(p.CPU, c), max(p.Memory, m), true
	}
	return p, ok
}

// Highest reads the week tier's peaks of the last d (scaling.History),
// kept in the container's seasons.
func (h *windowHistory) Highest(d time.Duration) (cpu, memory float64) {
	p := h.seasons.Highest(h.w.tierPeaks, h.w.tiers.gen, h.now.Add(-d), d)
	return p.CPU, p.Memory
}
