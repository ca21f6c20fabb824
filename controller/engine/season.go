package engine

import (
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine/codes"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// Recurring is the window's recurring peaks ahead of now, read from its
// weekday x hour profile, checked and timed by its week and day tiers
// (scaling.History; scaling.ProfilePeaks says how).
func (h *windowHistory) Recurring(ahead time.Duration) (cpu, memory scaling.Recurring) {
	return scaling.ProfilePeaks(h.w.tiers.profile.Slot, h.w.tierPeaks, h.now, ahead)
}

// Profile is hour slot of the window's weekday x hour profile (weekly).
func (w *window) Profile(slot int) scaling.WeekHour { return w.tiers.profile.Slot(slot) }

// tierPeaks are the largest cpu and memory peaks of the completed buckets
// of the day (week false) or week tier that [from, from+d) touches, and
// the start of the bucket of the cpu's; ok is false when none holds data.
func (w *window) tierPeaks(week bool, from time.Time, d time.Duration) (p scaling.TierPeak, ok bool) {
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
		if !ok || c > p.CPU {
			p.CPU, p.CPUAt = c, time.Unix(b*t.step, 0).UTC()
		}
		if !ok || m > p.Memory {
			p.Memory, p.MemoryAt = m, time.Unix(b*t.step, 0).UTC()
		}
		ok = true
	}
	return p, ok
}
