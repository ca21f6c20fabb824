package histogram

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// fractionsOf is percentiles' definition, one fraction at a time: the
// end of the first bucket at which the cumulative weight (extra counted in
// v's bucket) reaches the fraction of the total.
func fractionsOf(h *Histogram, s scale, ps []float64, v, extra float64) []float64 {
	out := make([]float64, len(ps))
	total := extra
	for n := range buckets {
		total += float64(h.w[n])
	}
	if !(total > 0) {
		return out
	}
	for i, p := range ps {
		out[i] = s.start(buckets - 1)
		sum := 0.0
		for n := range buckets {
			if sum += float64(h.w[n]); n == s.bucket(v) {
				sum += extra
			}
			if sum >= p*total && sum > 0 {
				out[i] = s.start(min(n+1, buckets-1))
				break
			}
		}
	}
	return out
}

// percentiles stops at the bucket that reaches the last fraction, sums
// the weights up to the highest bucket added to, and answers as the
// definition does, bit for bit: sparse and dense histograms, empty ones,
// weights decayed over days and renormalised (some to nothing), fractions
// of 0 and 1, extra weight in any bucket.
func TestPercentilesAsTheFullWalk(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 5))
	for i := range 20_000 {
		var h Histogram
		s := []scale{coresScale, memoryScale}[rng.IntN(2)]
		at := uint32(1_700_000_000)
		for range rng.IntN(40) {
			at += uint32(rng.IntN(3 * 86400))
			if rng.IntN(20) == 0 {
				at += uint32(rng.IntN(200)) * 86400 // past maxExponent half-lives: renormalised
			}
			v := s.start(rng.IntN(rng.IntN(buckets)+1)) * (1 + rng.Float64()/100)
			h.add(s, v, rng.ExpFloat64()*1e3, at)
		}
		ps := make([]float64, rng.IntN(4)+1)
		for j := range ps {
			ps[j] = []float64{0, 1, rng.Float64()}[rng.IntN(3)]
		}
		slices.Sort(ps)
		v, extra := rng.ExpFloat64()*float64(s)*50, 0.0
		if rng.IntN(2) == 0 {
			extra = rng.ExpFloat64() * 1e3
		}
		got, want := make([]float64, len(ps)), fractionsOf(&h, s, ps, v, extra)
		h.percentiles(s, ps, got, v, extra)
		if !slices.Equal(got, want) {
			t.Fatalf("case %d, ps %v: %v, want %v", i, ps, got, want)
		}
	}
}

// A bucket's start is ratio^n's, bit for bit, taken from the table.
func TestBucketStartsArePowers(t *testing.T) {
	for _, s := range []scale{coresScale, memoryScale} {
		for n := range buckets {
			if got, want := s.start(n), float64(s)*(math.Pow(ratio, float64(n))-1)/(ratio-1); got != want {
				t.Fatalf("scale %v, bucket %d starts at %v, want %v", s, n, got, want)
			}
		}
	}
}
