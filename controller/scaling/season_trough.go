package scaling

import (
	"math"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/dayclass"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/sat"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/season"
)

// withTrough is a decrease's basis when the profile knows the hour ahead:
// on every day of today's class it had (at least two per hour; Most), the
// hours the next seasonAhead touches peaked lower than the stabilisation
// period's peak hi, and so did the last seasonLead of series. Then what
// the hour before needed (an evening's ramp down, the end of a nightly
// job) does not come back at this time of day, and the decrease goes in
// one step to what the larger of the two needs instead of to the hour's
// peak and again an hour later: the floor of the window's peak (withFloor)
// is lowered to it, never below a recurring peak's (withSeason). It is
// sized to keep that most below the up threshold, not at the target:
// the target's headroom is for a load that may rise past what was seen,
// and the most of every day known is what the hour ahead rises to; with
// it an evening's way down was a decrease an hour (4 -> 3 -> 2 -> 1 on a
// web front). It never starts a decrease: one the window's floor held
// stays held.
func (dc *decider) withTrough(u utilisation, series run[Points], hi float64) (utilisation, float64, seasonWhy) {
	rec, most := dc.recurring(u, seasonAhead), dc.mostAhead(u)
	if !(most > 0) { // NaN compares false; the samples are read after
		return u, hi, seasonWhy{}
	}
	_, recent := series.window(dc.now, seasonLead).extremes()
	basis := max(most, recent)
	if !(basis < hi) {
		return u, hi, seasonWhy{}
	}
	if u.target > 0 { // basis is the most of every day known: below the up threshold, as growAhead sizes
		u.target = max(u.target, u.up.Bound/u.per)
	}
	v := basis // cores busy or bytes, as Rules.Need and the reason take it
	if u.res == ResourceCores {
		v *= float64(u.cur)
		u.cpuPeak = v
	} else {
		u.peak = sat.CeilMiB(uint64(min(v, math.MaxUint64/2)))
	}
	floor := max(dc.r.Need(u.res, v), dc.seasonNeed(u, rec))
	if u.season.Seen == 0 || floor >= u.floor {
		u.floor = min(u.floor, floor)
	}
	w := seasonWhy{peak: rec.Most, class: ClassWeekend}
	if dayclass.IsWorkday(dc.now.UTC().Weekday()) {
		w.class = ClassWorkday
	}
	return dc.withJobs(u), basis, w // its hour ahead does not see a job at random
}

// troughSettled reports whether a decrease that the stabilisation period
// holds back (it still holds a burst that ended: the workday, a nightly
// job) may go now, and the peak of the troughSettle it rests on: the hour
// ahead stayed at or below the down line on every day known (mostAhead),
// vouching for the quiet the rest of the period would wait to see, and
// usage has for troughSettle (a job's last minutes are not its end).
const troughSettle = 15 * time.Minute

func (dc *decider) troughSettled(u utilisation, series run[Points]) (bool, float64) {
	if most := dc.mostAhead(u); !(most > 0) || !u.down.Passed(most) {
		return false, 0
	}
	ok, _, hi := series.sustained(dc.now, troughSettle, u.down)
	return ok, hi
}

// mostAhead is the most any day of today's class used over the hour ahead
// (Most, from two days of it on; 0 before), in the series' unit.
func (dc *decider) mostAhead(u utilisation) float64 {
	most := dc.recurring(u, seasonAhead).Most
	if u.res == ResourceCores {
		most /= float64(u.cur)
	}
	return most
}

// troughText is season.TroughText of w.
func troughText(res Resource, w seasonWhy) string {
	return season.TroughText(peakText(res, w.peak), w.class == ClassWorkday)
}
