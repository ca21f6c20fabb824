package lsq

import "math"

// Sums are Σx, Σx², Σy and Σxy of points whose x (>= 0) is counted from
// the oldest point's, y >= 0 and Σy below 2^63. The others are int64 and
// may wrap: sums and differences are exact modulo 2^64, so the true values
// are right whenever they fit, which Floats checks from bounds first.
type Sums struct{ X, XX, Y, XY int64 }

// Add takes in a point.
func (s *Sums) Add(x, y int64) {
	s.X, s.XX, s.Y, s.XY = s.X+x, s.XX+x*x, s.Y+y, s.XY+x*y
}

// DropOldest lets the oldest point (x 0, y) go and counts x from d later,
// the next point's, for the n points left.
func (s *Sums) DropOldest(y, d, n int64) {
	s.Y -= y
	s.XX, s.XY, s.X = s.XX+n*d*d-2*d*s.X, s.XY-d*s.Y, s.X-n*d
}

// Floats are the sums as float64, exactly what a float scan of the n
// points (oldest first, x counted from the oldest's and the newest's being
// last) computes: every partial sum of it is at most the whole, and those
// are below 2^53, or ok is false.
func (s *Sums) Floats(n, last int64) (x, y, xx, xy float64, ok bool) {
	fn, fl := float64(n), float64(last)
	if fn*fl*fl >= 1<<52 || fl*float64(s.Y) >= 1<<52 || float64(s.Y) >= 1<<52 {
		return 0, 0, 0, 0, false
	}
	return float64(s.X), float64(s.Y), float64(s.XX), float64(s.XY), true
}

// Moments hold what a mean, a standard deviation and a least-squares slope
// of y need, as points enter and leave in any order. x is whole seconds
// from an origin, so its sums are exact integers and a shift of the origin
// (to the time they are read at) is exact.
type Moments struct {
	N         int
	X, XX     int64
	Y, YY, XY float64
}

// Apply adds the point (x, y) when s is 1 and takes it out when s is -1:
// the same operations with the sign flipped, which is exact.
func (m *Moments) Apply(x int64, y float64, s int64) {
	f := float64(s)
	m.N += int(s)
	m.X += s * x
	m.XX += s * x * x
	m.Y += f * y
	m.YY += f * y * y
	m.XY += f * float64(x) * y
}

// Stats are the mean and the standard deviation of y, and the slope per
// hour with x taken from d seconds after the origin (0 with fewer than two
// points or one x); all 0 without points.
func (m *Moments) Stats(d int64) (mean, std, perHour float64) {
	if m.N == 0 {
		return 0, 0, 0
	}
	n := float64(m.N)
	mean = m.Y / n
	std = math.Sqrt(max(0, m.YY/n-mean*mean))
	sx := m.X - int64(m.N)*d
	sxx := m.XX - 2*d*m.X + int64(m.N)*d*d
	const h = 3600.0
	sxh, sxxh := float64(sx)/h, float64(sxx)/(h*h)
	sxyh := (m.XY - float64(d)*m.Y) / h
	if den := n*sxxh - sxh*sxh; m.N > 1 && den > 1e-12 {
		perHour = (n*sxyh - sxh*m.Y) / den
	}
	return mean, std, perHour
}
