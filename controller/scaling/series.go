package scaling

import (
	"math"
	"sort"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/span"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/threshold"
)

// Threshold is a bound a value is past or not (controller/scaling/threshold).
type Threshold = threshold.Threshold

// AtLeast is passed by values >= bound.
func AtLeast(bound float64) Threshold { return threshold.AtLeast(bound) }

// AtMost is passed by values <= bound.
func AtMost(bound float64) Threshold { return threshold.AtMost(bound) }

// Points is a series read a point at a time, oldest first: a Series, or
// a History's view of a window that computes each point as it is read, so
// that judging an hour of samples copies none of them.
type Points interface {
	Len() int
	Time(i int) time.Time
	Value(i int) float64
	// Extremes are the smallest and the largest of the values of points
	// i to j-1, both NaN when one of them is NaN or there is none: what
	// Series.Max and run.extremes say of them. A window's view keeps them as the
	// window grows rather than reading the period again every pass.
	Extremes(i, j int) (lo, hi float64)
	// Search is the first of points i to j-1 at or after t (after: after
	// t), j when there is none: a window finds it from its interval.
	Search(i, j int, t time.Time, after bool) int
}

// Len, Time, Value and Extremes make a Series Points.
func (s Series) Len() int             { return len(s) }
func (s Series) Time(i int) time.Time { return s[i].Time }
func (s Series) Value(i int) float64  { return s[i].Value }

func (s Series) Search(i, j int, t time.Time, after bool) int {
	return i + sort.Search(j-i, func(k int) bool { return s[i+k].Time.After(t) || !after && s[i+k].Time.Equal(t) })
}

func (s Series) Extremes(i, j int) (lo, hi float64) {
	if i >= j {
		return math.NaN(), math.NaN()
	}
	lo = s[i].Value
	hi = lo
	for _, p := range s[i+1 : j] {
		lo, hi = min(lo, p.Value), max(hi, p.Value) // NaN wins, as documented
	}
	return lo, hi
}

// run is the points [lo, hi) of p: what the Series methods and Decide
// compute on, whatever holds the points. P is a Series or Points.
type run[P Points] struct {
	p      P
	lo, hi int
}

func runOf[P Points](p P) run[P] { return run[P]{p: p, hi: p.Len()} }

func (r run[P]) len() int               { return r.hi - r.lo }
func (r run[P]) time(i int) time.Time   { return r.p.Time(r.lo + i) }
func (r run[P]) value(i int) float64    { return r.p.Value(r.lo + i) }
func (r run[P]) series(s Series) Series { return s[r.lo:r.hi] }

// runPoints is a run read as Points, for the leaves that take them.
type runPoints struct{ r run[Points] }

func (p runPoints) Len() int             { return p.r.len() }
func (p runPoints) Time(i int) time.Time { return p.r.time(i) }
func (p runPoints) Value(i int) float64  { return p.r.value(i) }

// since is the points at or after t.
func (r run[P]) since(t time.Time) run[P] {
	r.lo = r.p.Search(r.lo, r.hi, t, false)
	return r
}

// until is the points at or before t; all of them costs one look.
func (r run[P]) until(t time.Time) run[P] {
	if r.len() == 0 || !r.time(r.len()-1).After(t) {
		return r
	}
	r.hi = r.p.Search(r.lo, r.hi, t, true)
	return r
}

func (r run[P]) last() (p Point, ok bool) {
	if r.len() == 0 {
		return Point{}, false
	}
	return Point{Time: r.time(r.len() - 1), Value: r.value(r.len() - 1)}, true
}

// extremes are the smallest and the largest value, both NaN for no point
// or when a point is NaN: an unknown value leaves them unknown.
func (r run[P]) extremes() (lo, hi float64) { return r.p.Extremes(r.lo, r.hi) }

// runTimes is a run's times, for span.
type runTimes[P Points] struct{ r run[P] }

func (t runTimes[P]) Len() int             { return t.r.len() }
func (t runTimes[P]) Time(i int) time.Time { return t.r.time(i) }

// window is the points in [now-d, now]; for d <= 0 the newest point at
// or before now alone, however old: "the latest value decides".
func (r run[P]) window(now time.Time, d time.Duration) run[P] {
	r = r.until(now)
	if d <= 0 {
		if r.len() > 0 {
			r.lo = r.hi - 1
		}
		return r
	}
	return r.since(now.Add(-d))
}

// covers reports whether r holds data over all of [now-d, now]
// (span.Covers: give or take one sampling interval at its start).
func (r run[P]) covers(now time.Time, d time.Duration) bool {
	return span.Covers(runTimes[P]{r.until(now)}, now, d)
}

// sustained reports whether every point in [now-d, now] is past t and r
// covers the period (d <= 0: the newest point decides); with it, the
// extremes of the period's points, read in the same pass.
func (r run[P]) sustained(now time.Time, d time.Duration, t Threshold) (ok bool, lo, hi float64) {
	lo, hi = r.window(now, d).extremes()
	// Every point is past t when its weakest is: an empty period or a NaN
	// point makes both extremes NaN, which no threshold passes. Coverage is
	// asked second: it may scan the whole series for its interval, and most
	// periods a pass judges are not past their line.
	return t.Passed(t.Weakest(lo, hi)) && r.covers(now, d), lo, hi
}

// streak is how long the newest points at or before now have all been
// past t, from the oldest of that unbroken run (of r, when all are) to
// now; 0 when the newest is not: how far a change still stabilising has
// come.
func (r run[P]) streak(now time.Time, t Threshold) time.Duration {
	r = r.until(now)
	i := r.len()
	for i > 0 && t.Passed(r.value(i-1)) {
		i--
	}
	if i == r.len() {
		return 0
	}
	return now.Sub(r.time(i))
}

// Since returns the points at or after t, sharing s's array.
func (s Series) Since(t time.Time) Series { return runOf(s).since(t).series(s) }

// Until returns the points at or before t, sharing s's array.
func (s Series) Until(t time.Time) Series { return runOf(s).until(t).series(s) }

// Last returns the newest point; ok is false when s is empty.
func (s Series) Last() (p Point, ok bool) { return runOf(s).last() }

// Max is the largest value, NaN for an empty series or one with a NaN
// point: an unknown value leaves it unknown.
func (s Series) Max() float64 {
	_, hi := runOf(s).extremes()
	return hi
}
