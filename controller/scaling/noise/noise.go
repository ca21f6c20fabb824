package noise

import (
	"fmt"
	"math"
	"slices"
	"time"
)

const (
	// MaxPoints is the most points a reading takes, the newest: an hour
	// of 10-s samples, more than the down stabilisation period (45 min by
	// default) that scaling reads.
	MaxPoints = 360
	// MinPoints is the fewest points that say anything of a percentile.
	MinPoints = 30
	// Rough is the median step between consecutive samples, as a share
	// of the median, from which usage is noise: between the 0.24 of the
	// roughest hour of anything else and the 0.31 of the calmest of a
	// lognormal(0, 0.55) per minute (doc.go).
	Rough = 0.28
	// MinStep is the least median step, in cores, that is noise worth a
	// core: an idle container's few hundredths of a core jitter as much
	// against their level.
	MinStep = 0.1
	// QuickPoints and QuickRough: Read first looks at the newest
	// QuickPoints alone, and reads no further unless their mean step is
	// QuickRough of their mean or more: independent lognormal(0, 0.55)
	// draws step by 0.6 of their mean (over 20 of them, below 0.28 one
	// time in a thousand), a service's own noise and the edges of its
	// bursts by a tenth or less. A pass decides for thousands of
	// containers, few of them noisy, and a percentile sorts.
	QuickPoints, QuickRough = 20, 0.25
	// Quantile is the percentile noisy usage is sized at. On the
	// hold-out traces p95, p97, p98 and p99 free alike (0.973-0.978 of
	// legacy's core-hours) for starved minutes 0.177, 0.173, 0.171 and
	// 0.169 of legacy's, flaps 41, 29, 28 and 28.
	Quantile = 0.98
	// Settle is how long after a change the share at the up threshold
	// is first read: past the half hour within which an increase undoes
	// a decrease (a flap). Sooner, the share is of too few samples to
	// tell a shift from the percentile's own sampling noise: at 30
	// minutes, 9 of the 13 flaps of api (vmid 213) on h21.csv were
	// increases by 2-4 of 30 samples.
	Settle = 35 * time.Minute
	// Over is the share of the samples since the last change at or over
	// the up threshold from which noisy usage grows, and MinOver the
	// fewest: a decrease sized for Quantile at the target leaves one or
	// two in half an hour.
	Over    = 0.05
	MinOver = 3
)

// Points is a utilisation series read a point at a time, oldest first,
// as controller/scaling's Points.
type Points interface {
	Len() int
	Time(i int) time.Time
	Value(i int) float64
}

// Reading is what Read makes of a window of utilisation.
type Reading struct {
	// Step is the median step between consecutive values, Roughness it
	// over the median value; Level the median, At the Quantile-th
	// percentile (utilisation).
	Step, Roughness, Level, At float64
	// N is the points read; After those after the last change, Over
	// those of them at or over the up threshold. Span is the period
	// read, Since how long ago the last change in it was (Span without
	// one: Changed false).
	N, After, Over int
	Span, Since    time.Duration
	Changed        bool
}

// Read reads the newest MaxPoints of p, the utilisation of the cores now
// allocated over span to now, with last the last change (its zero
// value: none) and up the up threshold.
func Read[P Points](p P, now time.Time, span time.Duration, last time.Time, up float64) Reading {
	since := now.Add(-span)
	r := Reading{Span: span, Changed: last.After(since)}
	if r.Changed {
		since = last
	}
	r.Since = now.Sub(since)
	if n := min(p.Len(), MaxPoints); n >= MinPoints && quick(p) {
		r.N = n
	} else {
		return r
	}
	var vs, steps [MaxPoints]float64
	for i := range r.N {
		j := p.Len() - r.N + i
		vs[i] = p.Value(j)
		if i > 0 {
			steps[i-1] = math.Abs(vs[i] - vs[i-1])
		}
		if p.Time(j).After(since) {
			r.After++
			if vs[i] >= up {
				r.Over++
			}
		}
	}
	v, d := vs[:r.N], steps[:r.N-1]
	slices.Sort(v)
	slices.Sort(d)
	r.Step, r.Level, r.At = median(d), median(v), quantile(v, Quantile)
	if r.Level > 0 { // NaN compares false
		r.Roughness = r.Step / r.Level
	}
	return r
}

// quick reports whether the newest QuickPoints of p step by QuickRough
// of their mean or more on average (one pass, no sort).
func quick[P Points](p P) bool {
	n := p.Len()
	if n < QuickPoints {
		return false
	}
	sum, steps, prev := 0.0, 0.0, p.Value(n-QuickPoints)
	for i := n - QuickPoints; i < n; i++ {
		v := p.Value(i)
		sum, steps, prev = sum+v, steps+math.Abs(v-prev), v
	}
	return steps/(QuickPoints-1) >= QuickRough*sum/QuickPoints
}

// Noisy reports whether r is noise on cores allocated: rough enough and
// a step of at least MinStep cores.
func (r Reading) Noisy(cores float64) bool {
	return r.N >= MinPoints && r.Roughness >= Rough && r.Step*cores >= MinStep
}

// Grow is the cores to grow to, what keeps the percentile below up (a
// decrease's floor, scaling.Rules.Need), once Settle has passed since a
// change in the span read and more than Over of the samples since, at least MinOver,
// were at or over up; 0 when not.
func (r Reading) Grow(cores, up float64) int64 {
	if r.Changed && r.Since < Settle || r.Over < MinOver || float64(r.Over) <= Over*float64(r.After) || !(up > 0) {
		return 0
	}
	return int64(min(math.Floor(r.At*cores/up)+1, math.MaxInt32))
}

// Shrink is the cores a decrease goes to, what keeps the percentile
// within target: below the up threshold that grows them back, the room
// between them what keeps the next period's percentile from undoing it;
// cores when there is no target.
func (r Reading) Shrink(cores, target float64) int64 {
	if !(target > 0) {
		return int64(cores)
	}
	return int64(min(math.Ceil(r.At*cores/target), math.MaxInt32))
}

// GrowText says why noisy cores grow: "cpu: 4 of 40 samples since 40m0s
// >= 0.90, p98 3.00 cores busy (noise: a median step 0.51 of the median
// 1.05 cores)".
func (r Reading) GrowText(cores, up float64) string {
	return fmt.Sprintf("cpu: %d of %d samples since %s >= %.2f, p%.0f %.2f cores busy (noise: a median step %.2f of the median %.2f cores)",
		r.Over, r.After, r.Since.Round(time.Second), up, Quantile*100, r.At*cores, r.Roughness, r.Level*cores)
}

// ShrinkText says why noisy cores shrink to to: "cpu: p98 2.21 cores busy
// over 1h0m0s stays within 0.80 of 3 cores (noise: ...)".
func (r Reading) ShrinkText(cores, target float64, to int64) string {
	return fmt.Sprintf("cpu: p%.0f %.2f cores busy over %s stays within %.2f of %d cores (noise: a median step %.2f of the median %.2f cores)",
		Quantile*100, r.At*cores, r.Span, target, to, r.Roughness, r.Level*cores)
}

// median is the middle of sorted s.
func median(s []float64) float64 {
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// quantile is the value below which share q of sorted s lies, linearly
// between its points.
func quantile(s []float64, q float64) float64 {
	x := q * float64(len(s)-1)
	i := int(x)
	if i >= len(s)-1 {
		return s[len(s)-1]
	}
	return s[i] + (x-float64(i))*(s[i+1]-s[i])
}
