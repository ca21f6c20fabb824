package engine

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

func vectorOf(v float64) []float64 {
	out := make([]float64, NumModelFeatures)
	for i := range out {
		out[i] = v + float64(i)/100
	}
	return out
}

// TestTrainingSetKeepsAPassSampleOverTheWindow: a pass keeps every vector
// up to perPass and a seeded draw of perPass beyond; rows leave with the
// window; draw returns copies, oldest first.
func TestTrainingSetKeepsAPassSampleOverTheWindow(t *testing.T) {
	window := time.Minute
	// Twelve passes 10 s apart offer 2 vectors, then 50, in turn.
	passes := func() *trainingSet {
		s := &trainingSet{perPass: 3}
		for pass := range 12 {
			now := t0.Add(time.Duration(pass) * 10 * time.Second)
			s.begin(now, 7)
			offered := 2
			if pass%2 == 1 {
				offered = 50
			}
			for c := range offered {
				s.offer(vectorOf(float64(pass*1000 + c)))
			}
			s.end(now, window)
		}
		return s
	}
	s := passes()
	now := t0.Add(110 * time.Second)
	if !s.covers(now, window) || s.covers(t0.Add(50*time.Second), window) {
		t.Errorf("covers: after 110 s of passes %v, after 50 s %v; want true, false", s.covers(now, window), s.covers(t0.Add(50*time.Second), window))
	}
	rows := s.draw(now.Add(-window), nil)
	// Passes 5..11 are within the minute: 4 odd passes of 3 rows, 3 even of 2.
	if len(rows) != 4*3+3*2 {
		t.Fatalf("%d rows, want 18", len(rows))
	}
	var from []int
	for _, r := range rows {
		from = append(from, int(r[0])/1000)
	}
	if !slices.IsSorted(from) || from[0] != 5 || from[len(from)-1] != 11 {
		t.Errorf("rows come from passes %v, want 5..11 in order", from)
	}
	seen := map[float64]bool{}
	for _, r := range rows {
		if seen[r[0]] {
			t.Errorf("vector %v kept twice", r[0])
		}
		seen[r[0]] = true
		if !slices.Equal(r, vectorOf(r[0])) {
			t.Errorf("row %v is not the vector offered", r)
		}
	}
	rows[0][0] = math.NaN()
	if again := s.draw(now.Add(-window), nil); math.IsNaN(again[0][0]) {
		t.Error("draw shares the set's memory")
	}

	// The same passes draw the same rows.
	if got := passes().draw(now.Add(-window), nil); !slices.EqualFunc(got, s.draw(now.Add(-window), nil), slices.Equal) {
		t.Error("the same passes and seed drew other rows")
	}
}

// TestTrainingRowsAreTheScoredVectors: once the engine has run for the
// training window, a training fits on the vectors the passes scored, of
// running containers only, and no window is scanned for rows.
func TestTrainingRowsAreTheScoredVectors(t *testing.T) {
	model := ModelOptions{Enabled: true, RetrainInterval: 10 * time.Minute, Trees: 10, SampleSize: 32, Seed: 3, TrainingWindow: 10 * time.Minute, Threshold: 0.65}
	r := NewReplay(ReplayOptions{Interval: 10 * time.Second, Window: 10 * time.Minute, ShortPeriod: time.Minute, Model: model,
		Selection: scaling.Selection{Default: scaling.Rules{Mode: scaling.ModeEnforce}}, Node: scaling.NodeCapacity{Node: "sim", CPUs: 64, MemoryBytes: 1 << 40}})
	e := r.engine
	alloc := scaling.Allocation{Cores: 2, MemoryMiB: 1024, DiskBytes: 8 << 30}
	scored := map[time.Time][][]float64{}
	var now time.Time
	for i := range 90 {
		now = t0.Add(time.Duration(i) * 10 * time.Second)
		obs := []Observed{
			{VMID: 101, Alloc: alloc, CPUCores: 0.5 + float64(i%7)/10, MemoryBytes: uint64(300+i) << 20, DiskBytes: 1 << 30},
			{VMID: 102, Alloc: alloc, CPUCores: 1.5, MemoryBytes: uint64(700-i) << 20, DiskBytes: 2 << 30, NetRate: float64(i)},
		}
		if i >= 60 {
			obs = obs[:1] // 102 stops: listed no more
		}
		r.Step(now, obs)
		for _, o := range obs {
			scored[now] = append(scored[now], e.Tracked[o.VMID].Features.ModelVector(nil))
		}
	}
	if !e.training.covers(now, model.TrainingWindow) {
		t.Fatal("after 15 minutes of passes the set does not cover a 10-minute window")
	}
	rows := e.trainingRows(now, model.Seed)
	var want [][]float64
	for i := range 90 {
		at := t0.Add(time.Duration(i) * 10 * time.Second)
		if !at.Before(now.Add(-model.TrainingWindow)) {
			want = append(want, scored[at]...)
		}
	}
	if !slices.EqualFunc(rows, want, slices.Equal) {
		t.Errorf("%d training rows, want the %d vectors scored in the window", len(rows), len(want))
	}
}
