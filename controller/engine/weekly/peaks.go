package weekly

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/dayclass"
)

// TierPeak is what a history's coarse tier says of a period: the largest
// peaks of cores busy and memory bytes of the buckets it touches.
type TierPeak struct{ CPU, Memory float64 }

// TierPeaks reads a history's coarse tiers (controller/engine): the day
// tier (ten minutes for a day) or the week tier (an hour for seven days)
// over [from, from+d); ok is false when they hold no data there.
type TierPeaks func(week bool, from time.Time, d time.Duration) (p TierPeak, ok bool)

const (
	// seasonDays are the days back the latest day of a class is looked
	// for in: the week tier's.
	seasonDays = 7
	// seenShare is how much of a recurring peak a day must reach to see
	// it: a day's noise does not make a season come and go.
	seenShare = 0.8
	// stepShare is how far memory (and cores) must rise from the hour before for the
	// one day of a class known to show a job or a workday's start, not a
	// level reached by growing (a leak, a cache filling) that the next day
	// reaches at another hour.
	stepShare = 1.5
)

// Peaks are the recurring peaks of cores busy and memory bytes over
// [now, now+ahead) (scaling.History's Recurring): see peaks. read is the
// history's week and day tiers.
func (p *Profile) Peaks(read TierPeaks, now time.Time, ahead time.Duration) (cpu, mem scaling.Recurring) {
	return peaks(p.Slot, read, now, ahead)
}

// peaks are the recurring peaks of cores busy and memory over
// [now, now+ahead) from a weekday x hour profile, for the hours of the
// week the period touches (the largest of them):
//
//   - the peak that a strict majority of the days of today's class
//     (workdays, or the weekend) reached at that hour, over every week the
//     profile holds, of at least two days: a workday peak, or a daily one
//     when the other class reached it too (or, with one day of today's
//     class known, that day reached what most of the other class's did:
//     a first weekend's Sunday). A class that did not see a peak never
//     gets its floor or a growth ahead of it: no Saturday morning from
//     five weekdays;
//   - for memory, with no day of today's class known (a first weekend's
//     Saturday), the other class's peak when every day of it known
//     reached it and the latest stepped up into it (stepShare): daily,
//     until a day of this class says otherwise;
//   - or, when higher, the peak that most weeks reached at that hour of
//     today's weekday, of at least two weeks: a weekly one;
//   - for memory, with one day of today's class known and no peak above,
//     that day's peak at that hour when memory stepped up into it
//     (stepShare times the hour before's): seen on 1 of 1 days. An OOM
//     kill on the second night of a nightly job, or the second morning of
//     a workload, costs more than an hour of memory held ahead of a step
//     that does not come back. Cores likewise when they stepped up into
//     the hour with memory: a job or a workday's start brings both, and
//     its second morning would wait on one core for relief; cores alone
//     (a spinning loop, which takes no memory) wait for a second day.
//
// The latest day of the class that the week tier holds (read; for a
// weekly peak the same weekday a week back) must have seen it too
// (seenShare of it): a job that stopped is not a recurring peak any more.
// Soon is yesterday's ten minutes (the day tier) when yesterday is of the
// same class and saw the peak, else Peak: the hour a peak lies in may
// start long before it. Most is the largest peak of those hours on any
// day of today's class, when each has at least two (0 otherwise).
func peaks(slot func(int) Hour, read TierPeaks, now time.Time, ahead time.Duration) (cpu, mem scaling.Recurring) {
	now = now.UTC() // the profile's hours are UTC's
	var most [2]float64
	for first, from := true, now.Truncate(time.Hour); from.Before(now.Add(ahead)); first, from = false, from.Add(time.Hour) {
		peaks := hourPeaks(slot, read, from)
		for r, out := range []*scaling.Recurring{&cpu, &mem} {
			got := peaks[r]
			if got.Peak > out.Peak || out.Seen == 0 && got.Days > out.Days {
				*out = got
			}
			if first || most[r] > 0 && got.Most > 0 {
				most[r] = max(most[r], got.Most)
			} else {
				most[r] = 0
			}
		}
	}
	cpu.Most, mem.Most = most[0], most[1]
	yesterday := now.Add(-24 * time.Hour)
	cpu.Soon, mem.Soon = cpu.Peak, mem.Peak
	if !sameClass(cpu.Class, yesterday.Weekday(), now.Weekday()) && !sameClass(mem.Class, yesterday.Weekday(), now.Weekday()) {
		return cpu, mem
	}
	hour, okHour := read(true, yesterday, ahead)
	soon, okSoon := read(false, yesterday, ahead)
	if !okHour || !okSoon {
		return cpu, mem
	}
	if cpu.Seen > 0 && sameClass(cpu.Class, yesterday.Weekday(), now.Weekday()) && hour.CPU >= cpu.Peak*seenShare {
		cpu.Soon = soon.CPU
	}
	if mem.Seen > 0 && sameClass(mem.Class, yesterday.Weekday(), now.Weekday()) && hour.Memory >= mem.Peak*seenShare {
		mem.Soon = soon.Memory
	}
	return cpu, mem
}

