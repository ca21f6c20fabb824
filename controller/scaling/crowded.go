package scaling

import "time"

// crowdedPeriod: usage that averaged past the up threshold over it (or
// StabilizationUp when longer) is sustained although dips broke every
// stabilisation period in it: a noisy climb (a database's morning on one
// core, samples 0.85 to 1.0) would wait an hour for the minutes in a row
// that noise seldom gives, starved at each sample past 0.95; a burst
// shorter than the period does not average past the line.
const crowdedPeriod = 10 * time.Minute

// crowded reports whether u's series covers crowdedPeriod (wait when
// longer) and averaged past the up threshold over it; mean and hi are the
// period's mean and most.
func (dc *decider) crowded(u utilisation, newest Point, wait time.Duration) (ok bool, period time.Duration, mean, hi float64) {
	period = max(crowdedPeriod, wait)
	r := dc.seriesFor(u, newest, period, period)
	if !r.covers(dc.now, period) {
		return false, period, 0, 0
	}
	r = r.window(dc.now, period)
	for i := 0; i < r.len(); i++ {
		mean += r.value(i) / float64(r.len()) // NaN stays NaN: passes nothing
	}
	_, hi = r.extremes()
	return u.up.Passed(mean), period, mean, hi
}
