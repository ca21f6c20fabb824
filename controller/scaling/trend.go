package scaling

import (
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/trend"
)

// trendFloor is trend.Floor of the period's least-squares trend carried
// on to the end of the down cooldown: a decrease that a leak would undo
// before it may be undone is not made. Read only on the way to a
// decrease (one pass over the period).
func (dc *decider) trendFloor(u utilisation, series run[Points], period time.Duration, hi float64) (floor int64, perHour float64) {
	r := series.window(dc.now, period)
	upFrac := u.up.Bound / u.per
	if r.len() < 3 || !(upFrac > 0) || dc.r.CooldownDown <= 0 {
		return 0, 0
	}
	return trend.Floor(leastSquares(r), hi, u.per, u.cur, upFrac, dc.r.CooldownDown)
}

// leastSquares is the slope of r's least-squares line, in its unit per
// second; NaN with fewer than two distinct times (trend.Slope).
func leastSquares[P Points](r run[P]) float64 { return trend.Slope(r.p, r.lo, r.hi) }
