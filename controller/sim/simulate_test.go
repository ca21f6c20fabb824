package sim

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/policies"
)

// simStart is where every test trace begins.
var simStart = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

// simRules are the shipped defaults, enforced.
func simRules() scaling.Rules {
	return scaling.Rules{
		Mode:              scaling.ModeEnforce,
		CPU:               scaling.CPURules{Enabled: true, Up: 0.75, Down: 0.30, Step: 1, Min: 1, Max: 4},
		Memory:            scaling.MemoryRules{Enabled: true, Up: 0.75, Down: 0.30, Step: 512 * mib, Min: 512 * mib, Max: 8192 * mib, Margin: 256 * mib},
		Disk:              scaling.DiskRules{Enabled: true, Threshold: 0.85, Step: 2 << 30, Max: 64 << 30},
		CooldownUp:        3 * time.Minute,
		CooldownDown:      15 * time.Minute,
		StabilizationUp:   time.Minute,
		StabilizationDown: 10 * time.Minute,
	}
}

func simOptions() Options {
	return Options{Interval: 10 * time.Second, Window: time.Hour, Selection: policies.Selection{Default: simRules()}, Timeline: true}
}

// demandFunc is a container's demand at an offset from the start: cores
// and memory MiB.
type demandFunc func(at time.Duration) (cores, memMiB float64)

// simTrace builds a container sampled every step for length.
func simTrace(vmid int, initial scaling.Allocation, length, step time.Duration, f demandFunc) TraceContainer {
	tc := TraceContainer{VMID: vmid, Name: fmt.Sprintf("ct%d", vmid), Initial: initial}
	for at := time.Duration(0); at <= length; at += step {
		cores, mem := f(at)
		tc.Points = append(tc.Points, TracePoint{
			Time: simStart.Add(at), CPUCores: cores, MemoryBytes: uint64(mem * mib), DiskBytes: 1 << 30,
		})
	}
	return tc
}

func constant(cores, memMiB float64) demandFunc {
	return func(time.Duration) (float64, float64) { return cores, memMiB }
}

// byPolicy indexes results and checks that they come in the asked order.
func byPolicy(t *testing.T, res []PolicyResult, want []string) map[string]PolicyResult {
	t.Helper()
	if len(res) != len(want) {
		t.Fatalf("got %d results, want %d (%v)", len(res), len(want), want)
	}
	out := map[string]PolicyResult{}
	for i, r := range res {
		if r.Policy != want[i] {
			t.Fatalf("result %d is %q, want %q", i, r.Policy, want[i])
		}
		out[r.Policy] = r
	}
	return out
}

// final is the allocation a policy left the container with.
func final(t *testing.T, r PolicyResult, vmid int) TimelinePoint {
	t.Helper()
	tl := r.Timeline[vmid]
	if len(tl) == 0 {
		t.Fatalf("%s: no timeline for %d", r.Policy, vmid)
	}
	return tl[len(tl)-1]
}

func mustSimulate(t *testing.T, tr Trace, o Options) map[string]PolicyResult {
	t.Helper()
	res, err := Simulate(tr, o)
	if err != nil {
		t.Fatal(err)
	}
	want := o.Policies
	if len(want) == 0 {
		want = Policies()
	}
	return byPolicy(t, res, want)
}

