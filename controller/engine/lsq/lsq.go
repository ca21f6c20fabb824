package lsq

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
