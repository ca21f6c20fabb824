package trend

import (
	"fmt"
	"math"
	"time"
)

// Points is a series read a point at a time, oldest first, as
// controller/scaling's Points.
type Points interface {
	Len() int
	Time(i int) time.Time
	Value(i int) float64
}

// Summer is a Points that sums Slope's terms over points i to j-1
// itself, bit for bit as its loop would, without a time per point.
type Summer interface {
	TrendSums(i, j int) (sx, sy, sxx, sxy float64)
}

// Slope is the slope of the least-squares line of p's points lo to hi-1,
// in its unit per second; NaN with fewer than two distinct times.
func Slope(p Points, lo, hi int) float64 {
	n := hi - lo
	if n < 2 {
		return math.NaN()
	}
	var sx, sy, sxx, sxy float64
	if s, ok := p.(Summer); ok {
		sx, sy, sxx, sxy = s.TrendSums(lo, hi)
	} else {
		t0 := p.Time(lo)
		for i := lo; i < hi; i++ {
			x, y := p.Time(i).Sub(t0).Seconds(), p.Value(i)
			sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
		}
	}
	fn := float64(n)
	den := fn*sxx - sx*sx
	if !(den > 0) {
		return math.NaN()
	}
	return (fn*sxy - sx*sy) / den
}

// Floor is the fewest units of an allocation of cur units (per: its
// whole in the series' unit) under which hi, a period's peak, carried on
// by slope (per second) for ahead, stays below upFrac of it; perHour is
// the slope in units an hour. 0, 0 when the slope is flat or falling.
func Floor(slope, hi, per float64, cur int64, upFrac float64, ahead time.Duration) (floor int64, perHour float64) {
	if !(slope > 0) {
		return 0, 0
	}
	need := (hi + slope*ahead.Seconds()) / per * float64(cur)
	return int64(min(math.Floor(need/upFrac)+1, math.MaxInt32)), slope * 3600 / per * float64(cur)
}

// Text says why a decrease stops at (or is not made above) floor, a
// Floor: the trend rises perHour in unit and would pass the up threshold
// (a utilisation) of one less within the cooldown.
func Text(unit string, perHour, up float64, floor int64, cooldown time.Duration) string {
	return fmt.Sprintf("the trend (+%.2f %s an hour) would pass %.2f of %d %s within the %s cooldown",
		perHour, unit, up, floor-1, unit, cooldown)
}