func TestSimulateIdleContainer(t *testing.T) {
	const vmid = 101
	tr := Trace{Containers: []TraceContainer{
		simTrace(vmid, scaling.Allocation{Cores: 4, MemoryMiB: 4096, DiskBytes: 8 << 30}, 3*time.Hour, 10*time.Second, constant(0.05, 100)),
	}}
	r := mustSimulate(t, tr, simOptions())

	// 3 h and one grid point: every point is measured, the last included.
	hours := (3*time.Hour + 10*time.Second).Hours()
	static := r[PolicyStatic].Total
	if static.Actions != 0 || static.StarvationMinutes != 0 {
		t.Errorf("static: %+v, want no action and no starvation", static)
	}
	if want := (4 - 0.05) * hours; math.Abs(static.WasteCoreHours-want) > 1e-9 {
		t.Errorf("static wastes %.6f core-hours, want %.6f", static.WasteCoreHours, want)
	}
	if want := (4096.0 - 100) / 1024 * hours; math.Abs(static.WasteGBHours-want) > 1e-9 {
		t.Errorf("static wastes %.6f GB-hours, want %.6f", static.WasteGBHours, want)
	}
	if !math.IsNaN(static.ReactionSeconds) {
		t.Errorf("reaction %v without a step, want NaN", static.ReactionSeconds)
	}

	for _, c := range []struct {
		policy       string
		cores, memMi float64
	}{
		{PolicyOurs, 1, 512},    // the rules' minimums: the memory floor (100 + 256 MiB) is below 512
		{PolicyLegacy, 2, 1024}, // the original's global minimums
		{PolicyStatic, 4, 4096}, // untouched
	} {
		got := final(t, r[c.policy], vmid)
		if got.Cores != c.cores || got.MemMiB != c.memMi {
			t.Errorf("%s ends with %g cores and %g MiB, want %g and %g", c.policy, got.Cores, got.MemMiB, c.cores, c.memMi)
		}
		if m := r[c.policy].Total; m.Flaps != 0 {
			t.Errorf("%s flapped %v times on an idle container", c.policy, m.Flaps)
		}
	}
	ours, legacy := r[PolicyOurs].Total, r[PolicyLegacy].Total
	if !(ours.WasteCoreHours < legacy.WasteCoreHours && legacy.WasteCoreHours < static.WasteCoreHours) {
		t.Errorf("core waste: ours %.2f, legacy %.2f, static %.2f: want ours < legacy < static",
			ours.WasteCoreHours, legacy.WasteCoreHours, static.WasteCoreHours)
	}
	// ours: 4 -> 1 cores and 4096 -> 512 MiB, one step per 15-minute
	// cooldown; legacy: 4 -> 2 and 4096 -> 1024, one step per cycle.
	if ours.Actions != 3+7 || legacy.Actions != 2+6 {
		t.Errorf("actions: ours %v, legacy %v, want 10 and 8", ours.Actions, legacy.Actions)
	}
	if want := float64(ours.Actions) / (hours / 24); math.Abs(ours.ActionsPerDay-want) > 1e-9 {
		t.Errorf("ours: %.3f actions per day, want %.3f", ours.ActionsPerDay, want)
	}
}

func TestSimulateStarvationIsMeasured(t *testing.T) {
	// Half an hour short of cores, then half an hour at exactly 95 %.
	f := func(at time.Duration) (float64, float64) {
		if at < 30*time.Minute {
			return 2.5, 512
		}
		return 1.9, 512
	}
	tr := Trace{Containers: []TraceContainer{
		simTrace(200, scaling.Allocation{Cores: 2, MemoryMiB: 4096}, time.Hour-10*time.Second, 10*time.Second, f),
	}}
	o := simOptions()
	o.Policies = []string{PolicyStatic}
	got := mustSimulate(t, tr, o)[PolicyStatic].Total
	if got.StarvationMinutes != 60 {
		t.Errorf("starvation %v minutes, want 60", got.StarvationMinutes)
	}
	if want := 0.1 * 0.5; math.Abs(got.WasteCoreHours-want) > 1e-9 {
		t.Errorf("waste %v core-hours, want %v (none while short, 0.1 core for half an hour)", got.WasteCoreHours, want)
	}
}

