package scaling

import (
	"fmt"
	"math"
	"time"
)

// Profile (Rules.Profile, config's scaling.profile) picks the percentiles
// of the usage history that bound decreases (BoundsOf).
type Profile string

const (
	ProfileCost        Profile = "cost"
	ProfileBalanced    Profile = "balanced" // the default
	ProfilePerformance Profile = "performance"
)

// Recommender is what a History that keeps usage histograms
// (controller/engine/histogram) also is, asked on the way to a decrease.
type Recommender interface {
	// Percentiles sets out[i] to the usage of res (cores busy, memory
	// bytes) below which fraction ps[i] (ascending) of the decayed history
	// lies and returns the days of history it holds; 0 with none.
	Percentiles(res Resource, ps, out []float64) (days float64)
}

// Bounds are a profile's percentiles of the usage history (the lower
// bound, the target, the upper bound) and Short, the history (in
// StabilizationDowns) at which the bounds are raised twofold (Widen).
type Bounds struct{ Lower, Target, Upper, Short float64 }

// BoundsOf: balanced is VPA's (p50, p90, p95); cost bounds by fewer of
// the hours and trusts less history, performance the opposite.
func BoundsOf(p Profile) Bounds {
	switch p {
	case ProfileCost:
		return Bounds{Lower: 0.4, Target: 0.8, Upper: 0.9, Short: 4.0 / 3}
	case ProfilePerformance:
		return Bounds{Lower: 0.7, Target: 0.95, Upper: 0.99, Short: 16}
	}
	return Bounds{Lower: 0.5, Target: 0.9, Upper: 0.95, Short: 3}
}

// Widen is x(1 + Short x StabilizationDown / history), VPA's confidence
// multiplier of its upper bound (1 + 1 day / history) on the scale of the
// evidence the operator asks of a decrease: at the defaults (2 h 15 min
// for balanced) an hour of history shrinks only from above 3.25 times the
// median need, a day 1.09, a week 1.013; no history never (+Inf).
func (b Bounds) Widen(days float64, r Rules) float64 {
	if !(days > 0) {
		return math.Inf(1)
	}
	return 1 + b.Short*r.StabilizationDown.Hours()/24/days
}

// Recommendation is what the histograms recommend for one resource, in its
// unit (cores, MiB), each the UsageNeed of a percentile: Target the
// profile's target (what a fixed allocation would be, as VPA's), Lower and
// Upper its bounds raised by Widen; Usage the target percentile's usage,
// Days the history (controller/engine/histogram's Usage.Recommend).
type Recommendation struct {
	Target, Lower, Upper int64
	Usage, Days          float64
}

// UsageNeed is the allocation (cores, MiB) under which usage v of res
// (cores busy, memory bytes) keeps what a decrease's floor keeps of the
// hour's peak (withFloor): cores below the up threshold, memory below the
// limit by the margin.
func UsageNeed(res Resource, r Rules, v float64) int64 {
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

// withRecommendation raises u's floor (withFloor, withSeason: the hour's
// peak) to the lower percentile's need, so that a container shrunk after
// a quiet hour does not grow back at the next busy one; while that need
// raised by Widen is at least the allocation no decrease is made (as
// VPA's updater leaves a pod within its bounds): little history never
// shrinks much.
func (dc *decider) withRecommendation(u utilisation) utilisation {
	rh, _ := dc.sig.History.(Recommender)
	if rh == nil {
		return u
	}
	b := BoundsOf(dc.r.Profile)
	var v [1]float64
	days := rh.Percentiles(u.res, []float64{b.Lower}, v[:])
	if !(days > 0) {
		return u
	}
	floor, w := UsageNeed(u.res, dc.r, v[0]), recWhy{set: true, pct: uint8(math.Round(b.Lower * 100)), usage: v[0], days: float32(days), widen: 1}
	if g := UsageNeed(u.res, dc.r, v[0]*b.Widen(days, dc.r)); g >= u.cur {
		floor, w.widen = g, float32(b.Widen(days, dc.r))
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
