package scaling

import (
	"fmt"
	"math"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/diskgrow"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/sat"
)

// bringDown moves an allocation above the policy's max (set before the
// policy, or a node with fewer threads) to the max in one change, whatever
// the utilisation: the max is the operator's word. It waits for the down
// cooldown, and holds, saying why, when the floor (the window's peak) is
// above the max: a write that lands between the two would still break the
// bound, and one below the floor would starve the container.
func (dc *decider) bringDown(u utilisation) int64 {
	if u.floor > u.max {
		n := note{kind: noteAboveMaxFloor}
		n.n[nCur], n.n[nLimit] = u.cur, u.max
		dc.d.holdNote(u.res, u.floorReason(), u.addFloor(n))
		return u.cur
	}
	if dc.coolingDown(u.res, Down) {
		return u.cur
	}
	dc.d.change(u.res, u.cur, u.max, fmt.Sprintf("%d %s is above the max %d", u.cur, u.unit, u.max))
	return u.max
}

// bringUp moves an allocation below the policy's min to the min in one
// change, whatever the utilisation, after the up cooldown.
func (dc *decider) bringUp(u utilisation) int64 {
	if dc.coolingDown(u.res, Up) {
		return u.cur
	}
	dc.d.change(u.res, u.cur, u.min, fmt.Sprintf("%d %s is below the min %d", u.cur, u.unit, u.min))
	return u.min
}

// sizeUp is the value an increase sizes for: the current value plus as
// many steps as it takes for peak (a series value) to use at most target
// of it; cur+step without a target.
func (u utilisation) sizeUp(peak float64) int64 {
	steps := int64(1)
	if need := u.need(peak); u.target > 0 && need > float64(u.cur+u.step) {
		// Capped so that an absurd need (a tiny target) cannot overflow;
		// the caller clamps to max anyway.
		steps = int64(min(math.Ceil((need-float64(u.cur))/float64(u.step)), math.MaxInt32))
	}
	return sat.Add64(u.cur, sat.Mul64(steps, u.step))
}

// sizeDown is the value a decrease sizes for: cur-step without a target,
// else cur minus as many steps as keep peak (a series value) within target
// of it, at least one, or for memory the step grid's first level that does
// when lower (grown off the grid, to a peak's need, it would stay off).
func (u utilisation) sizeDown(peak float64) int64 {
	if need := u.need(peak); u.target > 0 && need < float64(u.cur-u.step) {
		to := u.cur - sat.Mul64(max(1, int64((float64(u.cur)-need)/float64(u.step))), u.step)
		if u.res == ResourceMemory {
			to = min(to, sat.Mul64(int64(math.Ceil(need/float64(u.step))), u.step))
		}
		return to
	}
	return u.cur - u.step
}

// rightSize returns u with the down line of a sized decrease: one step
// fewer holds the stabilisation period's peak within the target (target
// x (cur-step)/cur of the allocation), and the most of the window and of
// the last day too, which come back (a bigger burst, a daily job).
// Waiting for the down threshold instead keeps for good what sizing
// would not pick: a relief's overshoot (it climbs blind), an initial
// allocation too big for a batch job, a busy 8th core at 5.2 used.
func (dc *decider) rightSize(u utilisation, newest Point) (utilisation, bool) {
	if u.target <= 0 {
		return u, false
	}
	if t, ok := dc.weekMost(u, newest); ok {
		return t, true
	}
	if u.cur-u.step < u.min {
		return u, false
	}
	up := u.target // the line of brief peaks (briefPeaks): cores' up threshold
	if u.res == ResourceCores && u.up.Bound > up {
		up = u.up.Bound
	}
	line := func(s float64) Threshold { return AtMost(s * float64(u.cur-u.step) / float64(u.cur) * u.per) }
	if u.flags = whyRightSize; !line(up).Passed(newest.Value) {
		return u, false
	}
	w, hc, hm := dc.withFloor(u), 0.0, 0.0 // withFloor reads the window's peaks
	if h := dc.sig.History; h != nil {
		hc, hm = h.Highest(24 * time.Hour)
	}
	peak, fewer := max(w.cpuPeak, hc), float64(u.cur-u.step)
	if u.res == ResourceMemory {
		peak = max(float64(w.peak)*mib, hm) / mib
	} else if up > u.target && !(peak > up*fewer) && dc.briefPeaks(u, newest) { // the scan last
		u.down, u.target, u.flags = line(up), up, whyRightSize|whyBrief
		return u, true
	}
	u.down = line(u.target)
	return u, u.down.Passed(newest.Value) && !(peak > u.target*fewer)
}

// tight reports whether a decrease of cores to v lands past the target
// for the period's peak hi where the last day's most (returned) would pass
// the up threshold: a return to it pins the cores, which grow back (a JVM,
// 2 -> 1 -> 3 in 25 minutes). rightSize holds the day's most already.
func (dc *decider) tight(u utilisation, v int64, hi float64) (float64, bool) {
	if u.res != ResourceCores || u.target <= 0 || dc.sig.History == nil || !(u.need(hi) > float64(v)) {
		return 0, false
	}
	most, _ := dc.sig.History.Highest(24 * time.Hour)
	return most, most >= u.up.Bound*float64(v)
}