// TestSimulateFullDiskStarves: a root filesystem at or past 95 % of its
// known size starves the container, however idle its cores and memory;
// one of unknown size (0) is never measured.
func TestSimulateFullDiskStarves(t *testing.T) {
	for _, c := range []struct {
		name      string
		size      uint64
		wantStarv float64
	}{
		{"96 % of 10 GiB for the second half hour", 10 << 30, 30},
		{"size unknown", 0, 0},
	} {
		tc := simTrace(200, scaling.Allocation{Cores: 2, MemoryMiB: 4096, DiskBytes: c.size}, time.Hour-10*time.Second, 10*time.Second, constant(0.5, 1024))
		for i := range tc.Points {
			if tc.Points[i].Time.Sub(simStart) >= 30*time.Minute {
				tc.Points[i].DiskBytes = 96 * (10 << 30) / 100
			}
		}
		o := simOptions()
		o.Policies = []string{PolicyStatic}
		got := mustSimulate(t, Trace{Containers: []TraceContainer{tc}}, o)[PolicyStatic].Total
		if got.StarvationMinutes != c.wantStarv {
			t.Errorf("%s: starvation %v minutes, want %v", c.name, got.StarvationMinutes, c.wantStarv)
		}
	}
}

func TestSimulateStepIncrease(t *testing.T) {
	const vmid = 102
	// Five minutes after a cycle of the original, so that it waits.
	step := 65 * time.Minute
	f := func(at time.Duration) (float64, float64) {
		if at < step {
			return 0.5, 600
		}
		return 1.8, 600
	}
	tr := Trace{Containers: []TraceContainer{
		simTrace(vmid, scaling.Allocation{Cores: 1, MemoryMiB: 1024}, 2*time.Hour, 10*time.Second, f),
	}}
	o := simOptions()
	r := mustSimulate(t, tr, o)
	ours, legacy, static := r[PolicyOurs].Total, r[PolicyLegacy].Total, r[PolicyStatic].Total

	// ours: the stabilisation, the tick that sees it through, and the grid
	// point at which the new allocation is first measured.
	rules := o.Selection.Default
	if max := (rules.StabilizationUp + 2*o.Interval).Seconds(); !(ours.ReactionSeconds > 0 && ours.ReactionSeconds <= max) {
		t.Errorf("ours reacts in %v s, want within (0, %v]", ours.ReactionSeconds, max)
	}
	if !(legacy.ReactionSeconds > 0 && legacy.ReactionSeconds <= legacyInterval.Seconds()) {
		t.Errorf("legacy reacts in %v s, want within one 600-s cycle", legacy.ReactionSeconds)
	}
	// static never covers it: the step counts until the trace ends.
	if want := (2*time.Hour + 10*time.Second - step).Seconds(); static.ReactionSeconds != want {
		t.Errorf("static reacts in %v s, want %v (never)", static.ReactionSeconds, want)
	}
	if !(ours.StarvationMinutes < legacy.StarvationMinutes && legacy.StarvationMinutes < static.StarvationMinutes) {
		t.Errorf("starvation: ours %v, legacy %v, static %v: want ours < legacy < static",
			ours.StarvationMinutes, legacy.StarvationMinutes, static.StarvationMinutes)
	}
	if got := final(t, r[PolicyOurs], vmid).Cores; got < 2 {
		t.Errorf("ours ends with %g cores, want at least 2", got)
	}
}

func TestSimulateOscillationDoesNotFlap(t *testing.T) {
	const vmid = 103
	// 1.8 cores for 10 minutes, 0.2 for 10 minutes, starting in the low
	// phase: the original's 600-s cycle sees high and low in turn.
	f := func(at time.Duration) (float64, float64) {
		if phase := at % (20 * time.Minute); phase >= 5*time.Minute && phase < 15*time.Minute {
			return 1.8, 700
		}
		return 0.2, 700
	}
	tr := Trace{Containers: []TraceContainer{
		simTrace(vmid, scaling.Allocation{Cores: 2, MemoryMiB: 1024}, 6*time.Hour, 10*time.Second, f),
	}}
	r := mustSimulate(t, tr, simOptions())
	ours, legacy := r[PolicyOurs].Total, r[PolicyLegacy].Total
	if ours.Flaps != 0 {
		t.Errorf("ours flapped %v times", ours.Flaps)
	}
	if ours.Actions == 0 {
		t.Errorf("ours never scaled up for the 1.8-core phases")
	}
	if legacy.Flaps < 10 {
		t.Errorf("legacy flapped %v times; the trace is built to make it flap every cycle", legacy.Flaps)
	}
	if ours.Actions*2 > legacy.Actions {
		t.Errorf("ours made %v changes, legacy %v: want at most half", ours.Actions, legacy.Actions)
	}
}

