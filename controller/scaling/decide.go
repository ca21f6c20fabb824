package scaling

import (
	"fmt"
	"math"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/sat"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/trend"
)

// Decide concludes what to do with one container at now, from its
// signals, the rules of its policy (named policy, "" for the default
// rules) and what the controller remembers of it. It is pure: no clock, no
// I/O, the same inputs give the same Decision.
//
// Every resource whose rules are enabled is looked at; a disabled resource
// gets neither a Change nor a Hold, so that turning a resource off does not
// fill the skip metrics. A resource that a threshold asks to change and
// that is not changed gets a Hold with its reason; one that no threshold
// asks about gets nothing. A stopped container gets a SkipNotRunning Hold
// per enabled resource and no change.
//
// Cores and memory follow the utilisation (thresholds inclusive: >= Up,
// <= Down). The newest point says which way the container leans; the
// change happens once every point of the last StabilizationUp (Down) is
// past the threshold and the series reaches back that far (see
// run.sustained), or for an increase once the points of the last
// crowdedPeriod (StabilizationUp when longer) average past it
// (crowded.go), else the Hold is SkipStabilizing. The target is the
// current value plus or minus Step, clamped to [Min, Max]; with a Target
// utilisation it moves by as many Steps as it takes for the period's peak
// to use about Target of the new value (an increase: at least that much; a
// decrease: no further), so that a container far off its size gets there
// in one change instead of one Step per cooldown.
//
// An allocation outside [Min, Max] (set before the policy, by hand, or on a
// node with fewer threads than Max) is brought to the bound in one change,
// whatever the utilisation, after the cooldown of that direction: below Min
// up to Min; above Max down to Max, unless its floor is above Max (then it
// holds, saying so). No change ever lands outside [Min, Max].
//
// Memory never goes down below max(MemoryPeak, the series' peak) + Margin
// (rounded up to a MiB), nor to where that peak would reach the up
// threshold; a decrease stops at that floor, and none happens when the
// floor is not below the current limit (SkipMemoryFloor). Cores
// likewise never go down to where CPUPeak, the most the window's hour
// used, would reach the up threshold (SkipCPUFloor): a burst or a batch
// job that comes back within the hour finds its cores, and a decrease is
// not undone by the next one. Memory steps and bounds are bytes, rounded
// to whole MiB: steps and minimums up, maximums down, so that a change
// never passes a bound.
//
// The rules beyond the thresholds each have their file (see the package
// doc), which says why.
//
// Swap, when enabled, is Ratio x the memory this decision leaves the
// container with, clamped to [Min, Max] and rounded to a MiB; it changes
// whenever it differs from the allocation, in its own direction (which is
// the memory's whenever swap was already following memory).
//
// The disk grows from Alloc.DiskBytes as soon as DiskUsed / DiskSize (df
// while running) is >= Threshold, without stabilisation, as
// controller/scaling/diskgrow sizes it, never past Max; it never shrinks.
//
// Cooldowns apply to every resource: no increase while the last action on
// the resource is less than CooldownUp old, no decrease while it is less
// than CooldownDown old (SkipCooldown); at exactly the cooldown the change
// is allowed.
//
// Cores never go above CoresMax (the node's threads, ceil(cpulimit)) even
// when the policy's Max is higher, and a decrease from above it lands at or
// below it. Cores that the administrator chose to leave unset or to cap
// with cpulimit (CoresUnmanaged), or with no allocation (Alloc.Cores 0),
// are left alone (SkipUnmanaged). A series with no point at or before now,
// or an allocation of 0, is SkipNoData.
func Decide(sig Signals, policy string, r Rules, st ContainerState, now time.Time) Decision {
	d := Decision{
		VMID:   sig.VMID,
		Node:   sig.Node,
		Policy: policy,
		Mode:   r.Mode,
		Score:  sig.Score,
	}
	if sig.slab != nil {
		d.Changes, d.Holds = sig.slab.changes.Take(len(Resources)), sig.slab.holds.Take(len(Resources))
	}
	if !sig.Running {
		for _, res := range Resources {
			if r.enabled(res) {
				d.hold(res, SkipNotRunning, "the container is not running")
			}
		}
		return d
	}
	dc := decider{sig: sig, r: r, st: st, now: now, d: d}
	if r.CPU.Enabled {
		dc.cores()
	}
	memoryMiB := int64(sig.Alloc.MemoryMiB)
	if r.Memory.Enabled {
		memoryMiB = dc.memory()
	}
	if r.Swap.Enabled {
		dc.swap(memoryMiB)
	}
	if r.Disk.Enabled {
		dc.disk()
	}
	return dc.d
}

