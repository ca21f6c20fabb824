package sim

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// noisy is level with uniform relative noise of ±rel, seeded.
func noisy(r *rand.Rand, level, rel float64) float64 {
	return level * (1 + rel*(2*r.Float64()-1))
}

// series builds n points of f(i), the i-th minute.
func series(n int, f func(i int) float64) []float64 {
	d := make([]float64, n)
	for i := range d {
		d[i] = f(i)
	}
	return d
}

// TestSustainedSteps checks the step rule on synthetic minute series
// (lookback 10 points, hold 5): real steps are found where they start and
// end where the demand falls back; noise, a dip, a burst and a ramp are no
// step.
func TestSustainedSteps(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const n = 6 * 60
	tests := []struct {
		name string
		d    []float64
		want [][2]int
	}{
		{"noise of ±40 % around 0.5 cores", series(n, func(int) float64 { return noisy(r, 0.5, 0.4) }), nil},
		// The old rule measured from the previous point: after a dip to
		// 0.1, the next five minutes of ordinary noise were a "step".
		{"a dip in noise", series(n, func(i int) float64 {
			if i == 100 {
				return 0.1
			}
			return noisy(r, 0.5, 0.1)
		}), nil},
		{"0.3 to 1.8 cores with 10 % noise, back after an hour", series(n, func(i int) float64 {
			if i >= 120 && i < 180 {
				return noisy(r, 1.8, 0.1)
			}
			return noisy(r, 0.3, 0.1)
		}), [][2]int{{120, 180}}},
		// The old rule missed it whenever a point of the new level fell
		// below 1.5 x the point before the step (up to 1.1 here).
		{"1.0 to 1.6 cores with 10 % noise", series(n, func(i int) float64 {
			if i >= 200 {
				return noisy(r, 1.6, 0.1)
			}
			return noisy(r, 1.0, 0.1)
		}), [][2]int{{200, n}}},
		{"a 3-minute burst", series(n, func(i int) float64 {
			if i >= 50 && i < 53 {
				return 3
			}
			return 0.3
		}), nil},
		{"a ramp from 0.3 to 3 cores over 6 hours", series(n, func(i int) float64 { return 0.3 + 2.7*float64(i)/n }), nil},
		{"idle noise under the base", series(n, func(i int) float64 { return 0.01 * float64(1+i%3) }), nil},
		{"two steps", series(n, func(i int) float64 {
			switch {
			case i >= 30 && i < 90, i >= 150 && i < 200:
				return 2
			}
			return 0.5
		}), [][2]int{{30, 90}, {150, 200}}},
		{"too close to the end to be held", series(40, func(i int) float64 {
			if i >= 37 {
				return 5
			}
			return 0.5
		}), nil},
	}
	for _, tt := range tests {
		got := sustainedSteps(tt.d, 10, 5, simStepBaseCores)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: steps %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestSlidingExtremes compares the monotone queues with a plain scan.
func TestSlidingExtremes(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	d := series(500, func(int) float64 { return math.Round(r.Float64() * 10) })
	for _, w := range []int{1, 2, 7, 60, 500} {
		hi, lo := windowMax(d, w), windowMin(d, w)
		for i := 0; i+w <= len(d); i++ {
			if want := slices.Max(d[i : i+w]); hi[i] != want {
				t.Fatalf("w %d: max at %d = %v, want %v", w, i, hi[i], want)
			}
			if want := slices.Min(d[i : i+w]); lo[i] != want {
				t.Fatalf("w %d: min at %d = %v, want %v", w, i, lo[i], want)
			}
		}
	}
}

// TestSimulateCountsOOMEpisodesAndDiskWaste: memory demand above the limit
// is one OOM event per episode, however long; disk waste is the free part
// of a filesystem of known size.
func TestSimulateCountsOOMEpisodesAndDiskWaste(t *testing.T) {
	f := func(at time.Duration) (float64, float64) {
		switch {
		case at >= 10*time.Minute && at < 30*time.Minute, at >= 50*time.Minute && at < 51*time.Minute:
			return 0.2, 1500 // over the 1024 MiB limit: two episodes
		}
		return 0.2, 300
	}
	tc := simTrace(101, scaling.Allocation{Cores: 1, MemoryMiB: 1024, DiskBytes: 9 << 30}, time.Hour, time.Minute, f)
	o := simOptions()
	o.Policies = []string{PolicyStatic}
	m := mustSimulate(t, Trace{Containers: []TraceContainer{tc}}, o)[PolicyStatic].Total
	if m.OOMEvents != 2 {
		t.Errorf("%v OOM events, want 2", m.OOMEvents)
	}
	// 8 GiB free (9 GiB, 1 GiB used) for an hour and 10 s: the grid's
	// last point counts for its 10 s too.
	if want := 8 * (time.Hour + 10*time.Second).Hours(); math.Abs(m.WasteDiskGBHours-want) > 1e-9 {
		t.Errorf("disk waste %v GB-h, want %v", m.WasteDiskGBHours, want)
	}
}

// TestSimulateLegacyPhases: a step just before legacy's first-phase check
// is met at once by that phase only; the mean over phases says how long
// the original takes on average.
func TestSimulateLegacyPhases(t *testing.T) {
	f := func(at time.Duration) (float64, float64) {
		if at >= 59*time.Minute+50*time.Second {
			return 1.8, 300
		}
		return 0.4, 300
	}
	tc := simTrace(101, scaling.Allocation{Cores: 1, MemoryMiB: 2048}, 2*time.Hour, 10*time.Second, f)
	o := simOptions()
	o.Policies = []string{PolicyLegacy}
	reaction := func(phases int) float64 {
		o.LegacyPhases = phases
		m := mustSimulate(t, Trace{Containers: []TraceContainer{tc}}, o)[PolicyLegacy].Total
		if m.Steps != 1 {
			t.Fatalf("%d phases: %d steps, want 1", phases, m.Steps)
		}
		return m.ReactionSeconds
	}
	// Phase 0 checks at 60:00, phase 150 s at 62:30, 300 s at 65:00, 450 s
	// at 67:30; each change is measured from the next grid point.
	if got := reaction(1); got != 20 {
		t.Errorf("one phase reacts in %v s, want 20", got)
	}
	if got, want := reaction(4), (20.0+170+320+470)/4; got != want {
		t.Errorf("four phases react in %v s on average, want %v", got, want)
	}
	o.LegacyPhases = 61
	if _, err := Simulate(Trace{Containers: []TraceContainer{tc}}, o); err == nil {
		t.Error("61 legacy phases accepted, want an error naming the range")
	}
}

// TestSimulateStabilizationCountsSamples: on a trace sampled every minute,
// ours with a 10-s interval decides at each new sample, and a 30-s
// stabilisation needs as many samples past the threshold as live (the
// period's four: 0, 10, 20 and 30 s back), not three ticks on one sample.
func TestSimulateStabilizationCountsSamples(t *testing.T) {
	spike := func(samples int) demandFunc {
		return func(at time.Duration) (float64, float64) {
			if at >= 30*time.Minute && at < 30*time.Minute+time.Duration(samples)*time.Minute {
				return 0.95, 300
			}
			return 0.3, 300
		}
	}
	o := simOptions()
	o.Policies = []string{PolicyOurs}
	o.Selection.Default.StabilizationUp = 30 * time.Second
	for _, c := range []struct {
		samples int
		grows   bool
	}{{1, false}, {3, false}, {4, true}} {
		tc := simTrace(101, scaling.Allocation{Cores: 1, MemoryMiB: 2048}, time.Hour, time.Minute, spike(c.samples))
		r := mustSimulate(t, Trace{Containers: []TraceContainer{tc}}, o)[PolicyOurs]
		grew := false
		for _, p := range r.Timeline[101] {
			grew = grew || p.Cores > 1
		}
		if grew != c.grows {
			t.Errorf("%d samples past the threshold: grew %v, want %v", c.samples, grew, c.grows)
		}
	}
}

// TestSimulateRunawayIsNoDemand: a runaway burns every core it is given;
// the controllers see a pinned container, but it starves nothing, and
// what it burns is waste: feeding it cores only adds to that.
func TestSimulateRunawayIsNoDemand(t *testing.T) {
	tc := simTrace(101, scaling.Allocation{Cores: 2, MemoryMiB: 1024}, 2*time.Hour, time.Minute, constant(0.3, 400))
	for i := range tc.Points {
		tc.Points[i].RunawayCores = MaxCores
	}
	o := simOptions()
	o.Policies = []string{PolicyStatic, PolicyLegacy}
	r := mustSimulate(t, Trace{Containers: []TraceContainer{tc}}, o)
	static, legacy := r[PolicyStatic], r[PolicyLegacy]
	hours := (2*time.Hour + 10*time.Second).Hours()
	if s := static.Total; s.StarvationMinutes != 0 || math.Abs(s.WasteCoreHours-1.7*hours) > 1e-9 {
		t.Errorf("static: starved %v min, waste %v core-h; want 0 and %v (the runaway's burn)", s.StarvationMinutes, s.WasteCoreHours, 1.7*hours)
	}
	if got := final(t, legacy, 101).Cores; got != legacyMaxCores {
		t.Errorf("legacy ends with %v cores, want its max %d: it sees a pinned container", got, legacyMaxCores)
	}
	if l := legacy.Total; l.StarvationMinutes != 0 || l.WasteCoreHours <= static.Total.WasteCoreHours {
		t.Errorf("legacy: starved %v min, waste %v core-h; want 0 and more than static's %v", l.StarvationMinutes, l.WasteCoreHours, static.Total.WasteCoreHours)
	}
	tc.Points[3].RunawayCores = -1
	if _, err := Simulate(Trace{Containers: []TraceContainer{tc}}, o); err == nil {
		t.Error("a negative runaway was accepted")
	}
}