func TestSimulateMemoryLeakReachesTheMax(t *testing.T) {
	const vmid = 104
	// From 400 MiB to 12 GiB over 12 hours.
	f := func(at time.Duration) (float64, float64) {
		return 0.5, 400 + (12*1024-400)*at.Hours()/12
	}
	tr := Trace{Containers: []TraceContainer{
		simTrace(vmid, scaling.Allocation{Cores: 1, MemoryMiB: 1024}, 12*time.Hour, 10*time.Second, f),
	}}
	r := mustSimulate(t, tr, simOptions())
	for _, p := range []string{PolicyOurs, PolicyLegacy} {
		if got := final(t, r[p], vmid).MemMiB; got != 8192 {
			t.Errorf("%s ends with %g MiB, want the max 8192", p, got)
		}
		if got := r[p].Total.Flaps; got != 0 {
			t.Errorf("%s flapped %v times following a leak", p, got)
		}
		for _, tp := range r[p].Timeline[vmid] {
			if tp.MemMiB > 8192 {
				t.Fatalf("%s gave %g MiB at %s, past the max", p, tp.MemMiB, tp.Time)
			}
		}
	}
	ours, legacy := r[PolicyOurs].Total, r[PolicyLegacy].Total
	if ours.StarvationMinutes > legacy.StarvationMinutes {
		t.Errorf("starvation: ours %v, legacy %v: want ours <= legacy", ours.StarvationMinutes, legacy.StarvationMinutes)
	}
	// Past 8 GiB of demand every policy starves: about 3.9 of the 12 hours.
	if ours.StarvationMinutes < 3.5*60 {
		t.Errorf("ours starved %v minutes, want the demand past the max counted", ours.StarvationMinutes)
	}
}

// modelOptions is a small forest, so that tests that train it stay fast.
func modelOptions() engine.ModelOptions {
	return engine.ModelOptions{
		Enabled: true, RetrainInterval: 10 * time.Minute, Trees: 20, SampleSize: 64,
		Seed: 7, TrainingWindow: time.Hour, Threshold: 0.65,
	}
}

// mixedTrace is a few containers of different shapes, for the tests that
// run the model.
func mixedTrace(length time.Duration) Trace {
	alloc := scaling.Allocation{Cores: 2, MemoryMiB: 2048, DiskBytes: 4 << 30}
	return Trace{Containers: []TraceContainer{
		simTrace(110, alloc, length, 10*time.Second, constant(0.3, 500)),
		simTrace(111, alloc, length, 10*time.Second, func(at time.Duration) (float64, float64) {
			return 1 + 0.9*math.Sin(at.Hours()*2*math.Pi), 900 + 400*math.Cos(at.Hours()*math.Pi)
		}),
		simTrace(112, alloc, length, 10*time.Second, func(at time.Duration) (float64, float64) {
			if at > 40*time.Minute && at < 55*time.Minute {
				return 3.5, 1900
			}
			return 0.4, 600
		}),
	}}
}

func TestSimulateIsDeterministic(t *testing.T) {
	o := simOptions()
	o.Model = modelOptions()
	tr := mixedTrace(2 * time.Hour)
	first, err := Simulate(tr, o)
	if err != nil {
		t.Fatal(err)
	}
	second, err := Simulate(tr, o)
	if err != nil {
		t.Fatal(err)
	}
	// %v, not reflect.DeepEqual: NaN reaction times are equal results.
	a, b := fmt.Sprintf("%+v", first), fmt.Sprintf("%+v", second)
	if a != b {
		t.Errorf("two runs of the same trace differ:\n%s\n%s", a, b)
	}
}

