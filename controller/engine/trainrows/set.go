package trainrows

import (
	"math/rand/v2"
	"time"
)

// Set is what the next training fits on, kept as the passes score: the feature vectors of a few containers per pass, as they were
// scored, over the training window. Training then reads rows instead of
// recomputing each row's features from the window it came from, which
// cost a scan of the window per row, every retraining: most of a
// retraining, and most of simulate's time.
//
// A pass keeps every running container's vector while they are at most
// PerPass, else PerPass of them drawn uniformly (seeded by the pass's
// time), so that the window holds about MaxRows rows however many
// containers run. Containers that got no sample this pass (stopped,
// listed late) add nothing: a row is a sample.
type Set struct {
	// Width is the length of a vector; PerPass the most vectors a pass
	// keeps (0: none); MaxRows the most rows Draw returns. Set before
	// the first pass.
	Width, PerPass, MaxRows int
	// Rows kept, oldest first: times[i] is when rows[i*Width:] was
	// scored. head is the first row still in use.
	times []time.Time
	rows  []float64
	head  int
	// since is the first pass that kept rows (zero: none yet): the set
	// holds the whole training window once since is that old.
	since time.Time

	// The pass in progress: the vectors drawn so far and how many
	// containers were offered.
	pass    []float64
	offered int
	rnd     *rand.Rand
}

// Begin starts a pass at now.
func (s *Set) Begin(now time.Time, seed uint64) {
	s.pass, s.offered = s.pass[:0], 0
	s.rnd = rand.New(rand.NewPCG(seed, uint64(now.UnixNano())))
}

// Offer proposes a container's vector, as scored this pass; it is kept
// with the probability that keeps perPass of the pass's (reservoir
// sampling), and copied when it is: the caller keeps vector.
func (s *Set) Offer(vector []float64) {
	s.offered++
	if n := len(s.pass) / s.Width; n < s.PerPass {
		s.pass = append(s.pass, vector...)
		return
	}
	if j := s.rnd.IntN(s.offered); j < s.PerPass {
		copy(s.pass[j*s.Width:(j+1)*s.Width], vector)
	}
}

// End adds the pass's rows, scored at now, and drops the rows older than
// the window before now.
func (s *Set) End(now time.Time, window time.Duration) {
	if len(s.pass) > 0 {
		if s.since.IsZero() {
			s.since = now
		}
		for range len(s.pass) / s.Width {
			s.times = append(s.times, now)
		}
		s.rows = append(s.rows, s.pass...)
	}
	for s.head < len(s.times) && s.times[s.head].Before(now.Add(-window)) {
		s.head++
	}
	// Compact once the dropped rows are half of what is held.
	if s.head > 0 && s.head >= len(s.times)/2 {
		n := copy(s.times, s.times[s.head:])
		s.times = s.times[:n]
		n = copy(s.rows, s.rows[s.head*s.Width:])
		s.rows = s.rows[:n]
		s.head = 0
	}
}

// Covers reports whether the set holds every pass of the window before
// now: it has kept rows for that long.
func (s *Set) Covers(now time.Time, window time.Duration) bool {
	return !s.since.IsZero() && !s.since.After(now.Add(-window))
}

// Draw returns the rows scored at or after from, at most MaxRows
// of them (every one equally likely), as slices of one new array.
func (s *Set) Draw(from time.Time, rnd *rand.Rand) [][]float64 {
	first := s.head
	for first < len(s.times) && s.times[first].Before(from) {
		first++
	}
	total := len(s.times) - first
	n := min(total, s.MaxRows)
	backing := make([]float64, n*s.Width)
	out := make([][]float64, n)
	for i := range n {
		k := i
		if total > n {
			k = rnd.IntN(total)
		}
		row := backing[i*s.Width : (i+1)*s.Width : (i+1)*s.Width]
		copy(row, s.rows[(first+k)*s.Width:])
		out[i] = row
	}
	return out
}

// Pending keeps offers to make later, in the order they came: a shard of
// a pass's walk offers through it, and the pass offers them to the Set in
// listing order once the shards are done, so that the Set draws the rows
// (and its random numbers) one walk would.
type Pending struct{ rows []float64 }

// Add keeps a copy of vector, of the Set's Width.
func (p *Pending) Add(vector []float64) { p.rows = append(p.rows, vector...) }

// OfferTo offers the vectors kept to s, in order, and forgets them.
func (p *Pending) OfferTo(s *Set) {
	for at := 0; at+s.Width <= len(p.rows); at += s.Width {
		s.Offer(p.rows[at : at+s.Width])
	}
	p.rows = p.rows[:0]
}
