package scaling

import (
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/noise"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/sat"
)

// noisy decides cores whose down stabilisation period is noise at a percentile of it
// instead of its peak (controller/scaling/noise); ok is false when it is
// not. Relief then waits for pinnedSamples in a row (decider.noise): a
// lone pinned sample is the noise's tail. It reads (read) only on the way
// to a change: a container that leans nowhere is not read.
func (dc *decider) noisy(u utilisation, newest Point, read bool) (to int64, ok bool) {
	if u.res != ResourceCores || !read || !(u.target > 0) { // without a target, nothing sizes a decrease
		return u.cur, false
	}
	w := dc.r.StabilizationDown // the longest Decide keeps at full resolution
	series, cores := dc.seriesFor(u, newest, w, w).window(dc.now, w), float64(u.cur)
	r := noise.Read(runPoints{series}, dc.now, w, dc.st.LastAction[u.res].Time, u.up.Bound) // zero: no change
	if !r.Noisy(cores) || !series.covers(dc.now, w) {
		return u.cur, false
	}
	dc.noise = true
	if to, ok := dc.relieve(u, newest); ok {
		return to, true
	}
	if to := sat.Clamp(r.Grow(cores, u.up.Bound), u.min, u.max); to > u.cur && !dc.coolingDown(u.res, Up) {
		dc.d.change(u.res, u.cur, to, r.GrowText(cores, u.up.Bound))
		return to, true
	}
	to = sat.Clamp(r.Shrink(cores, u.target), u.min, u.max) // above cur after a Grow held
	if to >= u.cur || u.freesLittle(to) || dc.pressureHolds(u, newest.Value) || dc.coolingDown(u.res, Down) {
		return u.cur, true
	}
	dc.d.change(u.res, u.cur, to, r.ShrinkText(cores, u.target, to))
	return to, true
}
