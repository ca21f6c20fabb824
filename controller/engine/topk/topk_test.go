package topk

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// The list of largest values answers the percentile exactly while it can,
// values coming and going in any order, with ties, and says when it
// cannot (then it is refilled, as the engine's rolling features do from the
// window, with their headroom).
func TestTopHoldsThePercentile(t *testing.T) {
	rnd := rand.New(rand.NewPCG(11, 12))
	var period []float64 // oldest first
	var l Top
	l.Reset(1)
	refills, answers := 0, 0
	for step := range 20_000 {
		if len(period) > 0 && (len(period) > 400 || rnd.IntN(2) == 0) {
			v := period[0]
			period = period[1:]
			l.Remove(v)
		} else {
			v := math.Round(rnd.NormFloat64()*4) / 4 // many ties
			if step%3000 > 2500 {
				v = float64(-step) // a falling series: the largest leave first
			}
			period = append(period, v)
			l.Insert(v)
		}
		n := len(period)
		got, ok := l.P95(n)
		if !ok {
			refills++
			l.Reset(n - P95Index(n) + (n-P95Index(n))/2 + 4)
			for _, v := range period {
				l.Insert(v)
			}
			if got, ok = l.P95(n); !ok {
				t.Fatalf("step %d: no percentile right after a refill of %d values", step, n)
			}
		}
		answers++
		if n > 0 {
			if want := slices.Sorted(slices.Values(period))[P95Index(n)]; got != want {
				t.Fatalf("step %d: p95 of %d values = %v, want %v", step, n, got, want)
			}
		}
	}
	t.Logf("%d answers, %d refills", answers, refills)
	if refills*10 > answers {
		t.Errorf("%d refills for %d answers: the list refills too often", refills, answers)
	}
}