func (d *Decision) change(res Resource, from, to int64, reason string) {
	d.changeWhy(res, from, to, why{})
	d.Changes[len(d.Changes)-1].Text = reason
}

// decider holds the inputs of one Decide call.
type decider struct {
	sig       Signals
	r         Rules
	st        ContainerState
	now       time.Time
	d         Decision // what Decide returns
	peaksRead bool     // sig's peaks are complete
	// The recurring peaks (season.go), read once per Decide: within
	// seasonAhead for a decrease's floor, within seasonLead for a growth
	// ahead of a peak, within seasonClimb for its size.
	floorSeason, leadSeason, climbSeason seasonRead
}

// utilisation describes one resource that follows a utilisation series:
// cores or memory.
type utilisation struct {
	res   Resource
	label string // how reasons name the utilisation: "cpu", "memory"
	unit  string // how reasons name the resource's unit: "cores", "MiB"
	// series and the thresholds are in the same unit; per divides a series
	// value into the utilisation that reasons quote.
	series   Series
	up, down Threshold
	per      float64
	// cur, step and the bounds are in the resource's unit.
	cur, step, min, max int64
	// target is the utilisation a change sizes for (0: one step).
	target float64
	// floor is the lowest value a decrease may reach, 0 for none: for
	// memory the peak plus the margin, rounded up, or more to keep the
	// peak below the up threshold (peak and margin are its parts), for
	// cores the fewest under which the window's peak (cpuPeak) stays below
	// the up threshold. Set by decider.withFloor, on the way
	// to a decrease only.
	floor, peak, margin int64
	cpuPeak             float64
	// season is the recurring peak that raised the floor (withSeason);
	// Seen 0 when it did not.
	season Recurring
	rec    RecFloor // the usage history's that raised it (recommend.go)
	flags  whyFlags // whyRightSize: down is rightSize's line
	keep   RecFloor // weekMost's floor: the last week's most
}

// floorReason is the Hold reason of a decrease the floor forbids.
func (u utilisation) floorReason() SkipReason {
	if u.res == ResourceCores {
		return SkipCPUFloor
	}
	return SkipMemoryFloor
}

func (dc *decider) cores() {
	cur := int64(dc.sig.Alloc.Cores)
	if dc.sig.CoresUnmanaged != "" {
		dc.d.hold(ResourceCores, SkipUnmanaged, dc.sig.CoresUnmanaged)
		return
	}
	if cur <= 0 {
		dc.d.hold(ResourceCores, SkipUnmanaged, "cores are not set: the container may use every core of its node")
		return
	}
	c := dc.r.CPU
	most := int64(c.Max)
	if m := int64(dc.sig.CoresMax); m > 0 && m < most {
		most = m
	}
	dc.scale(utilisation{
		res: ResourceCores, label: "cpu", unit: "cores",
		series: dc.sig.CPU, up: AtLeast(c.Up), down: AtMost(c.Down), per: 1,
		cur: cur, step: int64(c.Step), min: min(int64(c.Min), most), max: most, target: c.Target,
	})
}

// memory decides the memory limit and returns the limit the container is
// left with, in MiB.
func (dc *decider) memory() int64 {
	cur := int64(dc.sig.Alloc.MemoryMiB)
	if cur <= 0 {
		dc.d.hold(ResourceMemory, SkipNoData, "the memory limit is unknown")
		return cur
	}
	m := dc.r.Memory
	limit := float64(cur) * mib
	// The thresholds are turned into bytes of the current limit rather than
	// the series into ratios, so that no series is copied.
	return dc.scale(utilisation{
		res: ResourceMemory, label: "memory", unit: "MiB",
		series: dc.sig.Memory, up: AtLeast(m.Up * limit), down: AtMost(m.Down * limit), per: limit,
		cur: cur, step: sat.CeilMiB(m.Step), min: sat.CeilMiB(m.Min), max: sat.FloorMiB(m.Max), target: m.Target,
	})
}

