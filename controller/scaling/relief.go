package scaling

import (
	"cmp"
	"fmt"
	"math"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/relief"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/sat"
)

// Fast relief grows cores or memory pinned at the limit without the
// stabilisation; controller/scaling/relief says how much its evidence is
// worth (why, there).
const (
	pinnedShare, pinnedSamples = relief.PinnedShare, relief.PinnedSamples
	reliefSettle               = relief.Settle
)

// relieve grows u when its newest pinnedSamples samples, or one after a
// corroborated jump, all after its last change, are pinned (after the up
// cooldown), or it is stillPinned (at once): by the sizing (for the jump
// times the newest), and at once to what the most it used over the last
// week needs; ok is false when the ordinary rules decide.
func (dc *decider) relieve(u utilisation, newest Point) (to int64, ok bool) {
	line, psi := dc.reliefLine(u)
	if !(newest.Value >= line) || u.cur >= u.max {
		return u.cur, false
	}
	k := dc.stillPinned(u, newest)
	series := dc.seriesFor(u, newest, 0, 0)
	run, jump := dc.jumped(u, series, line)
	if !(newest.Value >= pinnedShare*u.per) {
		jump = 0 // thrash below the limit is not censored: nothing to guess past
	}
	if k == 0 && run < pinnedSamples && jump == 0 {
		return u.cur, false
	}
	target := max(sat.Add64(u.cur, u.step), u.sizeUp(newest.Value*max(jump, 1)))
	if u.res == ResourceMemory {
		// A limit that memory reaches is an OOM kill waiting to happen:
		// never less than max(x1.2, +256 MiB), whatever the policy's step.
		target = max(target, int64(math.Ceil(float64(u.cur)*1.2)), sat.Add64(u.cur, 256))
	}
	factor := 0.0
	if k > 0 {
		factor = relief.FactorCores
		if u.res == ResourceMemory {
			factor = relief.FactorMemory
		}
		target = max(target, int64(min(math.Ceil(float64(u.cur)*factor), math.MaxInt32*float64(mib))))
	}
	earlier := dc.earlierLevel(u)
	if need := dc.seasonNeed(u, Recurring{Peak: earlier, Seen: 1}); need > target {
		target = need
	} else {
		earlier = 0
	}
	target = sat.Clamp(target, u.min, u.max)
	if target <= u.cur {
		return u.cur, false
	}
	if k == 0 && dc.coolingDown(u.res, Up) {
		return u.cur, true
	}
	w := u.sustained(AtLeast(line), newest.Value, 0)
	w.flags |= whyRelief
	w.factor, w.samples, w.earlier, w.psi = factor, cmp.Or(k, pinnedSamples), earlier, psi
	if jump > 0 {
		w.flags, w.factor, w.samples = w.flags|whyJump, jump, run
	}
	dc.d.changeWhy(u.res, u.cur, target, w)
	return target, true
}

// stillPinned is how many samples from reliefSettle after the last
// change of u's resource, an increase, on are all pinned: it did not
// relieve the container (0: none, or one is not).
func (dc *decider) stillPinned(u utilisation, newest Point) int {
	last, acted := dc.st.LastAction[u.res]
	if !acted || last.Direction != Up || !last.Time.Before(dc.now) {
		return 0
	}
	d := dc.now.Sub(last.Time)
	series := dc.seriesFor(u, newest, d, d).since(last.Time.Add(reliefSettle))
	if lo, _ := series.extremes(); series.len() < 1 || lo/u.per < pinnedShare {
		return 0
	}
	return series.len()
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
	return fmt.Sprintf("%d MiB in the last %d days", sat.CeilMiB(uint64(v)), earlierDays)
}

// jumped is relief.Jump on u's series (since its last change), the jump 0
// unless another signal corroborates it: io or network over the short
// period, or the other resource's newest sample against the one before
// (a change of cores between those two samples shifts the utilisation's
// ratio; a jump of memory rarely meets one), Jumped or pinned from below
// its up threshold (JumpedTo: a flash crowd's memory, 714 MiB and then
// pinned at its 1024 with cores pinned at one, read x1.43 and corroborated
// nothing until the second sample).
func (dc *decider) jumped(u utilisation, series run[Points], line float64) (int, float64) {
	last, acted := dc.st.LastAction[u.res]
	if !acted {
		last.Time = time.Time{}
	}
	var p relief.Points = runPoints{series}
	if series.lo == 0 && series.hi == series.p.Len() {
		p = series.p // a window's counts its run itself (relief.Counter)
	}
	run, jump := relief.Jump(p, line, u.up.Bound, last.Time)
	if jump == 0 {
		return run, 0
	}
	a := dc.sig.Activity
	if a.RateRise() >= math.Log(relief.Corroborates) {
		return run, jump
	}
	limit := float64(dc.sig.Alloc.MemoryMiB) * mib
	o, up := utilisation{res: ResourceMemory, series: dc.sig.Memory, per: limit}, dc.r.Memory.Up*limit
	if u.res == ResourceMemory {
		o, up = utilisation{res: ResourceCores, series: dc.sig.CPU, per: 1}, dc.r.CPU.Up
	}
	newest, ok := o.series.Until(dc.now).Last()
	if !ok {
		return run, 0
	}
	if p := (runPoints{dc.seriesFor(o, newest, 0, 0)}); relief.Jumped(p) || relief.JumpedTo(p, o.per, up) {
		return run, jump
	}
	return run, 0
}

// reliefUnused is the period since the relief that made u's last change
// settled, and the most u's series read in it, when the change is at
// least relief.Decay old and every sample of the period is below u's down
// line; 0 when not.
func (dc *decider) reliefUnused(u utilisation, series run[Points]) (time.Duration, float64) {
	last, ok := dc.st.LastAction[u.res]
	if !ok || !last.Relief || last.Direction != Up || dc.now.Sub(last.Time) < relief.Decay {
		return 0, 0
	}
	d := dc.now.Sub(last.Time.Add(reliefSettle))
	if ok, _, hi := series.sustained(dc.now, d, u.down); ok {
		return d, hi
	}
	return 0, 0
}
