package weekly

import (
	"math"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine/codes"
)

// Slots is the hours of a week; slot 0 is Sunday 00:00-01:00 UTC, as
// time.Weekday numbers the days.
const Slots = 7 * 24

const (
	// reachShare is how much of a slot's peak an hour must reach to see
	// it again: a week's noise does not make a season come and go.
	reachShare = seenShare
	// maxWeeks is how many weeks a slot counts before older weeks weigh
	// less: a schedule that changed is learnt within weeks, not months.
	maxWeeks = 8
	// cpuScale is the unit of cores in a slot: 1/1024, as the tiers.
	cpuScale = 1024
	// Below these, two peaks are the same level: an idle hour's noise is
	// neither a new peak nor a missed one.
	cpuSlack = 0.05         // cores
	memSlack = 32 * 1 << 20 // bytes
)

// slot is one hour of the week: its recurring peak (codes.Float16, cores
// in 1/1024, memory in KiB), the weeks that reached it and the weeks
// observed since it was set. 6 bytes.
type slot struct {
	cpu, mem    uint16
	seen, weeks uint8
}

// Profile is the weekday x hour profile. The zero Profile is empty.
type Profile struct {
	slots [Slots]slot
	// first and last are the hours (Unix time / 3600) folded in, so that
	// no hour counts twice: the engine's completed hours move last on,
	// a backfill's reach back before first. Both 0 while empty.
	first, last int32
}

// Hour is what one hour of the week holds: its recurring peak of cores
// busy and memory bytes, reached on Seen of the Weeks observed.
type Hour struct {
	CPU, Memory float64
	Seen, Weeks int
}

// Slot returns hour i of the week (0 to Slots-1; see Slots).
func (p *Profile) Slot(i int) Hour {
	s := p.slots[i]
	return Hour{CPU: codes.FromFloat16(s.cpu) / cpuScale, Memory: codes.FromFloat16(s.mem) * 1024, Seen: int(s.seen), Weeks: int(s.weeks)}
}

// SlotOf is the slot of the hour that starts at unix second sec.
func SlotOf(sec int64) int {
	h := floorDiv(sec, 3600)
	day := floorDiv(h, 24)
	// 1970-01-01 was a Thursday (time.Weekday 4).
	return int(((day+4)%7+7)%7*24 + (h%24+24)%24)
}

// Empty says whether no hour was folded in yet.
func (p *Profile) Empty() bool { return p.first == 0 && p.last == 0 }

// Add folds in the peaks of the completed hour that starts at unix second
// sec, when it is after every hour folded in (live hours only move on).
func (p *Profile) Add(sec int64, cpu, mem float64) {
	h := int32(min(max(floorDiv(sec, 3600), 1), math.MaxInt32))
	if !p.Empty() && h <= p.last {
		return
	}
	if p.Empty() {
		p.first = h
	}
	p.last = h
	p.fold(SlotOf(sec), cpu, mem)
}

// Backfill folds in n points of a backfill, oldest first: point i covers
// step seconds from unix second from with peaks cpu and mem (at returns
// it). Only what lies before before and before the first hour folded in
// counts: live hours are never counted twice. Each hour takes the largest
// peak of the points that touch it; a point of more than three hours
// (PVE 8's month rows, twelve hours) says nothing of the hour of the day
// and is left out, one of up to three (PVE 8's week) gives its peak to
// each hour it covers, an upper bound as in the engine's week tier.
func (p *Profile) Backfill(n int, at func(i int) (from, step int64, cpu, mem float64), before int64) {
	end := floorDiv(before, 3600) // hours from end on are not folded
	if !p.Empty() {
		end = min(end, int64(p.first))
	}
	cur, cpu, mem := int64(0), 0.0, 0.0 // the hour being gathered; 0: none
	flush := func() {
		if cur < 1 {
			return
		}
		p.fold(SlotOf(cur*3600), cpu, mem)
		if p.Empty() || int32(cur) < p.first {
			p.first = int32(cur)
		}
		p.last = max(p.last, int32(cur))
	}
	for i := range n {
		from, step, c, m := at(i)
		if step <= 0 || step > 3*3600 || c != c || m != m {
			continue
		}
		for h := max(floorDiv(from, 3600), cur); h*3600 < from+step && h < end; h++ {
			if h == cur {
				cpu, mem = max(cpu, c), max(mem, m)
				continue
			}
			flush()
			cur, cpu, mem = h, c, m
		}
	}
	flush()
}

// fold counts one week's peaks of slot i. A peak that reaches the slot's
// (reachShare of it) is another week seen; one well above it starts the
// slot again at the new level, seen once, since the weeks before did not
// reach it; one below it is a week not seen, and when most weeks were not
// (a schedule that stopped), the slot starts again at the new level too.
// Past maxWeeks the counts shrink by an eighth, so that old weeks fade.
func (p *Profile) fold(i int, cpu, mem float64) {
	s := &p.slots[i]
	c, m := codes.Float16(cpu*cpuScale), codes.Float16(mem/1024)
	if s.weeks == 0 {
		*s = slot{cpu: c, mem: m, seen: 1, weeks: 1}
		return
	}
	pc, pm := codes.FromFloat16(s.cpu)/cpuScale, codes.FromFloat16(s.mem)*1024
	if cpu > pc/reachShare+cpuSlack || mem > pm/reachShare+memSlack {
		*s = slot{cpu: c, mem: m, seen: 1, weeks: 1}
		return
	}
	if s.weeks >= maxWeeks {
		s.seen, s.weeks = uint8((int(s.seen)*7+4)/8), s.weeks-1
	}
	s.weeks++
	if cpu >= pc*reachShare-cpuSlack && mem >= pm*reachShare-memSlack {
		s.seen++
		s.cpu, s.mem = max(s.cpu, c), max(s.mem, m) // Float16 codes order as their values
		return
	}
	if 2*int(s.seen) < int(s.weeks) {
		*s = slot{cpu: c, mem: m, seen: 1, weeks: 1}
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
