package engine

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/trend"
)

// TestWindowHistoryKeepsTheContract: what Decide reads on demand is the
// suffix scaling.History promises of the series the span holds, with
// gaps in the window, samples after now (a clock that went back) and
// periods of every length; the peaks cover the whole window.
func TestWindowHistoryKeepsTheContract(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	e := New(Options{Interval: 10 * time.Second, Window: time.Hour, ShortPeriod: 5 * time.Minute, Scale: true}, Hooks{})
	for run := range 3000 {
		tr := &Container{Listed: Listed{VMID: 100, Status: "running", Alloc: scaling.Allocation{Cores: 1 + rng.IntN(8)}}, Window: e.NewWindow()}
		at := 0
		for range rng.IntN(400) {
			at += 10
			if rng.IntN(30) == 0 {
				at += 10 * rng.IntN(60) // a collection outage
			}
			s := sampleAt(at, rng.Float64()*8)
			s.Mem = rng.Uint64N(8 << 30)
			s.PressureCPU, s.PressureMemory, s.PressureIO = float64(rng.IntN(10000))/100, float64(rng.IntN(10000))/100, math.NaN()
			tr.Window.Add(s)
		}
		now := t0.Add(time.Duration(at) * time.Second)
		if rng.IntN(5) == 0 {
			now = now.Add(-time.Duration(rng.IntN(120)) * time.Second)
		}
		r := scaling.Rules{StabilizationUp: time.Duration(rng.IntN(600)) * time.Second, StabilizationDown: time.Duration(rng.IntN(3600)) * time.Second}
		sig := e.signals(&e.walk.history, tr, r, now)

		// The series the span holds, as the engine built it in full.
		w := tr.Window
		span := max(r.StabilizationUp, r.StabilizationDown) + 2*e.opts.Interval
		var cpu, mem scaling.Series
		var memPeak uint64
		var cpuPeak float64
		for i := range w.Len() {
			s := w.At(i)
			memPeak, cpuPeak = max(memPeak, s.Mem), max(cpuPeak, s.CPU)
			if i >= w.Since(now.Add(-span)) {
				cpu = append(cpu, scaling.Point{Time: s.Time, Value: s.CPU / float64(tr.Alloc.Cores)})
				mem = append(mem, scaling.Point{Time: s.Time, Value: float64(s.Mem)})
			}
		}
		newest := cpu.Until(now)
		if len(newest) > 0 {
			newest = newest[len(newest)-1:]
		}
		if !slices.Equal(sig.CPU, newest) || len(sig.Memory) != len(newest) || (len(newest) > 0 && sig.Memory[0] != mem.Until(now)[len(mem.Until(now))-1]) {
			t.Fatalf("run %d: newest points %v %v, want %v", run, sig.CPU, sig.Memory, newest)
		}
		for _, d := range []time.Duration{0, r.StabilizationUp, r.StabilizationDown, time.Duration(rng.IntN(4000)) * time.Second, 1<<63 - 1} {
			if got, want := points(sig.History.CPU(d)), suffix(cpu, now, d); !slices.Equal(got, want) {
				t.Fatalf("run %d: CPU(%s) = %d points from %v, want %d from %v", run, d, len(got), first(got), len(want), first(want))
			}
			if got, want := points(sig.History.Memory(d)), suffix(mem, now, d); !slices.Equal(got, want) {
				t.Fatalf("run %d: Memory(%s) = %d points, want %d", run, d, len(got), len(want))
			}
		}
		if len(newest) > 0 {
			i := w.Len() - 1
			for w.At(i).Time.After(now) {
				i--
			}
			s := w.At(i)
			if !(sig.PressureCPU == s.PressureCPU && sig.PressureMemory == s.PressureMemory && math.IsNaN(sig.PressureIO)) {
				t.Fatalf("run %d: pressure %v %v %v, want the newest sample's %v %v NaN", run, sig.PressureCPU, sig.PressureMemory, sig.PressureIO, s.PressureCPU, s.PressureMemory)
			}
		}
		if m, c := sig.History.Peaks(); m != memPeak>>10<<10 || c != cpuPeak {
			t.Fatalf("run %d: peaks %d %v, want %d %v", run, m, c, memPeak>>10<<10, cpuPeak)
		}
	}
}

// suffix is scaling.History's promise: s from its newest point at or
// before now-d; all of s when there is none, or when that point is the
// newest at or before now.
func suffix(s scaling.Series, now time.Time, d time.Duration) scaling.Series {
	newest := len(s.Until(now)) - 1
	i := newest
	for i >= 0 && s[i].Time.After(now.Add(-d)) {
		i--
	}
	if i < 0 || i == newest {
		return s
	}
	return s[i:]
}

// points reads p into a series.
func points(p scaling.Points) scaling.Series {
	s := make(scaling.Series, p.Len())
	for i := range s {
		s[i] = scaling.Point{Time: p.Time(i), Value: p.Value(i)}
	}
	return s
}

func first(s scaling.Series) time.Time {
	if len(s) == 0 {
		return time.Time{}
	}
	return s[0].Time
}

