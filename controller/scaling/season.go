package scaling

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"
)

// Recurring is a peak that comes back at the same time of day: on Seen of
// the Days recent days whose history covers that time, the period ahead
// peaked at Peak or more (cores busy, or memory bytes). A strict majority
// of at least two days makes a peak recurring; Seen 0 says there is none.
type Recurring struct {
	Peak float64
	// At is the time of day (UTC, from midnight) of the hour the peak was
	// seen in, on the day whose peak is Peak.
	At         time.Duration
	Seen, Days int
	// Soon is the latest day's peak over the period at a finer step (ten
	// minutes), which times a growth ahead of the peak; Peak when that
	// day did not see it or the finer step does not reach back a day.
	Soon float64
}

const (
	// seasonAhead is how far ahead of now a decrease looks for a recurring
	// peak: a peak within the hour after it (a lunch dip between two busy
	// hours, the minutes before a nightly job) would find the container
	// short of what it needed the days before (issue 15, D2). Further
	// ahead, a growth ahead of the peak gives it back in time.
	seasonAhead = time.Hour
	// seasonLead is how long before a recurring peak the resource grows
	// to what the peak needs, so that a nightly job or the morning's
	// first users do not start short. The week tier is hourly, so it
	// grows up to an hour earlier than the peak's start.
	seasonLead = 10 * time.Minute
)

// seasonWhy is a Recurring as a change's reason keeps it: every change
// carries one, few say it.
type seasonWhy struct {
	peak       float64
	at         int32 // seconds from midnight
	seen, days uint8
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

// seasonNeed is what rec needs of u's resource at the policy's target
// (cores: the up threshold without one; memory: at least the peak plus the
// margin), in u's unit; 0 when rec is no recurring peak.
func (dc *decider) seasonNeed(u utilisation, rec Recurring) int64 {
	if rec.Seen == 0 || !(rec.Peak > 0) {
		return 0
	}
	if u.res == ResourceCores {
		frac := dc.r.CPU.Target
		if frac <= 0 {
			frac = dc.r.CPU.Up
		}
		if frac <= 0 {
			return 0
		}
		return int64(min(math.Ceil(rec.Peak/frac), math.MaxInt32))
	}
	peak := min(rec.Peak, math.MaxUint64/2)
	b := satAdd(uint64(peak), dc.r.Memory.Margin)
	if t := dc.r.Memory.Target; t > 0 {
		b = max(b, uint64(min(peak/t, math.MaxUint64/2)))
	}
	return ceilMiB(b)
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
// within seasonLead needs, when that peak (as the latest day saw it over
// the same ten minutes: Soon) would pass the up threshold of the current
// allocation: the increase that the peak would ask for once
// it came, made before it comes. ok is false when there is none to make.
func (dc *decider) growAhead(u utilisation) (to int64, ok bool) {
	rec := dc.recurring(u, seasonLead)
	v := rec.Soon // in the series' unit: bytes, or the utilisation of the cores
	if u.res == ResourceCores {
		v /= float64(u.cur)
	}
	if rec.Seen == 0 || !u.up.Passed(v) {
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

// seasonText says where a floor or a growth that a recurring peak set
// comes from: "the 01:00 peak seen on 3 of 4 days (3.40 cores): 5 cores".
func seasonText(res Resource, need int64, rec Recurring) string {
	_, unit := labelUnit(res)
	peak := fmt.Sprintf("%.2f cores", rec.Peak)
	if res != ResourceCores {
		peak = fmt.Sprintf("%d MiB", ceilMiB(uint64(rec.Peak)))
	}
	at := rec.At.Truncate(time.Minute)
	return fmt.Sprintf("the %02d:%02d peak seen on %d of %d days (%s): %d %s",
		int(at.Hours()), int(at.Minutes())%60, rec.Seen, rec.Days, peak, need, unit)
}

// TierPeak is what a history's coarse tier says of a period: the largest
// peaks of cores busy and memory bytes of the buckets it touches, and the
// start of their buckets.
type TierPeak struct {
	CPU, Memory     float64
	CPUAt, MemoryAt time.Time
}

// TierPeaks reads a history's coarse tiers (controller/engine): the day
// tier (ten minutes for a day) or the week tier (an hour for seven days)
// over [from, from+d); ok is false when they hold no data there.
type TierPeaks func(week bool, from time.Time, d time.Duration) (p TierPeak, ok bool)

const (
	// seasonDays are the days back a recurring peak is looked for in: the
	// week tier's.
	seasonDays = 7
	// seenShare is how much of a recurring peak a day must reach to see
	// it: a day's noise does not make a season come and go.
	seenShare = 0.8
)

// dayPeak is one day's peak over a period: its value, when its bucket
// starts, and how many days back it is.
type dayPeak struct {
	v  float64
	at time.Time
	d  int
}

// RecurringPeaks are the recurring peaks of cores busy and memory over
// [now, now+ahead) at the same time of day on each of the last seven days
// (the week tier's hours that the period touches; the tier's peaks, so a
// backfill from RRD's MAX rows counts from the first pass): the value that
// a strict majority of the days the tier holds data for reached, of at
// least two days, and that the latest of them saw too (seenShare of it;
// Seen counts such days), or the same weekday a week before: a job that
// stopped running, or a weekday load on the Sunday after an idle Saturday,
// is not a recurring peak any more. Soon is the latest day's ten minutes
// when that day is yesterday and saw the peak: the hour a peak lies in may
// start long before it.
func RecurringPeaks(read TierPeaks, now time.Time, ahead time.Duration) (cpu, mem Recurring) {
	var cpus, mems [seasonDays]dayPeak
	days := 0
	for d := 1; d <= seasonDays; d++ {
		if p, ok := read(true, now.Add(-time.Duration(d)*24*time.Hour), ahead); ok {
			cpus[days], mems[days] = dayPeak{p.CPU, p.CPUAt, d}, dayPeak{p.Memory, p.MemoryAt, d}
			days++
		}
	}
	latestCPU, latestMem := cpus[0], mems[0] // recurringOf sorts them
	cpu, mem = recurringOf(cpus[:days]), recurringOf(mems[:days])
	cpu.Soon, mem.Soon = cpu.Peak, mem.Peak
	if days == 0 || latestCPU.d != 1 {
		return cpu, mem
	}
	if p, ok := read(false, now.Add(-24*time.Hour), ahead); ok {
		if cpu.Seen > 0 && latestCPU.v >= cpu.Peak*seenShare {
			cpu.Soon = p.CPU
		}
		if mem.Seen > 0 && latestMem.v >= mem.Peak*seenShare {
			mem.Soon = p.Memory
		}
	}
	return cpu, mem
}

// recurringOf is the peak a strict majority of days reached, seen by the
// latest day or the same weekday (p is the days newest first; sorts it).
func recurringOf(p []dayPeak) Recurring {
	if len(p) < 2 {
		return Recurring{Days: len(p)}
	}
	latest, weekAgo := p[0], p[len(p)-1]
	slices.SortStableFunc(p, func(a, b dayPeak) int { return cmp.Compare(b.v, a.v) })
	k := len(p)/2 + 1
	r := Recurring{Peak: p[k-1].v, Seen: k, Days: len(p)}
	seen := r.Peak * seenShare
	for r.Seen < len(p) && p[r.Seen].v >= seen {
		r.Seen++
	}
	if latest.v < seen && (weekAgo.d != seasonDays || weekAgo.v < seen) {
		return Recurring{Days: len(p)}
	}
	at := p[k-1].at
	r.At = at.Sub(at.Truncate(24 * time.Hour))
	return r
}