// withFloor sets u's floor, from the window's peaks (read now, with a
// History): for cores the fewest under which the window's peak stays below
// the up threshold, for memory max(MemoryPeak, the series' peak) + Margin.
func (dc *decider) withFloor(u utilisation) utilisation {
	if !dc.peaksRead && dc.sig.History != nil {
		dc.sig.MemoryPeak, dc.sig.CPUPeak = dc.sig.History.Peaks()
		dc.peaksRead = true
	}
	if u.res == ResourceCores {
		u.cpuPeak, u.floor = dc.sig.CPUPeak, dc.r.Need(u.res, dc.sig.CPUPeak)
		return u
	}
	peak := dc.sig.MemoryPeak
	if p := dc.sig.Memory.Until(dc.now).Max(); p > float64(peak) { // NaN compares false
		peak = uint64(p)
	}
	u.floor, u.peak, u.margin = dc.r.Need(u.res, float64(peak)), sat.CeilMiB(peak), sat.CeilMiB(dc.r.Memory.Margin)
	return u
}

// Need is the fewest cores (MiB) under which v cores busy (bytes) stays
// below the up threshold (0 without either), memory by the margin too: a
// floor the next return of v would pass is a decrease undone by it (a
// JVM's heap shrunk after each collection, regrown before the next).
func (r Rules) Need(res Resource, v float64) int64 {
	if res != ResourceCores {
		b := min(v, math.MaxUint64/2)
		f := sat.CeilMiB(sat.Add(uint64(b), r.Memory.Margin))
		if up := r.Memory.Up; b > 0 && up > 0 {
			f = max(f, int64(min(math.Floor(b/up/mib)+1, math.MaxInt64>>20)))
		}
		return f
	}
	if up := r.CPU.Up; v > 0 && up > 0 { // NaN compares false
		return int64(min(math.Floor(v/up)+1, math.MaxInt32))
	}
	return 0
}

// seriesFor is u's series at or before now, as run.sustained, streak
// and Window need it for periods from shortest to longest (newest is its
// newest point): read now with a History. When newest is older than a
// period, all of it: Streak then looks past the period.
func (dc *decider) seriesFor(u utilisation, newest Point, shortest, longest time.Duration) run[Points] {
	h := dc.sig.History
	if h == nil {
		return runOf[Points](u.series).until(dc.now)
	}
	d := longest
	if newest.Time.Before(dc.now.Add(-shortest)) {
		d = math.MaxInt64 // 292 years: every point
	}
	if u.res == ResourceCores {
		return runOf(h.CPU(d)).until(dc.now)
	}
	return runOf(h.Memory(d)).until(dc.now)
}

// scale decides one utilisation-driven resource and returns the value it
// is left with. The newest point says which way it leans; the rest of the
// series and the peaks are read only on the way to a change.
func (dc *decider) scale(u utilisation) int64 {
	last, ok := u.series.Until(dc.now).Last()
	if !ok {
		dc.d.hold(u.res, SkipNoData, "no "+u.label+" sample yet")
		return u.cur
	}
	switch {
	case u.cur > u.max:
		return dc.bringDown(dc.withFloor(u))
	case u.cur < u.min:
		return dc.bringUp(u)
	}
	if dc.runaway(u, last) {
		return u.cur
	}
	if to, ok := dc.relieve(u, last); ok {
		return to
	}
	if u.up.Passed(last.Value) {
		return dc.scaleUp(u, last)
	}
	if to, ok := dc.growAhead(u); ok {
		return to
	}
	if u.down.Passed(last.Value) {
		return dc.scaleDown(u, last)
	}
	if t, ok := dc.rightSize(u, last); ok {
		return dc.scaleDown(t, last)
	}
	return u.cur
}

func (dc *decider) scaleUp(u utilisation, newest Point) int64 {
	last := newest.Value
	target := sat.Clamp(sat.Add64(u.cur, u.step), u.min, u.max)
	if target <= u.cur {
		n := u.quotedNote(noteAtLimit, last, u.up)
		n.n[nLimit] = u.max
		dc.d.holdNote(u.res, SkipAtLimit, n)
		return u.cur
	}
	wait := dc.r.StabilizationUp
	series := dc.seriesFor(u, newest, wait, wait)
	// lo and hi are the extremes of the period judged (lo its mean when
	// crowded).
	ok, lo, hi := series.sustained(dc.now, wait, u.up)
	var mean whyFlags
	if !ok {
		var period time.Duration
		if ok, period, lo, hi = dc.crowded(u, newest, wait); !ok {
			dc.d.holdNote(u.res, SkipStabilizing, dc.stabilising(u, u.up, series, last, wait))
			return u.cur
		}
		wait, mean = period, whyMean
	}
	reason := u.sustained(u.up, lo, wait)
	reason.flags |= mean
	if dc.coolingDown(u.res, Up) {
		return u.cur
	}
	if target > sat.Add64(u.cur, u.step) {
		reason.flags |= whyRaised
		reason.min = u.min
	}
	if sized := sat.Clamp(u.sizeUp(hi), u.min, u.max); sized > target {
		target = sized
		reason.flags |= whySized
		reason.target = u.target
	}
	dc.d.changeWhy(u.res, u.cur, target, reason)
	return target
}

