package trend

import (
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
