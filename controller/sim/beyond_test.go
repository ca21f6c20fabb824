package sim

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// TestSimulateStarvationBeyondEveryMax: a disk that fills past ours' max
// (64 GiB in simRules; legacy never grows one) starves the container
// under every policy at the same points; those minutes are counted apart,
// the same for each, and left out of what a policy could have spared.
func TestSimulateStarvationBeyondEveryMax(t *testing.T) {
	const size = 60 << 30
	tc := simTrace(300, scaling.Allocation{Cores: 2, MemoryMiB: 4096, DiskBytes: size}, 2*time.Hour-10*time.Second, 10*time.Second, constant(0.5, 1024))
	for i := range tc.Points {
		at := tc.Points[i].Time.Sub(simStart)
		switch {
		case at >= 90*time.Minute: // past 95 % of 64 GiB: beyond every max
			tc.Points[i].DiskBytes = 63 << 30
		case at >= 30*time.Minute: // past 95 % of the size only: a grown disk serves it
			tc.Points[i].DiskBytes = 58 << 30
		}
	}
	got := mustSimulate(t, Trace{Containers: []TraceContainer{tc}}, simOptions())
	static := got[PolicyStatic].Total
	if static.StarvationMinutes != 90 || static.StarvationBeyondMaxMinutes != 30 || static.Avoidable() != 60 {
		t.Errorf("static: starved %v minutes, %v beyond every max, %v avoidable; want 90, 30, 60",
			static.StarvationMinutes, static.StarvationBeyondMaxMinutes, static.Avoidable())
	}
	sameForEveryPolicy(t, got, "minutes beyond every max", func(m Metrics) float64 { return m.StarvationBeyondMaxMinutes }, 30)
	if ours := got[PolicyOurs].Total; !(ours.Avoidable() < static.Avoidable()) {
		t.Errorf("ours spared nothing within the max: %v avoidable minutes, static %v", ours.Avoidable(), static.Avoidable())
	}
}

// TestCeilingIsEveryPolicysMost: the ceiling is, per resource, the most
// of the initial allocation, legacy's max and ours' (when ours manages
// the resource and the container).
func TestCeilingIsEveryPolicysMost(t *testing.T) {
	o := simOptions()
	tc := &TraceContainer{VMID: 100, Initial: scaling.Allocation{Cores: 2, MemoryMiB: 16384, DiskBytes: 8 << 30}}
	want := scaling.Allocation{Cores: legacyMaxCores, MemoryMiB: 16384, DiskBytes: 64 << 30}
	if got := ceiling(tc, o); got != want {
		t.Errorf("ceiling = %+v, want %+v", got, want)
	}
	o.Selection.Default.CPU.Max = 12
	o.Selection.Default.Disk.Enabled = false
	want = scaling.Allocation{Cores: 12, MemoryMiB: 16384, DiskBytes: 8 << 30}
	if got := ceiling(tc, o); got != want {
		t.Errorf("ours' 12 cores, disk off: ceiling = %+v, want %+v", got, want)
	}
	o.Selection.Ignore = []int{100}
	want = scaling.Allocation{Cores: legacyMaxCores, MemoryMiB: 16384, DiskBytes: 8 << 30}
	if got := ceiling(tc, o); got != want {
		t.Errorf("ignored by ours: ceiling = %+v, want %+v", got, want)
	}
}

// TestQualitySetGoalsWithinTheMaxes: starvation beyond every max and OOM
// episodes at the first sample are left out of both sides of their
// ratios, and the line says how much, with the ratio it would have been.
func TestQualitySetGoalsWithinTheMaxes(t *testing.T) {
	q := Comparison{Interval: 10 * time.Second,
		Legacy: Metrics{StarvationMinutes: 2000, StarvationBeyondMaxMinutes: 1000, OOMEvents: 20, OOMEventsAtStart: 10, WasteCoreHours: 1, WasteGBHours: 1, Actions: 10},
		Ours:   Metrics{StarvationMinutes: 1050, StarvationBeyondMaxMinutes: 1000, OOMEvents: 11, OOMEventsAtStart: 10, WasteCoreHours: 0.5, WasteGBHours: 0.5, Actions: 1}}
	goals, met := q.SetGoals()
	if want := "starved 0.050 x (<= 0.1) within the maxes, 0.525 x with the 1000 container-min beyond them"; goals[0] != want || !met[0] {
		t.Errorf("starved goal = %q, met %v; want %q, met", goals[0], met[0], want)
	}
	if want := "OOM events 0.100 x (<= 0.2) after the first sample, 0.550 x with the 10 at it"; goals[1] != want || !met[1] {
		t.Errorf("OOM goal = %q, met %v; want %q, met", goals[1], met[1], want)
	}
	if r, ok := q.StarvationReduction(); !ok || r != 0.95 {
		t.Errorf("StarvationReduction = %v, %v; want 0.95 within the maxes", r, ok)
	}
	if m := q.Misses(); !reflect.DeepEqual(m, []string(nil)) {
		t.Errorf("Misses = %q, want none", m)
	}
}

