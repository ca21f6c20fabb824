package engine

import (
	"slices"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// seasonDays are the days back a recurring peak is looked for in: the
// week tier's.
const seasonDays = weekPoints * weekStep / (24 * 3600)

// seenShare is how much of a recurring peak a day must reach to confirm
// it: a day's noise does not make a season come and go.
const seenShare = 0.8

// dayPeak is one day's peak over a period: its value, the start of its
// bucket (seconds) and how many days back it is.
type dayPeak struct {
	v    float64
	b, d int64
}

// recurring is the recurring peak of cores busy and of memory bytes over
// [now, now+ahead) at the same time of day on each of the last seven days
// (the week tier's hours that the period touches; the tier's peaks, so a
// backfill from RRD's MAX rows counts from the first pass): the value that
// a strict majority of the days the tier holds data for reached, of at
// least two days, and that the latest of them saw too (seenShare of it;
// Seen counts such days), or the same
// weekday a week before: a job that stopped running, or a weekday load on
// the Sunday after an idle Saturday, is not a recurring peak any more.
func (w *window) recurring(now time.Time, ahead time.Duration) (cpu, mem scaling.Recurring) {
	var cpus, mems [seasonDays]dayPeak
	days := 0
	for d := int64(1); d <= seasonDays; d++ {
		from := now.Unix() - d*24*3600
		c, m, ok := w.tiers.week.peaks(from, from+int64(ahead/time.Second))
		if ok {
			cpus[days], mems[days] = c, m
			cpus[days].d, mems[days].d = d, d
			days++
		}
	}
	latestCPU, latestMem := cpus[0], mems[0] // recurringOf sorts them
	cpu, mem = recurringOf(cpus[:days]), recurringOf(mems[:days])
	// What times a growth: yesterday's ten minutes, when yesterday saw
	// the peak (the hour it lies in may start long before it).
	cpu.Soon, mem.Soon = cpu.Peak, mem.Peak
	if days > 0 && latestCPU.d == 1 {
		from := now.Unix() - 24*3600
		if c, m, ok := w.tiers.day.peaks(from, from+int64(ahead/time.Second)); ok {
			if cpu.Seen > 0 && latestCPU.v >= cpu.Peak*seenShare {
				cpu.Soon = c.v
			}
			if mem.Seen > 0 && latestMem.v >= mem.Peak*seenShare {
				mem.Soon = m.v
			}
		}
	}
	return cpu, mem
}

// peaks are the largest cpu and memory peaks of the completed buckets of
// t that [from, to) touches (seconds), with their buckets; ok is false
// when none of them holds data.
func (t *tier) peaks(from, to int64) (cpu, mem dayPeak, ok bool) {
	if t.newest == noBucket {
		return cpu, mem, false
	}
	first, n := floorDiv(from, t.step), int64(len(t.points))
	last := max(first, floorDiv(to-1, t.step))
	for b := max(first, t.newest-n+1); b <= min(last, t.newest); b++ {
		p := t.at(b)
		if p.cpu == absent16 {
			continue
		}
		c, m := fromFloat16(p.cpuPeak)/cpuScale, fromFloat16(p.memPeak)*1024
		if !ok || c > cpu.v {
			cpu = dayPeak{v: c, b: b * t.step}
		}
		if !ok || m > mem.v {
			mem = dayPeak{v: m, b: b * t.step}
		}
		ok = true
	}
	return cpu, mem, ok
}

// recurringOf is the peak a strict majority of days reached, confirmed by
// the latest day or the same weekday (p is the days newest first; sorts
// it).
func recurringOf(p []dayPeak) scaling.Recurring {
	if len(p) < 2 {
		return scaling.Recurring{Days: len(p)}
	}
	latest, weekAgo := p[0], p[len(p)-1]
	slices.SortStableFunc(p, func(a, b dayPeak) int {
		switch {
		case a.v > b.v:
			return -1
		case a.v < b.v:
			return 1
		}
		return 0
	})
	k := len(p)/2 + 1
	r := scaling.Recurring{Peak: p[k-1].v, Seen: k, Days: len(p)}
	seen := r.Peak * seenShare
	for r.Seen < len(p) && p[r.Seen].v >= seen {
		r.Seen++
	}
	if latest.v < seen && (weekAgo.d != seasonDays || weekAgo.v < seen) {
		return scaling.Recurring{Days: len(p)}
	}
	r.At = time.Duration(p[k-1].b-floorDiv(p[k-1].b, 24*3600)*24*3600) * time.Second
	return r
}

// Recurring is the window's recurring peaks ahead of now
// (scaling.History).
func (h *windowHistory) Recurring(ahead time.Duration) (cpu, memory scaling.Recurring) {
	return h.w.recurring(h.now, ahead)
}