// freesLittle says whether a decrease to v frees less than a step and a
// fifth of cur (weekMost's: a twentieth): less than the policy's unit of
// change, not worth a write and the cooldown it starts; the next decrease
// takes it with the rest.
func (u utilisation) freesLittle(v int64) bool { return (u.cur-v)*u.part() < u.cur && u.cur-v < u.step }

func (dc *decider) scaleDown(u utilisation, newest Point) int64 {
	last := newest.Value
	target := sat.Clamp(u.cur-u.step, u.min, u.max)
	if target >= u.cur {
		n := u.quotedNote(noteAtLimit, last, u.down)
		n.n[nLimit] = u.min
		dc.d.holdNote(u.res, SkipAtLimit, n)
		return u.cur
	}
	if dc.pressureHolds(u, last) {
		return u.cur
	}
	u = dc.withJobs(dc.withRecommendation(dc.withSeason(dc.withFloor(u)))).withWeekMost()
	if u.floor > 0 && u.floor >= u.cur {
		dc.d.holdNote(u.res, u.floorReason(), u.addFloor(u.quotedNote(noteFloor, last, u.down)))
		return u.cur
	}
	wait := dc.r.StabilizationDown
	series := dc.seriesFor(u, newest, wait, wait)
	ok, _, hi := series.sustained(dc.now, wait, u.down)
	quiet, peak := hi, hi // what the reason quotes and the trend carries on; the period's peak
	if d, q := dc.reliefUnused(u, series); d > 0 {
		ok, quiet, hi, wait = true, q, q, d // the step before the relief is no trend
	}
	if !ok {
		if ok, quiet = dc.troughSettled(u, series); ok {
			wait = troughSettle
		}
	}
	if !ok {
		dc.d.holdNote(u.res, SkipStabilizing, dc.stabilising(u, u.down, series, last, wait))
		return u.cur
	}
	if dc.coolingDown(u.res, Down) {
		return u.cur
	}
	reason := u.sustained(u.down, quiet, wait) // the weakest of AtMost
	reason.flags |= u.flags
	u, sizeHi, trough := dc.withTrough(u, series, hi)
	if wait == dc.r.StabilizationDown {
		if f, h, ok := dc.falling(u, series, peak); ok && h < sizeHi {
			u, sizeHi, reason.flags = f, h, reason.flags|whyFalling
		}
	}
	reason.trough = trough
	if sized := sat.Clamp(u.sizeDown(sizeHi), u.min, u.max); sized < target {
		target = sized
		reason.flags |= whySized
		reason.target = u.target
	}
	if u.floor > 0 && target < u.floor {
		target = u.floor
		reason.flags |= whyStopped
		reason.floor, reason.peak, reason.margin, reason.cpuPeak, reason.up = u.floor, u.peak, u.margin, u.cpuPeak, u.up.Bound
		reason.season = seasonWhyOf(u.season)
		reason.rec = u.rec
	}
	if most, ok := dc.tight(u, target, sizeHi); ok {
		n := u.quotedNote(noteTight, last, u.down)
		n.n[nFloor], n.v[vPeak], n.v[vUp] = target, most, u.up.Bound
		dc.d.holdNote(u.res, u.floorReason(), n)
		return u.cur
	}
	if u.freesLittle(target) {
		n := u.quotedNote(noteFreesLittle, last, u.down)
		n.n[nFloor] = target
		dc.d.holdNote(u.res, u.floorReason(), n)
		return u.cur
	}
	if f, perHour := dc.trendFloor(u, series, wait, quiet); f > target {
		if f >= u.cur || u.freesLittle(f) {
			n := u.quotedNote(noteTrend, last, u.down)
			n.v[vPeak], n.v[vUp], n.n[nFloor], n.n[nWait] = perHour, u.up.Bound/u.per, f, int64(dc.r.CooldownDown)
			dc.d.holdNote(u.res, u.floorReason(), n)
			return u.cur
		}
		text := trend.Text(u.unit, perHour, u.up.Bound/u.per, f, dc.r.CooldownDown)
		dc.d.change(u.res, u.cur, f, fmt.Sprintf("%s (stopped at %d %s: %s)", reason.format(u.res), f, u.unit, text))
		return f
	}
	dc.d.changeWhy(u.res, u.cur, target, reason)
	return target
}
