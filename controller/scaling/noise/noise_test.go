package noise

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

// series is n utilisation points a minute apart ending at t0.
type series []float64

func (s series) Len() int             { return len(s) }
func (s series) Time(i int) time.Time { return t0.Add(time.Duration(i-len(s)+1) * time.Minute) }
func (s series) Value(i int) float64  { return s[i] }

// lognormal is an hour of a median m times a fresh lognormal(0, sigma)
// draw a minute, as a utilisation of cores (capped at 1: what a limit
// lets through).
func lognormal(seed uint64, m, sigma, cores float64) series {
	rng := rand.New(rand.NewPCG(seed, 1))
	s := make(series, 61)
	for i := range s {
		s[i] = min(m*math.Exp(sigma*rng.NormFloat64())/cores, 1)
	}
	return s
}

// ar1 is an hour of a level with AR(1) noise (rho 0.9), a web service's.
func ar1(seed uint64, level, sd, cores float64) series {
	rng := rand.New(rand.NewPCG(seed, 2))
	s, n := make(series, 61), 0.0
	for i := range s {
		n = 0.9*n + sd*rng.NormFloat64()
		s[i] = level * (1 + n) / cores
	}
	return s
}

func TestReadTellsNoiseFromRuns(t *testing.T) {
	for seed := range uint64(20) {
		if r := Read(lognormal(seed, 2.2, 0.55, 8), t0, time.Hour, time.Time{}, 0.9); !r.Noisy(8) {
			t.Errorf("seed %d: a lognormal(0, 0.55) a minute reads %+v, not noise", seed, r)
		}
		if r := Read(ar1(seed, 2.2, 0.05, 8), t0, time.Hour, time.Time{}, 0.9); r.Noisy(8) {
			t.Errorf("seed %d: AR(1) noise reads %+v, noise", seed, r)
		}
		// An idle container's jitter is as rough against its level, but
		// not a tenth of a core.
		if r := Read(lognormal(seed, 0.03, 0.55, 2), t0, time.Hour, time.Time{}, 0.9); r.Noisy(2) {
			t.Errorf("seed %d: idle jitter reads %+v, noise", seed, r)
		}
	}
	if r := Read(lognormal(1, 2.2, 0.55, 8)[:MinPoints-1], t0, time.Hour, time.Time{}, 0.9); r.Noisy(8) {
		t.Errorf("%d points read %+v, noise", MinPoints-1, r)
	}
}

// The percentile is read between the sorted points, the share at the up
// threshold over the span's newest only.
func TestReadPercentile(t *testing.T) {
	s := make(series, 100)
	for i, k := range rand.New(rand.NewPCG(3, 3)).Perm(len(s)) {
		s[i] = float64(k) / 100 // 0 to 0.99 in a random order: rough
	}
	over := 0
	for _, v := range s[40:] {
		if v >= 0.9 {
			over++
		}
	}
	r := Read(s, t0, time.Hour, time.Time{}, 0.9)
	if math.Abs(r.At-0.9702) > 1e-9 || math.Abs(r.Level-0.495) > 1e-9 {
		t.Errorf("Read = %+v; want At 0.9702 (p98), Level 0.495", r)
	}
	if r.Over != over || r.After != 60 {
		t.Errorf("Over, After = %d, %d; want %d of the span's 60 at or over 0.9", r.Over, r.After, over)
	}
	// The same values in order step by a hundredth: not read past the
	// newest QuickPoints.
	slices.Sort(s)
	if r := Read(s, t0, time.Hour, time.Time{}, 0.9); r.N != 0 || r.Noisy(8) {
		t.Errorf("sorted: Read = %+v; want nothing read", r)
	}
}

func TestGrowAndShrink(t *testing.T) {
	r := Reading{At: 0.5, Over: 4, After: 40, Since: 40 * time.Minute, Changed: true}
	if got := r.Grow(4, 0.9); got != 3 {
		t.Errorf("Grow = %d; want 3: 2 cores busy stay below 0.9 of 3", got)
	}
	for _, c := range []struct {
		name string
		edit func(*Reading)
	}{
		{"too soon after the change", func(r *Reading) { r.Since = Settle - time.Second }},
		{"fewer than MinOver without a change", func(r *Reading) { r.Over, r.After, r.Changed = MinOver-1, 10, false }},
		{"fewer than MinOver", func(r *Reading) { r.Over, r.After = MinOver-1, 10 }},
		{"not more than Over of the samples", func(r *Reading) { r.Over, r.After = 5, 100 }},
	} {
		g := r
		c.edit(&g)
		if got := g.Grow(4, 0.9); got != 0 {
			t.Errorf("%s: Grow = %d; want 0", c.name, got)
		}
	}
	if got := (Reading{At: 0.25}).Shrink(8, 0.8); got != 3 {
		t.Errorf("Shrink = %d; want 3: 2 cores busy are within 0.8 of 3, not of 2", got)
	}
	if got := (Reading{At: 0.25}).Shrink(8, 0); got != 8 {
		t.Errorf("Shrink without a target = %d; want the cores, 8", got)
	}
}

// Only the samples after the last change count towards the share.
func TestReadSince(t *testing.T) {
	s := make(series, 61)
	for i := range s {
		s[i] = []float64{0.95, 0.3}[i%2]
	}
	r := Read(s, t0, time.Hour, t0.Add(-20*time.Minute), 0.9)
	if r.After != 20 || r.Over != 10 || r.Since != 20*time.Minute {
		t.Errorf("Read since 20 min ago = %+v; want 10 of 20 points over, since 20m", r)
	}
	if !strings.Contains(r.GrowText(4, 0.9), "10 of 20 samples since 20m0s >= 0.90") {
		t.Errorf("GrowText = %q", r.GrowText(4, 0.9))
	}
}

// A span with no change in it grows at once: every sample is of the
// cores now allocated.
func TestGrowWithoutChange(t *testing.T) {
	r := Reading{At: 0.5, Over: 4, After: 40, Since: 10 * time.Minute, Span: 10 * time.Minute}
	if got := r.Grow(4, 0.9); got != 3 {
		t.Errorf("Grow over a span without a change = %d; want 3", got)
	}
	r.Changed = true
	if got := r.Grow(4, 0.9); got != 0 {
		t.Errorf("Grow 10 min after a change = %d; want 0 (Settle)", got)
	}
}
