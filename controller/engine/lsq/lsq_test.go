package lsq

import (
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
