package engine

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine/codes"
	"github.com/lxc-autoscale/lxc-autoscale/controller/engine/weekly"
)

// CoarsePoint is the average and the peak of a container's cpu and memory
// over Step from Time: a point of a coarse tier, or an RRD row of the day
// or week timeframe for a backfill (the AVERAGE row, with the MAX row's
// values as peaks when read; a peak below the average, or NaN, is taken as
// the average).
type CoarsePoint struct {
	Time time.Time
	Step time.Duration
	// CPU is in cores busy, Mem in bytes.
	CPU, CPUPeak float64
	Mem, MemPeak float64
}

// The coarse tiers: a day at ten minutes and a week at an hour, the
// longest seasons the decisions look for (doc.go). Ten minutes, not five:
// 1,152 bytes less per container, and still finer than RRD's day of PVE 8
// (30 minutes) that a backfill brings.
const (
	dayStep    = weekly.DayStep
	dayPoints  = 24 * 3600 / dayStep
	weekStep   = weekly.WeekStep
	weekPoints = 7 * 24
)

// cpuScale is the unit of cpu in a tier point: 1/1024 of a core, exact up
// to two cores (codes.Float16).
const cpuScale = 1024

// tierPoint is a completed bucket: averages and peaks, cpu in 1/1024 core
// and memory in KiB, both codes.Float16; cpu == codes.Absent marks a bucket with
// no data.
type tierPoint struct{ cpu, cpuPeak, mem, memPeak uint16 }

// accumulator is the bucket being filled, weighted by the seconds each
// part covers. weight 0 is empty.
type accumulator struct {
	bucket           int64 // bucket number: start / step
	first            int64 // earliest second it holds data from
	weight           float64
	cpu, mem         float64 // sums of value x weight
	cpuPeak, memPeak float64
}

func (a *accumulator) add(sec int64, weight, cpu, cpuPeak, mem, memPeak float64) {
	if a.weight == 0 {
		a.first, a.cpuPeak, a.memPeak = sec, cpuPeak, memPeak
	}
	a.first = min(a.first, sec)
	a.weight += weight
	a.cpu += cpu * weight
	a.mem += mem * weight
	a.cpuPeak = max(a.cpuPeak, cpuPeak)
	a.memPeak = max(a.memPeak, memPeak)
}

func (a *accumulator) merge(b accumulator) {
	a.add(b.first, b.weight, b.cpu/b.weight, b.cpuPeak, b.mem/b.weight, b.memPeak)
}

func (a *accumulator) point() tierPoint {
	return tierPoint{
		cpu: codes.Float16(a.cpu / a.weight * cpuScale), cpuPeak: codes.Float16(a.cpuPeak * cpuScale),
		mem: codes.Float16(a.mem / a.weight / 1024), memPeak: codes.Float16(a.memPeak / 1024),
	}
}

// coarse is the bucket as a point, for a tier of step seconds.
func (a *accumulator) coarse(step int64) CoarsePoint {
	return CoarsePoint{
		Time: time.Unix(a.bucket*step, 0).UTC(), Step: time.Duration(step) * time.Second,
		CPU: a.cpu / a.weight, CPUPeak: a.cpuPeak, Mem: a.mem / a.weight, MemPeak: a.memPeak,
	}
}

// tier is a ring of completed buckets, indexed by bucket number, and the
// bucket being filled.
type tier struct {
	step   int64 // seconds
	points []tierPoint
	newest int64 // bucket number of the newest completed point
	acc    accumulator
}

// noBucket is the newest bucket of a tier that has none.
const noBucket = math.MinInt64 / 2

func newTier(step int64, n int) tier {
	t := tier{step: step, points: make([]tierPoint, n), newest: noBucket}
	for i := range t.points {
		t.points[i].cpu = codes.Absent
	}
	return t
}

// add folds weight seconds of data at sec into the bucket being filled;
// when sec starts a later bucket, the one filled is stored and returned
// (ok) for the next tier. Data older than the bucket being filled is
// ignored: live data only moves forward.
func (t *tier) add(sec int64, weight, cpu, cpuPeak, mem, memPeak float64) (done accumulator, ok bool) {
	b := t.acc.bucket
	if from := b * t.step; t.acc.weight == 0 || sec < from || sec >= from+t.step {
		b = floorDiv(sec, t.step) // a new bucket: most samples are not
	}
	if t.acc.weight > 0 && b != t.acc.bucket {
		if b < t.acc.bucket {
			return accumulator{}, false
		}
		done, ok = t.acc, true
		t.store(t.acc.bucket, t.acc.point())
		t.acc = accumulator{}
	}
	t.acc.bucket = b
	t.acc.add(sec, weight, cpu, cpuPeak, mem, memPeak)
	return done, ok
}

