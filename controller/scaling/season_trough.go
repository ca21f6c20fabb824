package scaling

import (
	"fmt"
	"math"
)

// withTrough is a decrease's basis when the profile knows the hour ahead:
// on every day of today's class it had (at least two per hour; Most), the
// hours the next seasonAhead touches peaked lower than the stabilisation
// period's peak hi, and so did the last seasonLead of series. Then what
// the hour before needed (an evening's ramp down, the end of a nightly
// job) does not come back at this time of day, and the decrease goes in
// one step to what the larger of the two needs instead of to the hour's
// peak and again an hour later: the floor of the window's peak (withFloor)
// is lowered to it, never below a recurring peak's (withSeason). It never
// starts a decrease: one the window's floor held stays held.
func (dc *decider) withTrough(u utilisation, series run[Points], hi float64) (utilisation, float64, seasonWhy) {
	rec := dc.recurring(u, seasonAhead)
	most := rec.Most // in the series' unit: bytes, or the utilisation of the cores
	if u.res == ResourceCores {
		most /= float64(u.cur)
	}
	_, recent := series.window(dc.now, seasonLead).extremes()
	basis := max(most, recent)
	if !(most > 0) || !(basis < hi) { // NaN compares false
		return u, hi, seasonWhy{}
	}
	var floor int64
	if u.res == ResourceCores {
		if busy, up := basis*float64(u.cur), dc.r.CPU.Up; up > 0 {
			floor, u.cpuPeak = int64(min(math.Floor(busy/up)+1, math.MaxInt32)), busy
		}
	} else {
		peak := uint64(min(basis, math.MaxUint64/2))
		floor, u.peak = ceilMiB(satAdd(peak, dc.r.Memory.Margin)), ceilMiB(peak)
	}
	floor = max(floor, dc.seasonNeed(u, rec))
	if u.season.Seen == 0 || floor >= u.floor {
		u.floor = min(u.floor, floor)
	}
	w := seasonWhy{peak: rec.Most, class: ClassWeekend}
	if Workday(dc.now.UTC().Weekday()) {
		w.class = ClassWorkday
	}
	return u, basis, w
}

// troughText says what a decrease sized for the profile's trough rests on:
// "the next hour peaked at most 0.15 cores on every workday known".
func troughText(res Resource, w seasonWhy) string {
	peak, days := fmt.Sprintf("%.2f cores", w.peak), "weekend day"
	if w.class == ClassWorkday {
		days = "workday"
	}
	if res != ResourceCores {
		peak = fmt.Sprintf("%d MiB", ceilMiB(uint64(w.peak)))
	}
	return "the next hour peaked at most " + peak + " on every " + days + " known"
}