// sameClass says whether a peak of class c recurs on day y as on today.
func sameClass(c scaling.DayClass, y, today time.Weekday) bool {
	switch c {
	case scaling.ClassDaily:
		return true
	case scaling.ClassWorkday, scaling.ClassWeekend:
		return dayclass.IsWorkday(y) == dayclass.IsWorkday(today)
	}
	return false
}

// hourPeaks are the recurring peaks of cores (0) and memory (1) in the
// hour from from (see peaks), each slot and tier point read once.
func hourPeaks(slot func(int) Hour, read TierPeaks, from time.Time) (out [2]scaling.Recurring) {
	day, hour := from.Weekday(), from.Hour()
	var mineAt, otherAt [7]Hour // no allocation: Decide reads this every pass
	mine, other := mineAt[:0], otherAt[:0]
	for d := time.Sunday; d <= time.Saturday; d++ {
		if h := slot(int(d)*24 + hour); h.Weeks > 0 {
			if dayclass.IsWorkday(d) == dayclass.IsWorkday(day) {
				mine = append(mine, h)
			} else {
				other = append(other, h)
			}
		}
	}
	own := slot(int(day)*24 + hour)
	// The latest day of the class and the same weekday a week back that
	// the week tier holds at this hour (none: nothing says otherwise).
	var weekAgo TierPeak
	okWeek := false
	latest, latestAt, okLatest := latestDay(read, from, dayclass.IsWorkday(day))
	if own.Weeks >= 2 {
		weekAgo, okWeek = read(true, from.Add(-seasonDays*24*time.Hour), time.Hour)
	}
	// Whether cores (0) and memory (1) stepped up into the hour on the one
	// day of today's class known: read once for both.
	var stepped [2]bool
	if okLatest && classDays(mine) == 1 {
		stepped = steppedUp(read, latestAt, mine[0])
	}
	at := time.Duration(hour) * time.Hour
	for res := range out {
		value := func(h Hour) float64 { return h.CPU }
		saw := func(p TierPeak, ok bool, peak float64) bool { return !ok || p.CPU >= peak*seenShare }
		if res == 1 {
			value = func(h Hour) float64 { return h.Memory }
			saw = func(p TierPeak, ok bool, peak float64) bool { return !ok || p.Memory >= peak*seenShare }
		}
		most := 0.0 // the largest peak of the class's days, 0 for fewer than two
		if classDays(mine) >= 2 {
			for _, h := range mine {
				most = max(most, value(h))
			}
		}
		r, o, stopped := classPeak(mine, value), classPeak(other, value), math.Inf(1)
		switch {
		case r.Seen > 0:
			r.Class = scaling.ClassWorkday
			if !dayclass.IsWorkday(day) {
				r.Class = scaling.ClassWeekend
			}
			if o.Seen > 0 && o.Peak >= r.Peak*seenShare {
				r.Class, r.Seen, r.Days = scaling.ClassDaily, r.Seen+o.Seen, r.Days+o.Days
			}
		case r.Days == 1 && o.Seen > 0 && value(mine[0]) >= o.Peak*seenShare:
			// The one day of today's class known (a first weekend's
			// Sunday) reached what most of the other class's did: daily.
			r = scaling.Recurring{Peak: o.Peak, Class: scaling.ClassDaily, Seen: o.Seen + 1, Days: o.Days + 1}
		case res == 1 && r.Days == 0 && o.Seen > 0 && o.Seen == o.Days && otherSteppedUp(read, from)[1]:
			// No day of today's class known (a first weekend's Saturday),
			// and memory stepped up into the hour on every day of the
			// other class: a nightly job until a day of this class says
			// otherwise, whose OOM kill costs more than the hour of
			// memory an office's morning holds for nothing, once.
			r = scaling.Recurring{Peak: o.Peak, Class: scaling.ClassDaily, Seen: o.Seen, Days: o.Days}
		}
		if r.Seen == 0 && r.Days == 1 && stepped[1] && (res == 1 || stepped[0]) {
			r = scaling.Recurring{Peak: value(mine[0]), Class: scaling.ClassWorkday, Seen: 1, Days: 1}
			if !dayclass.IsWorkday(day) {
				r.Class = scaling.ClassWeekend
			}
		}
		if r.Seen > 0 {
			r.At = at
			if !saw(latest, okLatest, r.Peak) {
				stopped, r = r.Peak*seenShare, scaling.Recurring{Days: r.Days}
			}
		}
		// The weekday's own peak, when higher: a Monday job over a service
		// that runs every day; not the class's peak that stopped.
		if v := value(own); own.Weeks >= 2 && 2*own.Seen > own.Weeks && v > r.Peak && v < stopped && saw(weekAgo, okWeek, v) {
			r = scaling.Recurring{Peak: v, At: at, Seen: own.Seen, Days: own.Weeks, Class: scaling.ClassWeekly + scaling.DayClass(day)}
		}
		r.Most = most
		out[res] = r
	}
	return out
}