// TestTrendSumsAreTheLoops: the window's own sums of a least-squares fit
// are, bit for bit, those of scaling's loop over Time and Value, for cpu
// (cores allocated or not) and memory, over any stretch of the points, so
// that a trend decides the same whichever Points it reads.
func TestTrendSumsAreTheLoops(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	e := New(Options{Interval: 10 * time.Second, Window: time.Hour, ShortPeriod: 5 * time.Minute, Scale: true}, Hooks{})
	for run := range 500 {
		tr := &Container{Listed: Listed{VMID: 100, Status: "running", Alloc: scaling.Allocation{Cores: rng.IntN(9)}}, Window: e.NewWindow()}
		at := 0
		for range 1 + rng.IntN(500) {
			at += 1 + rng.IntN(20)
			s := sampleAt(at, rng.Float64()*8)
			s.Mem = rng.Uint64N(64 << 30)
			tr.Window.Add(s)
		}
		sig := e.signals(&e.walk.history, tr, scaling.Rules{StabilizationDown: time.Hour}, t0.Add(time.Duration(at)*time.Second))
		for _, p := range []scaling.Points{sig.History.CPU(time.Hour), sig.History.Memory(time.Duration(rng.IntN(3600)) * time.Second)} {
			i := rng.IntN(p.Len())
			j := i + rng.IntN(p.Len()-i+1)
			var want [4]float64
			for k := i; k < j; k++ {
				x, y := p.Time(k).Sub(p.Time(i)).Seconds(), p.Value(k)
				want = [4]float64{want[0] + x, want[1] + y, want[2] + x*x, want[3] + x*y}
			}
			var got [4]float64
			got[0], got[1], got[2], got[3] = p.(trend.Summer).TrendSums(i, j)
			if got != want {
				t.Fatalf("run %d: points %d to %d of %d: sums %v, want %v", run, i, j, p.Len(), got, want)
			}
		}
	}
}

// TestKeptMemoryTrendIsTheScan: the memory trend's sums kept at the cursor
// as samples enter, leave and the period moves are, bit for bit, those of
// scaling's loop over the same points, pass after pass: a ring that wraps
// (small capacities), holes that empty the window, backfills merged in,
// older samples ignored, a second period asked now and then (the cursor
// moves back and forth or is set afresh), and memory large enough that the
// scan rounds (the kept sums then give way to it). Most reads come from
// the kept sums, or the test would prove nothing.
func TestKeptMemoryTrendIsTheScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 37))
	kept, reads, rounded := 0, 0, 0
	for run := range 60 {
		interval := time.Duration(1+rng.IntN(10)) * time.Second
		huge := run%5 == 0 // the scan rounds past 2^53: hours of 4 TiB at 1 s
		if huge {
			interval = time.Second
		}
		e := New(Options{Interval: interval, Window: time.Duration(50+rng.IntN(60)) * time.Minute, ShortPeriod: time.Minute, Scale: true}, Hooks{})
		tr := &Container{Listed: Listed{VMID: 100, Status: "running", Alloc: scaling.Allocation{Cores: 2}}, Window: e.NewWindow()}
		if !huge && rng.IntN(2) == 0 {
			tr.Window = newWindow(e.opts.Window, 10+rng.IntN(100)) // wraps before the span
		}
		period := time.Duration(1+rng.IntN(45)) * time.Minute
		memMax := uint64(1+rng.IntN(16)) << 30
		if huge {
			memMax, period = 4<<40, 45*time.Minute
		}
		at := 0
		for pass := range 1500 {
			at += int(interval / time.Second)
			switch k := rng.IntN(200); {
			case k < 2 && !huge: // a hole, now and then past the span
				at += rng.IntN(4000)
			case k < 4: // a backfill
				tr.Window.Merge([]Sample{sampleAt(at-rng.IntN(3000), rng.Float64()*4)})
			case k < 5 && tr.Window.Len() > 0: // an older sample: ignored
				tr.Window.Add(sampleAt(at-30, 1))
			}
			s := sampleAt(at, rng.Float64()*4)
			s.Mem = rng.Uint64N(memMax)
			if rng.IntN(4) == 0 {
				s.Mem = 0 // repeated values
			}
			tr.Window.Add(s)
			now := t0.Add(time.Duration(at) * time.Second)
			sig := e.signals(&e.walk.history, tr, scaling.Rules{StabilizationDown: period}, now)
			d := period
			if rng.IntN(10) == 0 {
				d = time.Duration(rng.IntN(3600)) * time.Second
			}
			p := sig.History.Memory(d)
			if p.Len() == 0 {
				continue
			}
			i := 0
			if rng.IntN(4) == 0 {
				i = rng.IntN(p.Len())
			}
			var want [4]float64
			for k := i; k < p.Len(); k++ {
				x, y := p.Time(k).Sub(p.Time(i)).Seconds(), p.Value(k)
				want = [4]float64{want[0] + x, want[1] + y, want[2] + x*x, want[3] + x*y}
			}
			var got [4]float64
			got[0], got[1], got[2], got[3] = p.(trend.Summer).TrendSums(i, p.Len())
			if got != want {
				t.Fatalf("run %d pass %d: points %d to %d: sums %v, the loop's %v", run, pass, i, p.Len(), got, want)
			}
			reads++
			if _, _, _, _, ok := tr.Window.memTrend(p.(*windowPoints).first + i); ok {
				kept++
			} else if huge {
				rounded++
			}
		}
	}
	t.Logf("%d of %d reads from the kept sums, %d where the scan may round", kept, reads, rounded)
	if kept < reads/2 || rounded == 0 {
		t.Errorf("%d of %d reads came from the kept sums, %d from the scan where it may round", kept, reads, rounded)
	}
}
