package histogram

import (
	"math"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// bounds are a profile's percentiles of the usage history (the lower
// bound, the target, the upper bound) and short, the history (in
// StabilizationDowns) at which the bounds are raised twofold (widen).
type bounds struct{ lower, target, upper, short float64 }

// boundsOf (scaling.Rules.Profile, config's scaling.profile): balanced is
// VPA's (p50, p90, p95); cost bounds by fewer of the hours and trusts
// less history, performance the opposite.
func boundsOf(profile string) bounds {
	switch profile {
	case "cost":
		return bounds{lower: 0.4, target: 0.8, upper: 0.9, short: 4.0 / 3}
	case "performance":
		return bounds{lower: 0.7, target: 0.95, upper: 0.99, short: 16}
	}
	return bounds{lower: 0.5, target: 0.9, upper: 0.95, short: 3}
}

// widen is x(1 + short x StabilizationDown / history), VPA's confidence
// multiplier of its upper bound (1 + 1 day / history) on the scale of the
// evidence the operator asks of a decrease: at the defaults (2 h 15 min
// for balanced) an hour of history shrinks only from above 3.25 times the
// median need, a day 1.09, a week 1.013; no history never (+Inf). A
// compressed time scale (a test's seconds) compresses it alike.
func (b bounds) widen(days float64, r scaling.Rules) float64 {
	if !(days > 0) {
		return math.Inf(1)
	}
	return 1 + b.short*r.StabilizationDown.Hours()/24/days
}

// need is the allocation (cores, MiB) under which usage v of res (cores
// busy, memory bytes) keeps what a decrease's floor keeps of the hour's
// peak (scaling.Rules.Need); 0 without usage.
func need(res scaling.Resource, r scaling.Rules, v float64) int64 {
	if !(v > 0) {
		return 0
	}
	return r.Need(res, v)
}

// Floor is the lowest a decrease of res from cur may go (scaling.
// Recommender): what the profile's lower percentile needs, so that a
// container shrunk after a quiet hour does not grow back at the next busy
// one; and, while that need raised by widen is at least cur, cur itself
// (no decrease, as VPA's updater leaves a pod within its bounds): little
// history never shrinks much. ok is false with no history.
func (u *Usage) Floor(res scaling.Resource, r scaling.Rules, cur int64) (f scaling.RecFloor, ok bool) {
	b := boundsOf(r.Profile)
	var v [1]float64
	days := u.Percentiles(res, []float64{b.lower}, v[:])
	if !(days > 0) {
		return f, false
	}
	f = scaling.RecFloor{Floor: need(res, r, v[0]), Pct: uint8(math.Round(b.lower * 100)), Usage: v[0], Days: float32(days), Widen: 1}
	if w := b.widen(days, r); need(res, r, v[0]*w) >= cur {
		f.Floor, f.Widen = need(res, r, v[0]*w), float32(w)
	}
	return f, true
}

// Recommendation is what the histograms recommend for one resource, in its
// unit (cores, MiB), each the need of a percentile: Target the profile's
// target (what a fixed allocation would be, as VPA's), Lower and Upper its
// bounds raised by widen; Usage the target percentile's usage (cores busy,
// bytes), Days the history.
type Recommendation struct {
	Target, Lower, Upper int64
	Usage, Days          float64
}

// Recommend is the recommendation for res (cores or memory) under r's
// profile, in one walk of the histogram; ok is false with no history.
func (u *Usage) Recommend(res scaling.Resource, r scaling.Rules) (rec Recommendation, ok bool) {
	b := boundsOf(r.Profile)
	var v [3]float64
	days := u.Percentiles(res, []float64{b.lower, b.target, b.upper}, v[:])
	if !(days > 0) {
		return rec, false
	}
	rec.Usage, rec.Days = v[1], days
	rec.Target = need(res, r, v[1])
	rec.Lower = need(res, r, v[0]*b.widen(days, r))
	rec.Upper = need(res, r, v[2]*b.widen(days, r))
	return rec, true
}
