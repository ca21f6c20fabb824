package lsq

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSumsAreTheScan: points enter and leave at random, x from 0 to days
// apart and y up to 2^40; whenever Floats answers, its sums are those of
// a float scan over the points held bit for bit, and it answers for
// small values.
func TestSumsAreTheScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	answered := 0
	for run := range 200 {
		var s Sums
		var xs, ys []int64 // absolute x
		yMax := int64(1) << (10 + rng.IntN(31))
		for step := range 500 {
			if len(xs) > 0 && rng.IntN(3) == 0 {
				d := int64(0)
				if len(xs) > 1 {
					d = xs[1] - xs[0]
				}
				s.DropOldest(ys[0], d, int64(len(xs)-1))
				xs, ys = xs[1:], ys[1:]
			} else {
				x := int64(0)
				if len(xs) > 0 {
					x = xs[len(xs)-1] + rng.Int64N(1+int64(rng.IntN(3))*5000)
				}
				y := rng.Int64N(yMax)
				xs, ys = append(xs, x), append(ys, y)
				s.Add(x-xs[0], y)
			}
			if len(xs) == 0 {
				continue
			}
			var want [4]float64
			for i := range xs {
				x, y := float64(xs[i]-xs[0]), float64(ys[i])
				want = [4]float64{want[0] + x, want[1] + y, want[2] + x*x, want[3] + x*y}
			}
			var got [4]float64
			var ok bool
			got[0], got[1], got[2], got[3], ok = s.Floats(int64(len(xs)), xs[len(xs)-1]-xs[0])
			if ok && got != want {
				t.Fatalf("run %d step %d: %d points, sums %v, a scan's %v", run, step, len(xs), got, want)
			}
			if ok {
				answered++
			}
		}
	}
	if answered < 1000 {
		t.Errorf("Floats answered %d times", answered)
	}
}

// TestMomentsMatchAScan adds and removes random points in random order and
// compares the moments' statistics, read at a shifted origin, with a scan
// of the points held.
func TestMomentsMatchAScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	type point struct {
		x int64
		y float64
	}
	var m Moments
	var held []point
	for step := range 5000 {
		if len(held) > 0 && rng.IntN(3) == 0 {
			i := rng.IntN(len(held))
			m.Apply(held[i].x, held[i].y, -1)
			held = append(held[:i], held[i+1:]...)
		} else {
			p := point{x: rng.Int64N(86400), y: rng.Float64() * 8}
			m.Apply(p.x, p.y, 1)
			held = append(held, p)
		}
		d := rng.Int64N(86400)
		mean, std, perHour := m.Stats(d)
		if m.N != len(held) {
			t.Fatalf("step %d: N %d, %d points held", step, m.N, len(held))
		}
		if len(held) == 0 {
			if mean != 0 || std != 0 || perHour != 0 {
				t.Fatalf("step %d: no points, stats %v %v %v", step, mean, std, perHour)
			}
			continue
		}
		var sy, syy, sx, sxx, sxy float64
		for _, p := range held {
			x := float64(p.x-d) / 3600
			sx, sxx, sy, syy, sxy = sx+x, sxx+x*x, sy+p.y, syy+p.y*p.y, sxy+x*p.y
		}
		n := float64(len(held))
		wantMean := sy / n
		wantStd := math.Sqrt(max(0, syy/n-wantMean*wantMean))
		var wantSlope float64
		if den := n*sxx - sx*sx; len(held) > 1 && den > 1e-12 {
			wantSlope = (n*sxy - sx*sy) / den
		}
		for _, c := range []struct {
			name      string
			got, want float64
		}{{"mean", mean, wantMean}, {"std", std, wantStd}, {"slope", perHour, wantSlope}} {
			if math.Abs(c.got-c.want) > 1e-6*max(1, math.Abs(c.want)) {
				t.Fatalf("step %d (%d points): %s %v, a scan gives %v", step, len(held), c.name, c.got, c.want)
			}
		}
	}
}