func TestSimulateOursTrainsAndScoresTheModel(t *testing.T) {
	o, err := simOptions().withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	o.Model = modelOptions()
	tr := mixedTrace(time.Hour)
	g, err := newSimGrid(tr)
	if err != nil {
		t.Fatal(err)
	}
	p := newOursPolicy(o, g.interval(o.Interval))
	if _, err := g.run(PolicyOurs, p, false); err != nil {
		t.Fatal(err)
	}
	trained, at := p.replay.Model()
	if !trained {
		t.Fatal("no model after an hour of history")
	}
	// Trained at the first tick (three containers make three rows), then
	// every 10 minutes of simulated time: last at the trace's end.
	if want := simStart.Add(time.Hour); !at.Equal(want) {
		t.Errorf("last trained at %s, want %s", at, want)
	}
	for _, c := range tr.Containers {
		if score, ok := p.replay.Score(c.VMID); !ok || math.IsNaN(score) || score <= 0 || score > 1 {
			t.Errorf("container %d scored %v", c.VMID, score)
		}
	}
}

func TestSimulateRejectsBadInput(t *testing.T) {
	good := simTrace(100, scaling.Allocation{Cores: 1, MemoryMiB: 512}, time.Minute, 10*time.Second, constant(0.1, 100))
	unordered := good
	unordered.Points = []TracePoint{good.Points[1], good.Points[0]}
	noCores := good
	noCores.Initial.Cores = 0
	negative := simTrace(100, scaling.Allocation{Cores: 1, MemoryMiB: 512}, time.Minute, 10*time.Second, constant(-1, 100))
	for _, c := range []struct {
		name string
		tr   Trace
		o    Options
		want string
	}{
		{"empty trace", Trace{}, Options{}, "the trace has no container"},
		{"container without points", Trace{Containers: []TraceContainer{{VMID: 100, Initial: good.Initial}}}, Options{}, "container 100 has no point"},
		{"points out of order", Trace{Containers: []TraceContainer{unordered}}, Options{}, "is not after the previous one"},
		{"duplicate container", Trace{Containers: []TraceContainer{good, good}}, Options{}, "appears twice"},
		{"no cores", Trace{Containers: []TraceContainer{noCores}}, Options{}, "initial cores 0"},
		{"negative demand", Trace{Containers: []TraceContainer{negative}}, Options{}, "want finite values >= 0"},
		{"unknown policy", Trace{Containers: []TraceContainer{good}}, Options{Policies: []string{"hpa"}}, `unknown policy "hpa"`},
		{"window below the interval", Trace{Containers: []TraceContainer{good}}, Options{Interval: time.Minute, Window: time.Second}, "want 1s <= interval <= window"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := Simulate(c.tr, c.o)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Simulate = %v, %v; want an error containing %q", res, err, c.want)
			}
		})
	}
}

func TestSimulateMeasuresEveryPolicyOnTheTraceGrid(t *testing.T) {
	// A trace sampled every minute is measured every 10 s; one sampled
	// every 5 s, every 5 s.
	for _, c := range []struct {
		sample, grid time.Duration
	}{{time.Minute, 10 * time.Second}, {5 * time.Second, 5 * time.Second}} {
		tr := Trace{Containers: []TraceContainer{
			simTrace(100, scaling.Allocation{Cores: 1, MemoryMiB: 1024}, 10*time.Minute, c.sample, constant(0.5, 600)),
		}}
		r := mustSimulate(t, tr, simOptions())
		for _, p := range Policies() {
			tl := r[p].Timeline[100]
			if want := int(10*time.Minute/c.grid) + 1; len(tl) != want {
				t.Errorf("sampled every %s, %s: %d points, want %d", c.sample, p, len(tl), want)
			}
			if got := tl[1].Time.Sub(tl[0].Time); got != c.grid {
				t.Errorf("sampled every %s, %s: grid %s, want %s", c.sample, p, got, c.grid)
			}
		}
	}
}

