package scaling

import (
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/season"
)

// Recurring is a peak that comes back at the same time of day
// (season.Recurring); seasonAhead and seasonLead are season.Ahead and
// season.Lead: how far a decrease's floor and a growth look ahead.
type Recurring = season.Recurring

const seasonAhead, seasonLead = season.Ahead, season.Lead

// seasonWhy is a Recurring as a change's reason keeps it: every change
// carries one, few say it.
type seasonWhy struct {
	peak       float64
	at         int32 // seconds from midnight
	seen, days uint8
	class      DayClass
}

// seasonRead caches a History.Recurring answer within one Decide.
type seasonRead struct {
	read        bool
	cpu, memory Recurring
}

// recurring is the recurring peak of u's resource within ahead (seasonAhead
// or seasonLead), read once per Decide; the zero Recurring without a
// History.
func (dc *decider) recurring(u utilisation, ahead time.Duration) Recurring {
	h := dc.sig.History
	if h == nil {
		return Recurring{}
	}
	c := &dc.floorSeason
	if ahead == seasonLead {
		c = &dc.leadSeason
	}
	if !c.read {
		c.cpu, c.memory = h.Recurring(ahead)
		c.read = true
	}
	if u.res == ResourceCores {
		return c.cpu
	}
	return c.memory
}

// seasonNeed is what rec needs of u's resource at u's target (cores: the
// up threshold without one; memory: at least the peak plus the margin),
// in u's unit; 0 when rec is no recurring peak.
func (dc *decider) seasonNeed(u utilisation, rec Recurring) int64 {
	if rec.Seen == 0 || !(rec.Peak > 0) {
		return 0
	}
	if u.res == ResourceCores {
		frac := u.target // the policy's, or the up threshold for brief peaks (rightSize)
		if frac <= 0 {
			frac = dc.r.CPU.Up
		}
		return season.Cores(rec.Peak, frac)
	}
	return season.Memory(rec.Peak, dc.r.Memory.Margin, dc.r.Memory.Target)
}

// withSeason raises u's floor (set by withFloor) to what the recurring
// peak within seasonAhead needs, so that a decrease never shrinks into a
// peak the history saw on most of the recent days.
func (dc *decider) withSeason(u utilisation) utilisation {
	rec := dc.recurring(u, seasonAhead)
	if need := dc.seasonNeed(u, rec); need > u.floor {
		u.floor, u.season = need, rec
	}
	return u
}

// growAhead grows u, after the up cooldown, to what a recurring peak
// within seasonLead needs, when that peak (seen on most days, and as the
// latest day saw it over the same ten minutes: Soon) would pass the up
// threshold of the current allocation: the increase that the peak would
// ask for once it came, made before it comes; not one that only the
// latest day asked for. ok is false when there is none to make.
func (dc *decider) growAhead(u utilisation) (to int64, ok bool) {
	rec := dc.recurring(u, seasonLead)
	v, p := rec.Soon, rec.Peak // in the series' unit: bytes, or the utilisation of the cores
	if u.res == ResourceCores {
		v, p = v/float64(u.cur), p/float64(u.cur)
	}
	if rec.Seen == 0 || !u.up.Passed(v) || !u.up.Passed(p) {
		return u.cur, false
	}
	target := min(dc.seasonNeed(u, rec), u.max)
	if target <= u.cur {
		return u.cur, false
	}
	if dc.coolingDown(u.res, Up) {
		return u.cur, true
	}
	dc.d.change(u.res, u.cur, target, "ahead of "+seasonText(u.res, target, rec))
	return target, true
}

// seasonText is season.Text with rec's peak in res's unit.
func seasonText(res Resource, need int64, rec Recurring) string {
	_, unit := labelUnit(res)
	return season.Text(peakText(res, rec.Peak), need, unit, rec)
}

// peakText is v cores busy or bytes as a reason quotes it.
func peakText(res Resource, v float64) string { return season.PeakText(res == ResourceCores, v) }