// at is the point of bucket b.
func (t *tier) at(b int64) *tierPoint {
	n := int64(len(t.points))
	return &t.points[(b%n+n)%n]
}

// store writes the completed bucket b, clearing the buckets skipped since
// the newest (no data: the container was stopped or unseen).
func (t *tier) store(b int64, p tierPoint) {
	n := int64(len(t.points))
	if b <= t.newest-n {
		return
	}
	for k := max(t.newest+1, b-n+1); k < b; k++ {
		*t.at(k) = tierPoint{cpu: codes.Absent}
	}
	t.newest = max(t.newest, b)
	*t.at(b) = p
}

// take stores a group of merged data for bucket g.bucket where the tier has
// none: a completed bucket that is empty, or the bucket being filled (merge
// passed only the part of the group before the data it holds).
func (t *tier) take(g accumulator) {
	n := int64(len(t.points))
	switch horizon := max(t.newest, t.acc.bucket-1); {
	case g.weight == 0 || g.bucket > t.acc.bucket || g.bucket <= horizon-n:
	case g.bucket == t.acc.bucket:
		if t.acc.weight == 0 {
			t.acc = g
		} else {
			t.acc.merge(g)
		}
	case g.bucket > t.newest || t.at(g.bucket).cpu == codes.Absent:
		t.store(g.bucket, g.point())
	}
}

// merge folds points (sorted by time) in: each goes into the buckets it
// covers, weighted by the seconds it covers of each; a point coarser than
// the step gives each its average and its peak (an upper bound). Into the
// bucket being filled goes only what lies before cut and before its own
// first data.
func (t *tier) merge(points []CoarsePoint, cut int64) {
	if t.acc.weight == 0 {
		last := points[len(points)-1]
		t.acc.bucket = floorDiv(last.Time.Unix()+int64(last.Step/time.Second)-1, t.step)
	} else {
		cut = min(cut, t.acc.first)
	}
	g := accumulator{bucket: noBucket}
	for _, p := range points {
		end := p.Time.Unix() + int64(p.Step/time.Second)
		for sec := p.Time.Unix(); sec < end; {
			// The part of p in bucket b.
			b := floorDiv(sec, t.step)
			to := min(end, (b+1)*t.step)
			if b == t.acc.bucket {
				to = min(to, cut)
			}
			if to > sec {
				if b != g.bucket {
					t.take(g)
					g = accumulator{bucket: b}
				}
				g.add(sec, float64(to-sec), p.CPU, p.CPUPeak, p.Mem, p.MemPeak)
			}
			sec = (b + 1) * t.step
		}
	}
	t.take(g)
}

// pointsTo appends the completed buckets that hold data, oldest first,
// then last, the bucket being filled, when it holds some.
func (t *tier) pointsTo(out []CoarsePoint, last accumulator) []CoarsePoint {
	step := time.Duration(t.step) * time.Second
	for b := t.newest - int64(len(t.points)) + 1; t.newest != noBucket && b <= t.newest; b++ {
		p := *t.at(b)
		if p.cpu == codes.Absent || b >= last.bucket && last.weight > 0 {
			continue
		}
		out = append(out, CoarsePoint{
			Time: time.Unix(b*t.step, 0).UTC(), Step: step,
			CPU: codes.FromFloat16(p.cpu) / cpuScale, CPUPeak: codes.FromFloat16(p.cpuPeak) / cpuScale,
			Mem: codes.FromFloat16(p.mem) * 1024, MemPeak: codes.FromFloat16(p.memPeak) * 1024,
		})
	}
	if last.weight > 0 {
		out = append(out, last.coarse(t.step))
	}
	return out
}

// tiers are the day and week tiers fed from the fine samples: each sample
// counts for the seconds since the one before (at most a bucket), and each
// ten-minute bucket completed feeds the hour.
type tiers struct {
	day, week  tier
	prevSec    int64 // time of the previous fine sample, 0 before the first
	defaultGap float64
	// profile keeps each completed hour's peaks beyond the week.
	profile weekly.Profile
	// gen counts the changes to the completed buckets and the profile
	// (weekly.Cache).
	gen uint64
}

func newTiers(defaultGap int64) tiers {
	return tiers{
		day: newTier(dayStep, dayPoints), week: newTier(weekStep, weekPoints),
		defaultGap: float64(min(max(defaultGap, 1), dayStep)),
	}
}

