package scaling

import (
	"fmt"
	"math"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/trend"
)

// trendFloor is the fewest of u's unit under which the period's peak,
// carried on by the period's least-squares trend to the end of the down
// cooldown, stays below the up threshold: a decrease that a leak would
// undo before it may be undone is not made. 0 when the trend is flat or
// falling. Read only on the way to a decrease (one pass over the period).
func (dc *decider) trendFloor(u utilisation, series run[Points], period time.Duration, hi float64) (floor int64, perHour float64) {
	r := series.window(dc.now, period)
	n := r.len()
	upFrac := u.up.Bound / u.per
	if n < 3 || !(upFrac > 0) || dc.r.CooldownDown <= 0 {
		return 0, 0
	}
	slope := leastSquares(r) // series units per second
	if !(slope > 0) {
		return 0, 0
	}
	ahead := (hi + slope*dc.r.CooldownDown.Seconds()) / u.per * float64(u.cur) // in u's unit
	return int64(min(math.Floor(ahead/upFrac)+1, math.MaxInt32)), slope * 3600 / u.per * float64(u.cur)
}

// trendText says why a decrease stops at (or is not made above) floor,
// the trend's: it rises perHour in unit and would pass the up threshold
// (a utilisation) of one less within the cooldown.
func trendText(unit string, perHour, up float64, floor int64, cooldown time.Duration) string {
	return fmt.Sprintf("the trend (+%.2f %s an hour) would pass %.2f of %d %s within the %s cooldown",
		perHour, unit, up, floor-1, unit, cooldown)
}

// TrendSummer is a Points that sums leastSquares's terms itself
// (controller/scaling/trend).
type TrendSummer = trend.Summer

// leastSquares is the slope of r's least-squares line, in its unit per
// second; NaN with fewer than two distinct times (trend.Slope).
func leastSquares[P Points](r run[P]) float64 { return trend.Slope(r.p, r.lo, r.hi) }