// TestSimulateOOMEventsAtStart: memory demand over the initial limit at a
// container's first point is one episode under every policy (no policy has
// acted yet), counted apart and left out of what a policy could have
// spared; an episode that begins later is not. The second container's
// first point is half an hour into the trace: the first point is each
// container's own.
func TestSimulateOOMEventsAtStart(t *testing.T) {
	overAtStart := func(at time.Duration) (float64, float64) {
		switch {
		case at < 5*time.Minute:
			return 0.5, 1500 // over the 1024 MiB limit from the first point
		case at >= 90*time.Minute && at < 95*time.Minute:
			return 0.5, 1500 // over it again, an hour and a half in
		}
		return 0.5, 400
	}
	initial := scaling.Allocation{Cores: 2, MemoryMiB: 1024, DiskBytes: 8 << 30}
	first := simTrace(300, initial, 2*time.Hour, 10*time.Second, overAtStart)
	late := simTrace(301, initial, 80*time.Minute, 10*time.Second, overAtStart)
	for i := range late.Points {
		late.Points[i].Time = late.Points[i].Time.Add(30 * time.Minute)
	}
	got := mustSimulate(t, Trace{Containers: []TraceContainer{first, late}}, simOptions())
	static := got[PolicyStatic].Total
	if static.OOMEvents != 3 || static.OOMEventsAtStart != 2 || static.AvoidableOOMEvents() != 1 {
		t.Errorf("static: %v OOM events, %v at the first point, %v avoidable; want 3, 2, 1",
			static.OOMEvents, static.OOMEventsAtStart, static.AvoidableOOMEvents())
	}
	sameForEveryPolicy(t, got, "OOM events at the first point", func(m Metrics) float64 { return m.OOMEventsAtStart }, 2)
}

// sameForEveryPolicy checks that metric is want in every policy's total:
// what no decision moves.
func sameForEveryPolicy(t *testing.T, got map[string]PolicyResult, name string, metric func(Metrics) float64, want float64) {
	t.Helper()
	for _, p := range Policies() {
		if v := metric(got[p].Total); v != want {
			t.Errorf("%s: %s %v, want the same %v as every policy", p, name, v, want)
		}
	}
}

// TestSimulateStepsBeyondEveryMax: a job's memory past every policy's max
// (8 GiB here) is a step no policy meets: counted apart under each, and
// not timed, where static's "reaction" was the whole job. A step whose
// first minutes are past the most cores any policy may give is timed
// from the first point within it.
func TestSimulateStepsBeyondEveryMax(t *testing.T) {
	job := func(at time.Duration) (float64, float64) {
		if at >= 65*time.Minute && at < 95*time.Minute {
			return 0.5, 9000
		}
		return 0.5, 600
	}
	tr := Trace{Containers: []TraceContainer{simTrace(101, scaling.Allocation{Cores: 1, MemoryMiB: 1024}, 2*time.Hour, 10*time.Second, job)}}
	got := mustSimulate(t, tr, simOptions())
	sameForEveryPolicy(t, got, "steps", func(m Metrics) float64 { return float64(m.Steps) }, 1)
	sameForEveryPolicy(t, got, "steps beyond every max", func(m Metrics) float64 { return float64(m.StepsBeyondMax) }, 1)
	for _, p := range Policies() {
		if m := got[p].Total; m.TimedSteps() != 0 || !math.IsNaN(m.ReactionSeconds) || !math.IsNaN(m.ReactionMaxSeconds) {
			t.Errorf("%s: %d timed steps, reactions %v s, worst %v s; want none", p, m.TimedSteps(), m.ReactionSeconds, m.ReactionMaxSeconds)
		}
	}

	const burst = 2 * time.Minute // past the ceiling of 4 cores
	surge := func(at time.Duration) (float64, float64) {
		switch {
		case at < 65*time.Minute:
			return 0.5, 600
		case at < 65*time.Minute+burst:
			return 6, 600
		}
		return 3, 600
	}
	length := 2 * time.Hour
	tr = Trace{Containers: []TraceContainer{simTrace(102, scaling.Allocation{Cores: 1, MemoryMiB: 1024}, length, 10*time.Second, surge)}}
	got = mustSimulate(t, tr, simOptions())
	sameForEveryPolicy(t, got, "steps beyond every max", func(m Metrics) float64 { return float64(m.StepsBeyondMax) }, 0)
	// static's 1 core never covers 3: timed from the burst's end, when 4
	// cores would, to the end of the trace.
	if static, want := got[PolicyStatic].Total, (length + 10*time.Second - 65*time.Minute - burst).Seconds(); static.Steps != 1 || static.ReactionSeconds != want {
		t.Errorf("static: %d steps, reaction %v s; want 1, %v", static.Steps, static.ReactionSeconds, want)
	}
}

// TestAddMetricsAveragesTimedSteps: a step beyond every max weighs
// nothing in the mean reaction, and a set of such steps alone has none.
func TestAddMetricsAveragesTimedSteps(t *testing.T) {
	a := Metrics{Steps: 2, StepsBeyondMax: 1, ReactionSeconds: 10, ReactionMaxSeconds: 10}
	b := Metrics{Steps: 1, ReactionSeconds: 40, ReactionMaxSeconds: 40}
	if got := AddMetrics(a, b); got.Steps != 3 || got.StepsBeyondMax != 1 || got.ReactionSeconds != 25 || got.ReactionMaxSeconds != 40 {
		t.Errorf("AddMetrics = %d steps, %d beyond, mean %v, worst %v; want 3, 1, 25, 40", got.Steps, got.StepsBeyondMax, got.ReactionSeconds, got.ReactionMaxSeconds)
	}
	beyond := Metrics{Steps: 1, StepsBeyondMax: 1, ReactionSeconds: math.NaN(), ReactionMaxSeconds: math.NaN()}
	if got := AddMetrics(beyond, Metrics{ReactionSeconds: math.NaN(), ReactionMaxSeconds: math.NaN()}); got.TimedSteps() != 0 || !math.IsNaN(got.ReactionSeconds) || !math.IsNaN(got.ReactionMaxSeconds) {
		t.Errorf("AddMetrics of steps beyond every max alone = mean %v, worst %v; want NaN, NaN", got.ReactionSeconds, got.ReactionMaxSeconds)
	}
}