// classDays is the days the hours hs count.
func classDays(hs []Hour) int {
	days := 0
	for _, h := range hs {
		days += h.Weeks
	}
	return days
}

// classPeak is the peak that a strict majority of the days the hours hs
// count reached, of at least two days: the hours sorted by their peak,
// the first at which the days that saw the hours so far are more than
// half of all; Seen counts the days that saw a peak of at least seenShare
// of it. Sorts hs.
func classPeak(hs []Hour, value func(Hour) float64) scaling.Recurring {
	days := classDays(hs)
	r := scaling.Recurring{Days: days}
	if days < 2 {
		return r
	}
	slices.SortStableFunc(hs, func(a, b Hour) int { return cmp.Compare(value(b), value(a)) })
	seen := 0
	for _, h := range hs {
		if seen += h.Seen; 2*seen > days {
			r.Peak = value(h)
			break
		}
	}
	if r.Peak <= 0 {
		return r
	}
	for _, h := range hs {
		if value(h) >= r.Peak*seenShare {
			r.Seen += h.Seen
		}
	}
	return r
}

// otherSteppedUp is steppedUp on the latest day of the other class than
// from's (workdays, or the weekend) that the week tier holds at from's
// hour: all the tiers say of the days the profile counts there.
func otherSteppedUp(read TierPeaks, from time.Time) (stepped [2]bool) {
	if p, at, ok := latestDay(read, from, !dayclass.IsWorkday(from.Weekday())); ok {
		stepped = steppedUp(read, at, Hour{CPU: p.CPU, Memory: p.Memory})
	}
	return stepped
}

// latestDay is the week tier's hour from from's time of day on the latest
// of the last seasonDays days that is a workday (or a weekend day, when
// workday is false) and that the tier holds, and when it was; ok is false
// when none is.
func latestDay(read TierPeaks, from time.Time, workday bool) (p TierPeak, at time.Time, ok bool) {
	for back := 1; back <= seasonDays; back++ {
		if at = from.Add(-time.Duration(back) * 24 * time.Hour); dayclass.IsWorkday(at.Weekday()) == workday {
			if p, ok = read(true, at, time.Hour); ok {
				return p, at, true
			}
		}
	}
	return p, at, false
}

// steppedUp says whether cores (0) and memory (1) stepped up into the
// hour from at to h's peaks: at least stepShare times the hour before's
// peak, by more than cpuSlack or memSlack. No data for the hour before
// says nothing.
func steppedUp(read TierPeaks, at time.Time, h Hour) (stepped [2]bool) {
	before, ok := read(true, at.Add(-time.Hour), time.Hour)
	if !ok {
		return stepped
	}
	stepped[0] = h.CPU >= before.CPU*stepShare && h.CPU-before.CPU > cpuSlack
	stepped[1] = h.Memory >= before.Memory*stepShare && h.Memory-before.Memory > memSlack
	return stepped
}
