package histogram

import (
	"math"
	"time"
)

// The buckets, in the shape of Kubernetes VPA's recommender: bucket n
// starts at first*(ratio^n-1)/(ratio-1), so each is 5 % wider than the one
// before; 175 of them reach a hundred thousand times the first bucket's
// width: 0.01 to 1,000 cores, 10 MB to 1 TB.
const (
	buckets = 175
	ratio   = 1.05
	// HalfLife is how long a sample's weight takes to halve against a
	// newer one's: VPA's default for cores and memory. A day of history
	// counts twice the day before it, so a container that changed its
	// habits a week ago is judged by the new ones.
	HalfLife = 24 * time.Hour
	halfLife = int64(HalfLife / time.Second)
	// maxExponent is how many half-lives a weight may grow past the
	// reference before every weight is scaled back (renormalised): 2^64
	// times an hour's seconds stays far inside float32's range (2^128), and
	// a week of history (7 half-lives) below it keeps 2^-7 of its weight,
	// far above float32's smallest (2^-126).
	maxExponent = 64
)

// Histogram is a decaying histogram of one resource's usage: a sample's
// weight is its own (the seconds it covers) times 2^((t-ref)/HalfLife), so
// that newer samples count more and ratios between weights, all a
// percentile reads, do not depend on ref. 708 bytes.
type Histogram struct {
	ref uint32 // unix seconds; 0 while empty
	w   [buckets]float32
	// top is one past the highest bucket ever added to: the buckets from
	// it on hold +0, which adds nothing to a sum, so that a percentile's
	// total stops there (a container's usage fills the low buckets: 0.3
	// cores busy is bucket 18 of 175) and is the full sum bit for bit.
	top uint8
}

// scale is the width of a histogram's first bucket: 0.01 core for cores,
// 10 MB for memory bytes.
type scale float64

const (
	coresScale  scale = 0.01
	memoryScale scale = 1e7
)

// logRatio is math.Log(ratio), taken once: bucket runs for every sample.
var logRatio = math.Log(ratio)

// bucket is the bucket v falls into.
func (s scale) bucket(v float64) int {
	if !(v > 0) { // NaN and negatives count as nothing used
		return 0
	}
	n := math.Floor(math.Log(1+v*(ratio-1)/float64(s)) / logRatio)
	return int(min(n, buckets-1))
}

// start is where bucket n starts.
func (s scale) start(n int) float64 {
	return float64(s) * (powers[n] - 1) / (ratio - 1)
}

// powers[n] is ratio^n, taken once: every percentile read ends at a
// bucket's start, a few a container and pass.
var powers = func() (p [buckets]float64) {
	for n := range p {
		p[n] = math.Pow(ratio, float64(n))
	}
	return p
}()

// factor is 2^((t-ref)/HalfLife), the weight at t of a second of usage.
func (h *Histogram) factor(t uint32) float64 {
	return math.Exp2(float64(int64(t)-int64(h.ref)) / float64(halfLife))
}

// add adds weight seconds of usage v seen at t.
func (h *Histogram) add(s scale, v, weight float64, t uint32) {
	if !(weight > 0) {
		return
	}
	if h.ref == 0 {
		h.ref = t
	}
	if int64(t)-int64(h.ref) > maxExponent*halfLife {
		h.renormalise(t)
	}
	b := s.bucket(v)
	h.w[b] += float32(weight * h.factor(t))
	h.top = max(h.top, uint8(b+1))
}

// renormalise moves the reference to t, scaling every weight down by what
// it grew since the old reference.
func (h *Histogram) renormalise(t uint32) {
	f := float32(1 / h.factor(t))
	for i := range h.w {
		h.w[i] *= f
	}
	h.ref = t
}

// percentiles sets out[i] to the usage below which fraction ps[i]
// (ascending) of the weight lies (the end of the bucket that reaches it,
// as VPA reads it), with extra weight (already decayed to ref) of usage v
// counted as if added; all 0 when the histogram holds no weight. One walk
// for all of them: the recommendation reads three.
func (h *Histogram) percentiles(s scale, ps, out []float64, v, extra float64) {
	clear(out)
	eb := s.bucket(v)
	total := extra
	for _, w := range h.w[:h.top] {
		total += float64(w)
	}
	if !(total > 0) {
		return
	}
	k, sum := 0, 0.0
	for n, w := range h.w {
		sum += float64(w)
		if n == eb {
			sum += extra
		}
		for ; k < len(ps) && sum >= ps[k]*total && sum > 0; k++ {
			out[k] = s.start(min(n+1, buckets-1))
		}
		if k == len(ps) { // the buckets above change none of them
			return
		}
	}
	for ; k < len(ps); k++ {
		out[k] = s.start(buckets - 1)
	}
}
