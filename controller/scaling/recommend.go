package scaling

import (
	"fmt"
	"math"
	"time"
)

// Profile says which percentiles of a container's usage history the
// recommender reads and how much history it wants before it lets a
// container shrink: Rules.Profile, config's scaling.profile.
type Profile string

const (
	ProfileCost        Profile = "cost"
	ProfileBalanced    Profile = "balanced" // the default
	ProfilePerformance Profile = "performance"
)

// Profiles are the valid profiles, the default first.
var Profiles = []Profile{ProfileBalanced, ProfileCost, ProfilePerformance}

// Recommender is what a History that keeps usage histograms
// (controller/engine/histogram) also is: Decide asks it, when the History
// is one, on the way to a change.
type Recommender interface {
	// Percentiles sets out[i] to the usage of res (cores busy, memory
	// bytes) below which fraction ps[i] (ascending) of the decayed history
	// lies and returns the days of history it holds; 0 with none.
	Percentiles(res Resource, ps, out []float64) (days float64)
}

// percentiles are a profile's: the lower bound, the target and the upper
// bound, read from the histograms, and short, the history (in
// StabilizationDowns) at which the bounds are widened twofold (see widen).
type percentiles struct {
	lower, target, upper float64
	short                float64
}

// percentilesOf: balanced is VPA's (p50, p90, p95); cost bounds by fewer
// of the hours and trusts less history, performance by more of them and
// wants more history before it shrinks.
func percentilesOf(p Profile) percentiles {
	switch p {
	case ProfileCost:
		return percentiles{lower: 0.4, target: 0.8, upper: 0.9, short: 4.0 / 3}
	case ProfilePerformance:
		return percentiles{lower: 0.7, target: 0.95, upper: 0.99, short: 16}
	}
	return percentiles{lower: 0.5, target: 0.9, upper: 0.95, short: 3}
}

// widen is how much the bounds are raised while the history is short:
// x(1 + short x StabilizationDown / history), VPA's confidence multiplier
// of its upper bound (1 + 1 day / history) on the scale of the evidence
// the operator asks of a decrease. At the defaults (45 minutes: 2 h 15 min
// for balanced) a container with an hour of history shrinks only from
// above 3.25 times its median need, with a day from above 1.09 times,
// with a week 1.013: little history never shrinks much, and none never
// shrinks (+Inf). A compressed time scale (a test's seconds) compresses it
// alike.
func (p percentiles) widen(days float64, r Rules) float64 {
	if !(days > 0) {
		return math.Inf(1)
	}
	return 1 + p.short*r.StabilizationDown.Hours()/24/days
}

// Recommendation is what the histograms recommend for one resource, in its
// unit (cores, MiB), each the allocation under which a percentile of the
// usage stays as a decrease's floor keeps the hour's peak (usageNeed):
// Target the profile's target percentile (what a fixed allocation would
// be, as VPA's target), Lower and Upper its bounds, raised while the
// history is short (widen). A decrease waits until the allocation is
// above Lower and then goes no lower than the lower percentile's need.
// Usage is the target percentile's usage (cores busy, memory bytes), Days
// the history it rests on.
type Recommendation struct {
	Target, Lower, Upper int64
	Usage, Days          float64
}

// Recommend reads rh's recommendation for res (cores or memory) under r's
// profile; ok is false when rh is nil or holds no history.
func Recommend(rh Recommender, res Resource, r Rules) (rec Recommendation, ok bool) {
	if rh == nil {
		return rec, false
	}
	p := percentilesOf(r.Profile)
	var v [3]float64
	days := rh.Percentiles(res, []float64{p.lower, p.target, p.upper}, v[:])
	if !(days > 0) {
		return rec, false
	}
	lo, up := v[0], v[2]
	rec.Usage, rec.Days = v[1], days
	rec.Target = usageNeed(res, r, rec.Usage)
	rec.Lower = usageNeed(res, r, lo*p.widen(days, r))
	rec.Upper = usageNeed(res, r, up*p.widen(days, r))
	return rec, true
}

