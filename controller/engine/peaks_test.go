package engine

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// scanPeaks is what window.peaks reads from the blocks: a scan of the
// whole window.
func scanPeaks(w *window) (memory uint64, cpu float64) {
	for i := range w.Len() {
		memory = max(memory, memoryBytes(w, i))
		cpu = max(cpu, busyCores(w, i))
	}
	return memory, cpu
}

// TestWindowPeaksMatchAScan: read between any number of Adds (with gaps
// that trim, a full ring that drops, older samples that are ignored),
// Merges, decades-long gaps, NaN cores and values that repeat, the kept
// peaks are the scan's.
func TestWindowPeaksMatchAScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for run := range 300 {
		w := newWindow(time.Duration(1+rng.IntN(30))*time.Minute, 20+rng.IntN(200))
		at := 0
		level := rng.Float64() * 8
		for step := range 2000 {
			switch k := rng.IntN(100); {
			case k < 3: // a hole in the data
				at += 10 * rng.IntN(200)
			case k < 4 && w.Len() > 0: // an older sample: ignored
				w.Add(sampleAt(at-5, 1))
			case k < 6: // a backfill
				var rows []Sample
				for range rng.IntN(20) {
					rows = append(rows, sampleAt(at-rng.IntN(3600), rng.Float64()*8))
				}
				w.Merge(rows)
			case k < 7 && at < 2*math.MaxInt32: // 68 years later (twice at most: Unix nanoseconds end in 2262)
				at += math.MaxInt32 + 10
			}
			at += 10
			if rng.IntN(10) == 0 {
				level = rng.Float64() * 8
			}
			s := sampleAt(at, level+rng.Float64())
			s.Mem = rng.Uint64N(64 << 30)
			if run%3 == 0 { // flat: the peak leaves while the newest holds it too
				s.CPU, s.Mem = math.Round(s.CPU/4), uint64(rng.IntN(3))<<30
			}
			if rng.IntN(300) == 0 {
				s.CPU = math.NaN()
			}
			w.Add(s)
			if rng.IntN(4) == 0 {
				m, c := w.peaks()
				wm, wc := scanPeaks(w)
				if m != wm || c != wc && !(math.IsNaN(c) && math.IsNaN(wc)) {
					t.Fatalf("run %d step %d: peaks %d %v, a scan %d %v", run, step, m, c, wm, wc)
				}
			}
		}
	}
}

// BenchmarkWindowPeaks is the read of a full window's peaks a pass after
// the last: one sample to fold.
func BenchmarkWindowPeaks(b *testing.B) {
	w := newWindow(time.Hour, 368)
	at := 0
	add := func() {
		at += 10
		s := sampleAt(at, 4+math.Sin(float64(at)/300))
		s.Mem = uint64(1<<30 + at%7919<<10)
		w.Add(s)
	}
	for range 400 {
		add()
	}
	w.peaks()
	b.Run("kept", func(b *testing.B) {
		for b.Loop() {
			add()
			w.peaks()
		}
	})
	b.Run("scan", func(b *testing.B) {
		for b.Loop() {
			add()
			scanPeaks(w)
		}
	})
}

// TestPeriodExtremesMatchAScan: the extremes of the points a decision
// judges, read from the window's blocks, are those of a scan of the same
// points, for two periods asked in turn (and now and
// then a third), with holes, merges, NaN cores and resizes.
func TestPeriodExtremesMatchAScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	var periods []time.Duration
	start := func() { periods = []time.Duration{45 * time.Minute, time.Duration(5+rng.IntN(20)) * time.Minute} }
	sample := func(at int) Sample {
		s := sampleAt(at, rng.Float64()*4)
		s.Mem = rng.Uint64N(8 << 30)
		return s
	}
	randomPasses(rng, start, sample, func(e *Engine, tr *Container, run, pass int, now time.Time) {
		sig := e.signals(&e.walk.history, tr, scaling.Rules{StabilizationUp: periods[1], StabilizationDown: periods[0]}, now)
		asked := periods
		if rng.IntN(20) == 0 {
			asked = append(asked, time.Duration(rng.IntN(3600))*time.Second)
		}
		for _, d := range asked {
			for _, p := range []scaling.Points{sig.History.CPU(d), sig.History.Memory(d)} {
				i := rng.IntN(max(1, p.Len()/10))
				lo, hi := p.Extremes(i, p.Len())
				wlo, whi := scaling.Series(points(p)).Extremes(i, p.Len())
				same := func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }
				if !same(lo, wlo) || !same(hi, whi) {
					t.Fatalf("run %d pass %d, period %s from point %d of %d: extremes %v %v, a scan %v %v", run, pass, d, i, p.Len(), lo, hi, wlo, whi)
				}
			}
		}
	})
}

