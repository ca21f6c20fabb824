package span

import "time"

// Times is a series' sample times, oldest first (not decreasing).
type Times interface {
	Len() int
	Time(i int) time.Time
}

// Interval is the smallest positive gap between consecutive times: the
// sampling interval, as far as t shows it; 0 for fewer than two distinct
// times.
func Interval[T Times](t T) time.Duration {
	var gap time.Duration
	for i := 1; i < t.Len(); i++ {
		d := t.Time(i).Sub(t.Time(i - 1))
		if d > 0 && (gap == 0 || d < gap) {
			gap = d
		}
	}
	return gap
}

// Covers reports whether t, all at or before now, holds data over all of
// [now-d, now]: a time in it, and its oldest at or before now-d give or
// take one Interval. d <= 0 needs one time. Generic rather than taking a
// Times, so that a caller's value is not boxed (an allocation a decision).
func Covers[T Times](t T, now time.Time, d time.Duration) bool {
	n := t.Len()
	if n == 0 {
		return false
	}
	if d <= 0 {
		return true
	}
	start := now.Add(-d)
	switch {
	case t.Time(n - 1).Before(start):
		return false
	case !t.Time(0).After(start):
		return true // the usual case, without a scan for the interval
	}
	return !t.Time(0).After(start.Add(Interval(t)))
}