// usageNeed is the allocation (cores, MiB) under which usage v of res
// (cores busy, memory bytes) keeps what a decrease's floor keeps of the
// hour's peak (withFloor): cores below the up threshold, memory below the
// limit by the margin.
func usageNeed(res Resource, r Rules, v float64) int64 {
	if !(v > 0) {
		return 0
	}
	if res == ResourceCores {
		if !(r.CPU.Up > 0) {
			return 0
		}
		return int64(min(math.Floor(v/r.CPU.Up)+1, math.MaxInt32))
	}
	return ceilMiB(satAdd(uint64(min(v, math.MaxUint64/2)), r.Memory.Margin))
}

// recWhy is the recommendation that raised a decrease's floor, as the
// hold or the change's reason quotes it.
type recWhy struct {
	set   bool
	pct   uint8   // the percentile quoted
	usage float64 // cores busy or bytes at it
	days  float32
	widen float32 // > 1 when the short history's lower bound set the floor
}

// withRecommendation raises u's floor (set by withFloor and withSeason) to
// the recommendation's lower bound: a decrease goes no lower than what the
// lower percentile of the history needs, and none is made while the
// allocation is within that need widened for a short history (widen): as
// VPA's updater leaves a pod alone within its bounds, so that a container
// with little history shrinks little. The floor is the hour's peak
// already: the recommendation counts where the hours before needed more,
// so that a container shrunk after a quiet hour does not have to grow
// back at the next busy one.
func (dc *decider) withRecommendation(u utilisation) utilisation {
	rh, _ := dc.sig.History.(Recommender)
	if rh == nil {
		return u
	}
	p := percentilesOf(dc.r.Profile)
	var v [1]float64
	days := rh.Percentiles(u.res, []float64{p.lower}, v[:])
	lo := v[0]
	if !(days > 0) {
		return u
	}
	floor, w := usageNeed(u.res, dc.r, lo), recWhy{set: true, pct: uint8(math.Round(p.lower * 100)), usage: lo, days: float32(days), widen: 1}
	if g := usageNeed(u.res, dc.r, lo*p.widen(days, dc.r)); g >= u.cur {
		floor, w.widen = g, float32(p.widen(days, dc.r))
	}
	if floor > u.floor {
		u.floor, u.rec = floor, w
		u.season = Recurring{} // the reason names the recommendation
	}
	return u
}

// text says what set the floor: "p90 over 3.2 days of history: 1.70
// cores busy".
func (w recWhy) text(res Resource) string {
	s := fmt.Sprintf("p%d over %.1f days of history: ", w.pct, w.days)
	if w.days < 1 { // "0.0 days" says nothing
		s = fmt.Sprintf("p%d over %s of history: ", w.pct, time.Duration(float64(w.days)*24*float64(time.Hour)).Round(time.Minute))
	}
	if res == ResourceCores {
		s += fmt.Sprintf("%.2f cores busy", w.usage)
	} else {
		s += fmt.Sprintf("%d MiB used", ceilMiB(uint64(min(w.usage, math.MaxUint64/2))))
	}
	if w.widen > 1 {
		s += fmt.Sprintf(", x%.2f while the history is short", w.widen)
	}
	return s
}

// note is a noteRecFloor of the floor w set, from the noteFloor n.
func (w recWhy) note(n note, floor int64) note {
	n.kind = noteRecFloor
	n.n[nFloor], n.n[nPeak], n.n[nLimit] = floor, int64(w.pct), int64(math.Round(float64(w.widen)*1e6))
	n.v[vPeak], n.v[vUp] = w.usage, float64(w.days)
	return n
}

// recOf is the recWhy a noteRecFloor keeps.
func recOf(n note) recWhy {
	return recWhy{set: true, pct: uint8(n.n[nPeak]), usage: n.v[vPeak], days: float32(n.v[vUp]), widen: float32(n.n[nLimit]) / 1e6}
}
