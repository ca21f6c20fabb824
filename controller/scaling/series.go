package scaling

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// Threshold is a bound that a value is past or not: at or above it (AtLeast)
// or at or below it (AtMost). Bounds are inclusive so that a policy's
// number is the point where it acts, and so that an up threshold of 1.0 can
// fire: Proxmox caps a container's CPU at its allocation, so utilisation
// never exceeds 1 and a strict comparison would never be true.
type Threshold struct {
	Bound float64
	// Below is true for an AtMost threshold.
	Below bool
}

// AtLeast is passed by values >= bound.
func AtLeast(bound float64) Threshold { return Threshold{Bound: bound} }

// AtMost is passed by values <= bound.
func AtMost(bound float64) Threshold { return Threshold{Bound: bound, Below: true} }

// Passed reports whether v is past the threshold. NaN never is: an unknown
// value is no evidence for a change.
func (t Threshold) Passed(v float64) bool {
	if t.Below {
		return v <= t.Bound
	}
	return v >= t.Bound
}

// String is the comparison, for reasons: ">= 0.75".
func (t Threshold) String() string {
	if t.Below {
		return fmt.Sprintf("<= %.2f", t.Bound)
	}
	return fmt.Sprintf(">= %.2f", t.Bound)
}

// weakest is the value of s closest to the threshold (its minimum for
// AtLeast, its maximum for AtMost): the one that a reason should quote,
// since every other value is further past it.
func (t Threshold) weakest(s Series) float64 {
	if t.Below {
		return s.Max()
	}
	return s.Min()
}

// Since returns the points at or after t, sharing s's array.
func (s Series) Since(t time.Time) Series {
	i := sort.Search(len(s), func(i int) bool { return !s[i].Time.Before(t) })
	return s[i:]
}

// Until returns the points at or before t, sharing s's array.
func (s Series) Until(t time.Time) Series {
	i := sort.Search(len(s), func(i int) bool { return s[i].Time.After(t) })
	return s[:i]
}

// Last returns the newest point; ok is false when s is empty.
func (s Series) Last() (p Point, ok bool) {
	if len(s) == 0 {
		return Point{}, false
	}
	return s[len(s)-1], true
}

// Min is the smallest value, NaN for an empty series. A NaN point makes
// the result NaN: an unknown value leaves the minimum unknown.
func (s Series) Min() float64 {
	if len(s) == 0 {
		return math.NaN()
	}
	m := s[0].Value
	for _, p := range s[1:] {
		m = min(m, p.Value) // NaN wins, as documented
	}
	return m
}

// Max is the largest value, NaN for an empty series or one with a NaN
// point.
func (s Series) Max() float64 {
	if len(s) == 0 {
		return math.NaN()
	}
	m := s[0].Value
	for _, p := range s[1:] {
		m = max(m, p.Value)
	}
	return m
}

// Mean is the average of the values (each point weighs the same, whatever
// the gap before it), NaN for an empty series.
func (s Series) Mean() float64 {
	if len(s) == 0 {
		return math.NaN()
	}
	sum := 0.0
	for _, p := range s {
		sum += p.Value
	}
	return sum / float64(len(s))
}

// Interval is the smallest positive gap between consecutive points: the
// sampling interval, as far as s shows it. It is 0 for fewer than two
// distinct times. The smallest gap rather than a typical one, so that a
// hole in the data (the controller was down) never passes for the
// sampling interval and widens the slack of Covers.
func (s Series) Interval() time.Duration {
	var gap time.Duration
	for i := 1; i < len(s); i++ {
		d := s[i].Time.Sub(s[i-1].Time)
		if d > 0 && (gap == 0 || d < gap) {
			gap = d
		}
	}
	return gap
}

// Window returns the points in [now-d, now], sharing s's array. For d <= 0
// it is the newest point at or before now alone, however old: "the latest
// value decides".
func (s Series) Window(now time.Time, d time.Duration) Series {
	s = s.Until(now)
	if d <= 0 {
		if len(s) == 0 {
			return s
		}
		return s[len(s)-1:]
	}
	return s.Since(now.Add(-d))
}

// Covers reports whether s holds data over all of [now-d, now]: it has a
// point in that period and its oldest point is at or before now-d, give
// or take one sampling interval (samples come at their own phase, so the
// first one of a period that is exactly covered may be a little late). A
// container with two minutes of history has not been anything for ten.
// d <= 0 needs a point at or before now.
//
// Holes inside the period are not looked for: the window does not record
// why a sample is missing, and a collection outage is no evidence that the
// utilisation changed.
func (s Series) Covers(now time.Time, d time.Duration) bool {
	s = s.Until(now)
	if len(s) == 0 {
		return false
	}
	if d <= 0 {
		return true
	}
	start := now.Add(-d)
	switch {
	case s[len(s)-1].Time.Before(start):
		return false
	case !s[0].Time.After(start):
		return true // the usual case, without a scan for the interval
	}
	return !s[0].Time.After(start.Add(s.Interval()))
}

// Sustained reports whether every point in [now-d, now] is past t and s
// covers the period (see Covers). d <= 0: the newest point at or before
// now alone decides.
func (s Series) Sustained(now time.Time, d time.Duration, t Threshold) bool {
	if !s.Covers(now, d) {
		return false
	}
	for _, p := range s.Window(now, d) {
		if !t.Passed(p.Value) {
			return false
		}
	}
	return true
}

// Streak is how long the newest points at or before now have all been
// past t: from the oldest point of that unbroken run to now. It is 0 when
// the newest point is not past t (or s has none), and measured from the
// oldest point of s when every point is past t, since nothing older is
// known. It tells how far a change still stabilising has come.
func (s Series) Streak(now time.Time, t Threshold) time.Duration {
	s = s.Until(now)
	i := len(s)
	for i > 0 && t.Passed(s[i-1].Value) {
		i--
	}
	if i == len(s) {
		return 0
	}
	return now.Sub(s[i].Time)
}
