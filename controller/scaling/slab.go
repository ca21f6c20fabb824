package scaling

import "time"

// Slab is memory the decisions of a pass take their changes and holds
// from: a few allocations for thousands of decisions instead of one or
// more each. A decision's slices are cut with their capacity clipped, so
// that appending to one copies it rather than writing into its
// neighbour's. The decisions keep pointing into its arrays: a pass takes
// a new Slab (the zero value is ready) rather than reusing one whose
// decisions are still read. Not safe for concurrent use.
type Slab struct {
	changes slab[Change]
	holds   slab[Hold]
}

// Decide is Decide with the decision's changes and holds cut from s (a
// nil s allocates them, as Decide does). The decision is the same.
func (s *Slab) Decide(sig Signals, policy string, r Rules, st ContainerState, now time.Time) Decision {
	if s == nil {
		return Decide(sig, policy, r, st, now)
	}
	// Decide adds at most one change or hold per resource.
	n := len(Resources)
	sig.slab = s
	d := Decide(sig, policy, r, st, now)
	d.Changes = s.changes.keep(d.Changes, n)
	d.Holds = s.holds.keep(d.Holds, n)
	return d
}

// NewSlab returns a Slab whose chunks are sized for the changes and holds
// of about decisions decisions, at most slabSize each: a pass over a few
// containers (a replay, a small cluster) must not zero chunks made for
// thousands every pass, which cost simulate a third of its time.
func NewSlab(decisions int) *Slab {
	size := min(max(decisions, 1)*len(Resources), slabSize)
	return &Slab{changes: slab[Change]{chunk: size}, holds: slab[Hold]{chunk: size}}
}

// slabSize is how many changes or holds a chunk of a Slab holds at most.
const slabSize = 1024

// slab hands out arrays of T cut from chunks of chunk (0: slabSize).
type slab[T any] struct {
	buf   []T
	chunk int
}

// take reserves room for n at the tail, returned empty.
func (s *slab[T]) take(n int) []T {
	if cap(s.buf)-len(s.buf) < n {
		size := s.chunk
		if size == 0 {
			size = slabSize
		}
		s.buf = make([]T, 0, max(size, n))
	}
	start := len(s.buf)
	s.buf = s.buf[:start+n]
	return s.buf[start : start : start+n]
}

// keep gives back what x, filled from the latest take of n, left unused,
// and returns x clipped, or nil when it is empty. An x that outgrew its
// room was copied elsewhere by append: all of the room is given back.
func (s *slab[T]) keep(x []T, n int) []T {
	start := len(s.buf) - n
	if len(x) == 0 {
		s.buf = s.buf[:start]
		return nil
	}
	if &x[0] != &s.buf[start : start+1][0] {
		s.buf = s.buf[:start]
		return x
	}
	s.buf = s.buf[:start+len(x)]
	return x[:len(x):len(x)]
}
