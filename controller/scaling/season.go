package scaling

import (
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/season"
)

// Recurring is a peak that comes back at the same time of day
// (season.Recurring); seasonAhead, seasonLead and seasonClimb are
// season.Ahead, season.Lead and season.Climb: how far a decrease's floor,
// a growth, and its size and the floor that keeps it, look ahead.
type Recurring = season.Recurring

const seasonAhead, seasonLead, seasonClimb = season.Ahead, season.Lead, season.Climb

// seasonWhy is a Recurring as a change's reason keeps it: every change
// carries one, few say it.
type seasonWhy struct {
	peak       float64
	at         int32 // seconds from midnight
	seen, days uint8
	class      DayClass
}

// seasonWhyOf keeps r for a reason that is formatted only when asked.
func seasonWhyOf(r Recurring) seasonWhy {
	return seasonWhy{peak: r.Peak, at: int32(r.At / time.Second), seen: uint8(r.Seen), days: uint8(r.Days), class: r.Class}
}

// recurring is the Recurring seasonWhyOf kept (At to the second).
func (w seasonWhy) recurring() Recurring {
	return Recurring{Peak: w.peak, At: time.Duration(w.at) * time.Second, Seen: int(w.seen), Days: int(w.days), Class: w.class}
}

// seasonRead caches a History.Recurring answer within one Decide.
type seasonRead struct {
	read        bool
	cpu, memory Recurring
}

// recurring is the recurring peak of u's resource within ahead (seasonAhead,
// seasonLead or seasonClimb), read once per Decide; the zero Recurring
// without a History.
func (dc *decider) recurring(u utilisation, ahead time.Duration) Recurring {
	h := dc.sig.History
	if h == nil {
		return Recurring{}
	}
	c := &dc.floorSeason
	switch ahead {
	case seasonLead:
		c = &dc.leadSeason
	case seasonClimb:
		c = &dc.climbSeason
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
	return season.Memory(rec.Peak, dc.r.Memory.Margin, u.target) // the policy's
}

// withSeason raises u's floor (set by withFloor) to what the recurring
// peak within seasonAhead needs, so that a decrease never shrinks into a
// peak the history saw on most of the recent days, and to what the climb
// within seasonClimb needs below the up threshold, so that it never
// takes back a growth ahead of that climb before its top.
func (dc *decider) withSeason(u utilisation) utilisation {
	rec := dc.recurring(u, seasonAhead)
	if need := dc.seasonNeed(u, rec); need > u.floor {
		u.floor, u.season = need, rec
	}
	if need, climb := dc.climb(u); need > u.floor {
		u.floor, u.season = need, climb
	}
	return u
}

// climb is what the highest recurring peak within seasonClimb needs of
// u's resource below the up threshold (as growAhead sizes), at most the
// max, and that peak. A growth ahead is made for it, and a decrease stops
// at it: a climb through hours of the profile is one growth and one
// decrease after it, not one of each an hour, for the cost of holding the
// climb's top from its start.
func (dc *decider) climb(u utilisation) (int64, Recurring) {
	rec := dc.recurring(u, seasonClimb)
	u.target = max(u.target, u.up.Bound/u.per)
	return min(dc.seasonNeed(u, rec), u.max), rec
}

// growAhead grows u, after the up cooldown, when a recurring peak within
// seasonLead (seen on most days, and as the latest day saw it over the
// same ten minutes: Soon) would pass the up threshold of the current
// allocation: the increase that the peak would ask for once it came, made
// before it comes; not one that only the latest day asked for. It grows
// in one step to keep the highest peak within seasonClimb below the up
// threshold (climb: a climb through hours is one growth, not one an hour);
// cores, whose right-sizing takes back what the target's headroom adds
// over a brief peak, no further for the peak within seasonLead either (a
// noisy 3.24-core hour: 1 -> 3 -> 5 -> 4 every morning). ok is false
// when there is none to make.
func (dc *decider) growAhead(u utilisation) (to int64, ok bool) {
	rec := dc.recurring(u, seasonLead)
	v, p := rec.Soon, rec.Peak // in the series' unit: bytes, or the utilisation of the cores
	if u.res == ResourceCores {
		v, p = v/float64(u.cur), p/float64(u.cur)
	}
	if rec.Seen == 0 || !u.up.Passed(v) || !u.up.Passed(p) {
		return u.cur, false
	}
	below := u // sized to keep a peak below the up threshold
	below.target = max(u.target, u.up.Bound/u.per)
	target := dc.seasonNeed(u, rec)
	if u.res == ResourceCores {
		target = dc.seasonNeed(below, rec)
	}
	if need, climb := dc.climb(u); need > target {
		target, rec = need, climb
	}
	target = min(target, u.max)
	if target <= u.cur {
		return u.cur, false
	}
	if dc.coolingDown(u.res, Up) {
		return u.cur, true
	}
	// The text waits for Reason: a dry run holds the same growth pass after pass.
	dc.d.changeWhy(u.res, u.cur, target, why{set: true, flags: whyAhead, floor: target, season: seasonWhyOf(rec)})
	return target, true
}

// seasonText is season.Text with rec's peak in res's unit.
func seasonText(res Resource, need int64, rec Recurring) string {
	_, unit := labelUnit(res)
	return season.Text(peakText(res, rec.Peak), need, unit, rec)
}

// peakText is v cores busy or bytes as a reason quotes it.
func peakText(res Resource, v float64) string { return season.PeakText(res == ResourceCores, v) }
