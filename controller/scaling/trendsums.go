package scaling

// TrendSummer is a Points that sums the terms of a least-squares fit of
// its points i to j-1 itself: x the seconds since point i, y the value.
// A window kept in compact samples reads them without making a time.Time
// and a Duration of each point (a decrease's trend reads the 45 minutes
// before every pass). The sums must be those trendSums's loop makes, in
// the same order, so that a decision does not depend on the Points kind.
type TrendSummer interface {
	TrendSums(i, j int) (sx, sy, sxx, sxy float64)
}

// trendSums are the sums of x, y, x*x and x*y over r's points, x the
// seconds since r's first point and y its value.
func (r run[P]) trendSums() (sx, sy, sxx, sxy float64) {
	if s, ok := any(r.p).(TrendSummer); ok {
		return s.TrendSums(r.lo, r.hi)
	}
	if r.len() == 0 {
		return 0, 0, 0, 0
	}
	t0 := r.time(0)
	for i := range r.len() {
		x, y := r.time(i).Sub(t0).Seconds(), r.value(i)
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	return sx, sy, sxx, sxy
}