func (t *tiers) bytes() int {
	return (cap(t.day.points) + cap(t.week.points)) * tierPointBytes
}

// add feeds one fine sample at sec.
func (t *tiers) add(sec int64, cpu, mem float64) {
	gap := t.defaultGap
	if t.prevSec != 0 {
		gap = float64(min(max(sec-t.prevSec, 1), dayStep))
	}
	t.prevSec = sec
	if d, ok := t.day.add(sec, gap, cpu, cpu, mem, mem); ok {
		t.gen++
		if h, ok := t.week.add(d.bucket*dayStep, d.weight, d.cpu/d.weight, d.cpuPeak, d.mem/d.weight, d.memPeak); ok {
			t.profile.Add(h.bucket*weekStep, h.cpuPeak, h.memPeak)
		}
	}
}

// MergeCoarse folds coarse points (a backfill from RRD's day and week
// timeframes, or the samples Merge took) into the tiers where they hold no
// data yet: live data, read from the container itself at every tick, is
// never replaced. Points without cpu or memory (NaN) are skipped.
func (w *window) MergeCoarse(points []CoarsePoint) {
	ok := make([]CoarsePoint, 0, len(points))
	for _, p := range points {
		if p.CPU != p.CPU || p.Mem != p.Mem || p.Step < time.Second {
			continue
		}
		if !(p.CPUPeak >= p.CPU) {
			p.CPUPeak = p.CPU
		}
		if !(p.MemPeak >= p.Mem) {
			p.MemPeak = p.Mem
		}
		ok = append(ok, p)
	}
	if len(ok) == 0 {
		return
	}
	slices.SortStableFunc(ok, func(a, b CoarsePoint) int { return a.Time.Compare(b.Time) })
	t := &w.tiers
	t.gen++
	t.day.merge(ok, math.MaxInt64)
	// The week tier takes only what the day tier will not pass on when its
	// bucket completes.
	weekCut := int64(math.MaxInt64)
	if t.day.acc.weight > 0 {
		weekCut = t.day.acc.bucket * dayStep
	}
	t.week.merge(ok, weekCut)
	if t.week.acc.weight > 0 { // the profile: what the week will not pass on
		weekCut = min(weekCut, t.week.acc.bucket*weekStep)
	}
	t.profile.Backfill(len(ok), func(i int) (int64, int64, float64, float64) {
		return ok[i].Time.Unix(), int64(ok[i].Step / time.Second), ok[i].CPUPeak, ok[i].MemPeak
	}, weekCut)
}

// Coarse returns the points of the tier of step (ten minutes or an hour),
// oldest first, the last being the bucket being filled (for the hour, with
// the ten minutes being filled); nil for another step.
func (w *window) Coarse(step time.Duration) []CoarsePoint {
	t := &w.tiers
	switch step {
	case dayStep * time.Second:
		return t.day.pointsTo(nil, t.day.acc)
	case weekStep * time.Second:
		last, d := t.week.acc, t.day.acc
		if d.weight == 0 {
			return t.week.pointsTo(nil, last)
		}
		h := floorDiv(d.bucket*dayStep, weekStep)
		var out []CoarsePoint
		if last.weight > 0 && last.bucket != h {
			out, last = t.week.pointsTo(nil, last), accumulator{}
		}
		last.bucket = h
		last.add(d.bucket*dayStep, d.weight, d.cpu/d.weight, d.cpuPeak, d.mem/d.weight, d.memPeak)
		if out != nil {
			return append(out, last.coarse(weekStep))
		}
		return t.week.pointsTo(nil, last)
	}
	return nil
}

// coarseOf turns samples a backfill merges into points for the tiers, each
// covering the time to the next (the last as long as the one before).
func (w *window) coarseOf(samples []Sample) []CoarsePoint {
	s := slices.SortedStableFunc(slices.Values(samples), func(a, b Sample) int { return cmp.Compare(a.Time.Unix(), b.Time.Unix()) })
	out := make([]CoarsePoint, 0, len(s))
	step := time.Duration(w.tiers.defaultGap) * time.Second
	for i, x := range s {
		if i+1 < len(s) {
			step = s[i+1].Time.Sub(x.Time)
		}
		out = append(out, CoarsePoint{Time: x.Time, Step: step, CPU: x.CPU, CPUPeak: x.CPU, Mem: float64(x.Mem), MemPeak: float64(x.Mem)})
	}
	return out
}