// BenchmarkSimulateDay simulates a day of the mixed trace with the
// default forest (100 trees of 256 rows, retrained every 30 minutes, as
// config.Default), and reports container-days simulated per second: per
// CPU-second with -cpu 1 on an idle machine (the goal is 30 or more).
func BenchmarkSimulateDay(b *testing.B) {
	o := simOptions()
	o.Timeline = false
	o.Model = modelOptions()
	o.Model.Trees, o.Model.SampleSize, o.Model.RetrainInterval = 100, 256, 30*time.Minute
	tr := mixedTrace(24 * time.Hour)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Simulate(tr, o); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(tr.Containers))/b.Elapsed().Seconds(), "container-days/s")
}

func TestSimulateOursSelectionModeAndNode(t *testing.T) {
	busy := func(vmid int) TraceContainer {
		return simTrace(vmid, scaling.Allocation{Cores: 2, MemoryMiB: 1024}, time.Hour, 10*time.Second, constant(3.5, 300))
	}
	capped := simRules()
	capped.CPU.Max = 3
	for _, c := range []struct {
		name  string
		edit  func(o *Options)
		cores map[int]float64 // final cores per VMID
	}{
		{"default rules", func(*Options) {}, map[int]float64{301: 4, 302: 4}},
		// A recommendation takes no room in the guard: simulated as one,
		// both containers would grow into the same free core.
		{"recommend mode is simulated as enforce", func(o *Options) {
			o.Selection.Default.Mode = scaling.ModeRecommend
			o.Node = scaling.NodeCapacity{Node: "small", CPUs: 5, MemoryBytes: 64 << 30}
		}, map[int]float64{301: 3, 302: 2}},
		{"a policy selected by vmid", func(o *Options) {
			o.Selection.Policies = []policies.Policy{{Name: "capped", Match: policies.Match{VMIDs: []int{302}}, Rules: capped}}
		}, map[int]float64{301: 4, 302: 3}},
		{"an ignored container is left alone", func(o *Options) { o.Selection.Ignore = []int{301} }, map[int]float64{301: 2, 302: 4}},
		{"the node's room bounds the increases", func(o *Options) {
			o.Node = scaling.NodeCapacity{Node: "small", CPUs: 5, MemoryBytes: 64 << 30}
		}, map[int]float64{301: 3, 302: 2}},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := simOptions()
			o.Policies = []string{PolicyOurs}
			c.edit(&o)
			r := mustSimulate(t, Trace{Containers: []TraceContainer{busy(301), busy(302)}}, o)[PolicyOurs]
			for vmid, want := range c.cores {
				if got := final(t, r, vmid).Cores; got != want {
					t.Errorf("container %d ends with %g cores, want %g", vmid, got, want)
				}
			}
		})
	}
}

// TestSimulatePressureReachesTheModel: a trace's PSI reaches ours' model
// (the simulator once set it to NaN): the same trace scores differently
// with and without it, and a pressure out of range is refused.
func TestSimulatePressureReachesTheModel(t *testing.T) {
	o, err := simOptions().withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	o.Model = modelOptions()
	scores := func(psi float64) float64 {
		t.Helper()
		tr := mixedTrace(time.Hour)
		for i := range tr.Containers[0].Points {
			tr.Containers[0].Points[i].PressureMemory = psi
		}
		g, err := newSimGrid(tr)
		if err != nil {
			t.Fatal(err)
		}
		p := newOursPolicy(o, g.interval(o.Interval))
		if _, err := g.run(PolicyOurs, p, false); err != nil {
			t.Fatal(err)
		}
		score, _ := p.replay.Score(tr.Containers[0].VMID)
		return score
	}
	if without, with := scores(0), scores(60); without == with {
		t.Errorf("score %v with and without memory pressure: the trace's PSI did not reach the model", with)
	}

	tr := mixedTrace(time.Hour)
	tr.Containers[0].Points[3].PressureIO = 101
	if _, err := Simulate(tr, o); err == nil || !strings.Contains(err.Error(), "pressure 101") {
		t.Errorf("Simulate with pressure 101 = %v; want an error naming it", err)
	}
}

