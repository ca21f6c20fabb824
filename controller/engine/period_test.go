package engine

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

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
			sig := e.signals(tr, scaling.Rules{StabilizationDown: period}, now)
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
			got[0], got[1], got[2], got[3] = p.(scaling.TrendSummer).TrendSums(i, p.Len())
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