// randomPasses walks 40 containers through 800 passes each (start before
// each), with holes, merges, resizes and NaN cores, sample(at) the newest
// sample, and calls each after every Add.
func randomPasses(rng *rand.Rand, start func(), sample func(at int) Sample, each func(e *Engine, tr *Container, run, pass int, now time.Time)) {
	e := New(Options{Interval: 10 * time.Second, Window: time.Hour, ShortPeriod: 5 * time.Minute, Scale: true}, Hooks{})
	for run := range 40 {
		tr := &Container{Listed: Listed{VMID: 100, Status: "running", Alloc: scaling.Allocation{Cores: 2}}, Window: e.NewWindow()}
		at := 0
		start()
		for pass := range 800 {
			at += 10
			switch k := rng.IntN(200); {
			case k < 2:
				at += 10 * rng.IntN(100)
			case k < 4:
				tr.Window.Merge([]Sample{sampleAt(at-rng.IntN(3000), rng.Float64()*4)})
			case k < 6:
				tr.Alloc.Cores = rng.IntN(5)
			}
			s := sample(at)
			if rng.IntN(500) == 0 {
				s.CPU = math.NaN()
			}
			tr.Window.Add(s)
			each(e, tr, run, pass, t0.Add(time.Duration(at)*time.Second))
		}
	}
}

// TestSearchAndPinnedMatchAScan: a window's Search is sort.Search over
// its points' times, for times on a second and between two, and Pinned
// is a scan back from the newest, for lines at a sample's value (often
// pinned runs, where whole blocks pass), with holes, merges, resizes and
// NaN cores, over any range of the points.
func TestSearchAndPinnedMatchAScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	level := 1.0
	sample := func(at int) Sample {
		if rng.IntN(14) == 0 {
			level = rng.Float64() * 4
		}
		s := sampleAt(at, level+rng.Float64()*0.1)
		s.Mem = uint64(level*(1<<30)) + rng.Uint64N(1<<20)
		return s
	}
	randomPasses(rng, func() {}, sample, func(e *Engine, tr *Container, run, pass int, now time.Time) {
		sig := e.signals(&e.walk.history, tr, scaling.Rules{StabilizationDown: 45 * time.Minute}, now)
		for _, p := range []scaling.Points{sig.History.CPU(time.Hour), sig.History.Memory(time.Hour)} {
			q := p.(interface{ AtLeast(line float64) int }) // relief.Counter
			wp := p.(*windowPoints)
			n := p.Len()
			i := rng.IntN(n + 1)
			j := i + rng.IntN(n-i+1)
			if rng.IntN(2) == 0 {
				i, j = i*rng.IntN(2), n // the newest (where whole blocks are read), often all
			}
			when := now.Add(-time.Duration(rng.IntN(4000)) * time.Second)
			if rng.IntN(2) == 0 {
				when = when.Add(time.Duration(rng.IntN(1e9)))
			}
			for _, after := range []bool{false, true} {
				want := i + sort.Search(j-i, func(k int) bool { return p.Time(i+k).After(when) || !after && p.Time(i+k).Equal(when) })
				if got := p.Search(i, j, when, after); got != want {
					t.Fatalf("run %d pass %d: Search(%d, %d, %v, %v) = %d, a binary search %d", run, pass, i, j, when, after, got, want)
				}
			}
			line := rng.Float64() * 4
			if n > 0 {
				line = p.Value(rng.IntN(n))
			}
			want := 0
			for k := j - 1; k >= i && p.Value(k) >= line; k-- {
				want++
			}
			if got := wp.pinned(i, j, line); got != want || i == 0 && j == n && q.AtLeast(line) != want {
				t.Fatalf("run %d pass %d: Pinned(%d, %d, %v) = %d of %d points, a scan %d", run, pass, i, j, line, got, n, want)
			}
		}
	})
}