// briefPeaks reports whether no excursion of the stabilisation period's
// cores past the target of one step fewer lasted over briefPeak: such
// peaks need only stay below the up threshold (nothing regrows them); a
// few minutes of queueing cost less than a core held all day. The target's
// headroom is for a sustained load (a batch job of ten minutes keeps it).
const briefPeak = 5 * time.Minute

func (dc *decider) briefPeaks(u utilisation, newest Point) bool {
	d := dc.r.StabilizationDown
	r := dc.seriesFor(u, newest, d, d).window(dc.now, d)
	line, start := u.target*float64(u.cur-u.step)/float64(u.cur), -1
	for i := 0; i < r.len(); i++ {
		switch above := r.value(i) > line; {
		case above && start < 0:
			start = i
		case !above && start >= 0:
			if r.time(i).Sub(r.time(start)) > briefPeak {
				return false
			}
			start = -1
		}
	}
	return start < 0 || dc.now.Sub(r.time(start)) <= briefPeak
}

// need is how much of the resource uses target of it at the series value
// v. NaN (no data) needs nothing beyond one step either way.
func (u utilisation) need(v float64) float64 {
	n := v / u.per * float64(u.cur) / u.target
	if math.IsNaN(n) || u.target <= 0 {
		return float64(u.cur)
	}
	return n
}

// stabilising is the note "cpu 0.91 >= 0.75 for 20s of 1m0s".
func (dc *decider) stabilising(u utilisation, t Threshold, series run[Points], last float64, d time.Duration) note {
	n := u.quotedNote(noteStabilising, last, t)
	n.n[nStreak], n.n[nWait] = int64(series.streak(dc.now, t).Round(time.Second)), int64(d)
	return n
}

// coolingDown reports whether res is in its cooldown for dir, adding the
// Hold when it is.
func (dc *decider) coolingDown(res Resource, dir Direction) bool {
	last, ok := dc.st.LastAction[res]
	if !ok {
		return false
	}
	wait := dc.r.CooldownUp
	if dir == Down {
		wait = downCooldown(res, dc.r.CooldownDown, last)
	}
	if !last.Time.Add(wait).After(dc.now) {
		return false
	}
	n := note{kind: noteCooldown, below: dir == Down}
	n.n[nStreak], n.n[nWait] = int64(dc.now.Sub(last.Time).Round(time.Second)), int64(wait)
	if wait != dc.r.CooldownDown && dir == Down {
		n.n[nUndone] = int64(last.Undone)
	}
	dc.d.holdNote(res, SkipCooldown, n)
	return true
}

// swap makes swap follow memoryMiB, the memory limit this decision leaves.
func (dc *decider) swap(memoryMiB int64) {
	if memoryMiB <= 0 {
		dc.d.hold(ResourceSwap, SkipNoData, "the memory limit is unknown")
		return
	}
	s := dc.r.Swap
	want := int64(math.Round(s.Ratio * float64(memoryMiB)))
	target := sat.Clamp(want, sat.CeilMiB(s.Min), sat.FloorMiB(s.Max))
	cur := int64(dc.sig.Alloc.SwapMiB)
	if target == cur {
		return
	}
	dir := Up
	if target < cur {
		dir = Down
	}
	if dc.coolingDown(ResourceSwap, dir) {
		return
	}
	reason := fmt.Sprintf("swap follows memory: %.2f x %d MiB", s.Ratio, memoryMiB)
	if target != want {
		reason += fmt.Sprintf(" within [%d, %d] MiB", sat.CeilMiB(s.Min), sat.FloorMiB(s.Max))
	}
	dc.d.change(ResourceSwap, cur, target, reason)
}

// disk grows the root filesystem when it is filling up, by a day of its
// fill rate (diskgrowth.go).
func (dc *decider) disk() {
	if dc.sig.DiskUnmanaged != "" {
		dc.d.hold(ResourceDisk, SkipUnmanaged, dc.sig.DiskUnmanaged)
		return
	}
	size := dc.sig.Alloc.DiskBytes
	fs := dc.sig.DiskSize
	if fs == 0 {
		fs = size
	}
	if size == 0 || fs == 0 {
		dc.d.hold(ResourceDisk, SkipNoData, "the root filesystem size is unknown")
		return
	}
	k := dc.r.Disk
	used := float64(dc.sig.DiskUsed) / float64(fs)
	t := AtLeast(k.Threshold)
	if !t.Passed(used) {
		return
	}
	if size >= k.Max || k.Step == 0 {
		n := note{kind: noteDiskAtMax}
		n.v[vValue], n.v[vBound] = used, t.Bound
		n.n[nCur], n.n[nLimit] = int64(size), int64(k.Max) // bits kept: format reads them back as uint64
		dc.d.holdNote(ResourceDisk, SkipAtLimit, n)
		return
	}
	if dc.coolingDown(ResourceDisk, Up) {
		return
	}
	rate := dc.diskFill()
	target, sized := diskgrow.Target(size, fs, dc.sig.DiskUsed, rate, k.Threshold, k.Step, k.Max)
	dc.d.change(ResourceDisk, sat.Int64(size), sat.Int64(target), diskgrow.Text(fmt.Sprintf("disk %.2f %s", used, t), rate, sized))
}