// A gap in a container's trace (stopped, or not collected) gives no
// policy anything to act on: its latest point, repeated, is no sample.
// Two days on 2 cores at 1-minute samples of 0.35, 0.5 and 0.65 cores in
// turn (a third of the cores at most: no decrease below the 30 % line),
// then nothing for four hours after a 0.5-core minute, then the same
// again: the gap's repeated 0.5 would read as four hours at 25 %, which
// ours would shrink after its stabilisation. Ours changes nothing, and
// the gap is measured at the latest point, as for every policy.
func TestSimulateGapIsNotObserved(t *testing.T) {
	const vmid = 104
	busy := func(at time.Duration) (float64, float64) {
		return 0.35 + 0.15*float64(at/time.Minute%3), 700
	}
	const days = 48*time.Hour + time.Minute
	before := simTrace(vmid, scaling.Allocation{Cores: 2, MemoryMiB: 1024}, days, time.Minute, busy)
	after := simTrace(vmid, scaling.Allocation{}, time.Hour, time.Minute, busy)
	tc := before
	for _, p := range after.Points {
		p.Time = p.Time.Add(days + 4*time.Hour)
		tc.Points = append(tc.Points, p)
	}
	if last := tc.Points[len(before.Points)-1]; last.CPUCores != 0.5 {
		t.Fatalf("the point before the gap uses %g cores, want 0.5", last.CPUCores)
	}
	o := simOptions()
	o.Policies = []string{PolicyStatic, PolicyOurs}
	r := mustSimulate(t, Trace{Containers: []TraceContainer{tc}}, o)
	ours, static := r[PolicyOurs].Total, r[PolicyStatic].Total
	if ours.Actions != 0 {
		t.Errorf("ours made %v changes; the gap showed nothing new", ours.Actions)
	}
	// 2 cores held: 1.5 idle on average, the gap's four hours too.
	if want := (48 + 1 + 4) * 1.5; math.Abs(ours.WasteCoreHours-want) > 0.1 || ours.WasteCoreHours != static.WasteCoreHours {
		t.Errorf("ours wasted %.2f core-h, static %.2f, want %.2f: the gap measured at its latest point", ours.WasteCoreHours, static.WasteCoreHours, want)
	}
}

// A container sampled every five minutes in a trace of one-minute samples
// is not in a gap between its samples: each container's points go stale
// after twice its own typical gap; a single point never does.
func TestStaleAfterIsEachContainers(t *testing.T) {
	alloc := scaling.Allocation{Cores: 2, MemoryMiB: 1024}
	one := TraceContainer{VMID: 300, Initial: alloc, Points: []TracePoint{{Time: simStart, CPUCores: 1}}}
	g, err := newSimGrid(Trace{Containers: []TraceContainer{
		simTrace(100, alloc, time.Hour, time.Minute, constant(1, 500)),
		simTrace(200, alloc, time.Hour, 5*time.Minute, constant(1, 500)),
		one,
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]time.Duration{100: 2 * time.Minute, 200: 10 * time.Minute, 300: 0}
	for _, c := range g.cs {
		if c.staleAfter != want[c.tc.VMID] {
			t.Errorf("container %d: stale after %s, want %s", c.tc.VMID, c.staleAfter, want[c.tc.VMID])
		}
	}
}

// Gaps counts the containers with gaps and the time past each one's own
// staleAfter: a five-minute container among one-minute ones has none,
// a four-hour stop counts four hours less two minutes.
func TestGaps(t *testing.T) {
	alloc := scaling.Allocation{Cores: 2, MemoryMiB: 1024}
	stopped := simTrace(100, alloc, 2*time.Hour, time.Minute, constant(1, 500))
	for i := range stopped.Points {
		if i > 60 {
			stopped.Points[i].Time = stopped.Points[i].Time.Add(4 * time.Hour)
		}
	}
	n, d := Gaps(Trace{Containers: []TraceContainer{
		stopped,
		simTrace(200, alloc, 6*time.Hour, 5*time.Minute, constant(1, 500)),
	}})
	if want := 4*time.Hour + time.Minute - 2*time.Minute; n != 1 || d != want {
		t.Errorf("Gaps = %d containers, %s; want 1, %s", n, d, want)
	}
}
