package scaling

import (
	"fmt"
	"math"
	"time"
)

// Fast relief: a container whose usage is pinned at its limit shows only
// that it wants at least the limit, not how much more. Sizing for a
// target utilisation from a pinned value adds a step or two (1 core of 2
// is 1.18 x at a 0.85 target), one cooldown apart, so a job that needs
// four times its cores waits minutes (an OOM kill, for memory). While
// pinned, the allocation grows as soon as the up cooldown allows and it
// is seen pinned under the allocation it has (no stabilisation: that is
// the evidence it waits for): the first time by the ordinary sizing,
// since demand that hovers at the limit pins it too, and by a factor
// while every sample since that increase has stayed pinned, since then
// the demand is well past it; and at once to what the most it used over
// the last week needs (earlierLevel), a level it has wanted before.
//
// Neither pressure nor the jump says how far past the limit demand is.
// PVE's cores are a cpuset: past them PSI cpu "some" reads near 100 % at
// any excess and "full" near 0 (the cores stay busy). Only CFS bandwidth
// throttling (cpu.max: PVE's cpulimit, left to the administrator) stalls
// every task together, for p = 1 - limit/demand of the time. A jump from
// u of the limit to pinned says only that demand grew >= 1/u-fold. So
// relief climbs, and trim gives back what it overshot.
const (
	// pinnedShare is the share of the limit at which usage is pinned:
	// a cgroup at its cpu.max or memory.max reads a little below it.
	pinnedShare = 0.98
	// pinnedSamples is how many newest samples, all taken after the last
	// change of the resource, must be pinned.
	pinnedSamples = 2
	// reliefCores and reliefMemory are the factors a pinned allocation
	// grows by per change, before the policy's max and the node guard.
	// Doubling reaches a need sooner but may overshoot it by up to 100 %,
	// leaving the container at half use: above any sane down threshold,
	// so the waste stays for good. x1.5 overshoots by at most 50 % and
	// takes one more change from 1 core to 8 (2, 3, 5, 8).
	reliefCores  = 1.5
	reliefMemory = 1.5
)

// relieve grows u by its relief factor when its newest pinnedSamples
// samples are pinned at the limit and all came after the last change of
// the resource, without waiting for the stabilisation (the up cooldown
// still holds it: an operator's word); ok is false when the ordinary
// rules decide.
func (dc *decider) relieve(u utilisation, newest Point) (to int64, ok bool) {
	line, psi := dc.reliefLine(u)
	if !(newest.Value >= line) || u.cur >= u.max {
		return u.cur, false
	}
	series := dc.seriesFor(u, newest, 0, 0)
	n := series.len()
	if n < pinnedSamples {
		return u.cur, false
	}
	oldest := series.time(n - pinnedSamples)
	if last, acted := dc.st.LastAction[u.res]; acted && !oldest.After(last.Time) {
		return u.cur, false
	}
	for i := n - pinnedSamples; i < n; i++ {
		if !(series.value(i) >= line) {
			return u.cur, false
		}
	}
	target := max(satAdd64(u.cur, u.step), u.sizeUp(newest.Value))
	if u.res == ResourceMemory {
		// A limit that memory reaches is an OOM kill waiting to happen:
		// never less than max(x1.2, +256 MiB), whatever the policy's step.
		target = max(target, int64(math.Ceil(float64(u.cur)*1.2)), satAdd64(u.cur, 256))
	}
	factor := 0.0
	if dc.stillPinned(u, newest) {
		factor = reliefCores
		if u.res == ResourceMemory {
			factor = reliefMemory
		}
		target = max(target, int64(min(math.Ceil(float64(u.cur)*factor), math.MaxInt32*float64(mib))))
	}
	earlier := dc.earlierLevel(u)
	if need := dc.seasonNeed(u, Recurring{Peak: earlier, Seen: 1}); need > target {
		target = need
	} else {
		earlier = 0
	}
	target = clamp(target, u.min, u.max)
	if target <= u.cur {
		return u.cur, false
	}
	if dc.coolingDown(u.res, Up) {
		return u.cur, true
	}
	w := u.sustained(AtLeast(line), newest.Value, 0)
	w.flags |= whyRelief
	w.factor, w.samples, w.earlier, w.psi = factor, pinnedSamples, earlier, psi
	dc.d.changeWhy(u.res, u.cur, target, w)
	return target, true
}

// stillPinned reports whether the last change of u's resource was an
// increase and every sample since it is pinned: it did not relieve the
// container.
func (dc *decider) stillPinned(u utilisation, newest Point) bool {
	last, acted := dc.st.LastAction[u.res]
	if !acted || last.Direction != Up || !last.Time.Before(dc.now) {
		return false
	}
	d := dc.now.Sub(last.Time)
	series := dc.seriesFor(u, newest, d, d).since(last.Time.Add(1))
	if series.len() < pinnedSamples {
		return false
	}
	lo, _ := series.extremes()
	return lo/u.per >= pinnedShare
}

// earlierDays is how far back fast relief looks for the most a pinned
// resource used before: the week the coarse tier keeps.
const earlierDays = 7

// earlierLevel is the most u's resource used over the last earlierDays
// (cores busy, memory bytes), as the history's coarse tier holds it; 0
// without a History. A resource pinned at its limit wants at least the
// limit, and, most likely, what it used the last time it was not held
// back: a nightly job's memory taken away every morning, a weekly
// report's cores. Growing to it at once spares the multiplicative climb
// (one up cooldown per step) a level seen before; a level never seen is
// still climbed to.
func (dc *decider) earlierLevel(u utilisation) float64 {
	if dc.sig.History == nil {
		return 0
	}
	cpu, memory := dc.sig.History.Highest(earlierDays * 24 * time.Hour)
	if u.res == ResourceCores {
		return cpu
	}
	return memory
}

// earlierText is the level a relief grew to: "3.40 cores in the last 7
// days".
func earlierText(res Resource, v float64) string {
	if res == ResourceCores {
		return fmt.Sprintf("%.2f cores in the last %d days", v, earlierDays)
	}
	return fmt.Sprintf("%d MiB in the last %d days", ceilMiB(uint64(v)), earlierDays)
}

// trim returns u with the down line of an increase that overshot: while
// the allocation is what the last change, an increase, made, a decrease
// needs the stabilisation period's peak within the target of one step
// fewer (target x (cur-step)/cur), not the down threshold. An increase
// sizes from usage capped at the old limit (relief climbs blind): usage
// under the new one is the first uncensored measure. Once per increase,
// after the down cooldown (no flap), through scaleDown's floors.
func (dc *decider) trim(u utilisation, newest Point) (utilisation, bool) {
	last, ok := dc.st.LastAction[u.res]
	if !ok || last.Direction != Up || last.Unknown || last.To != u.cur || u.target <= 0 || u.cur-u.step < u.min {
		return u, false
	}
	u.down, u.flags = AtMost(u.target*float64(u.cur-u.step)/float64(u.cur)*u.per), whyTrim
	return u, u.down.Passed(newest.Value)
}
