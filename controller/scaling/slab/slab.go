package slab

// Default is how many Ts a chunk of a Chunks holds whose Size is 0.
const Default = 1024

// Chunks hands out arrays of T cut from chunks of Size (0: Default). A
// slice handed out keeps pointing into its chunk: the owner takes a new
// Chunks rather than reusing one whose slices are still read.
type Chunks[T any] struct {
	buf  []T
	Size int
}

// Take reserves room for n at the tail, returned empty with its capacity
// clipped to n, so that appending past it copies rather than writing
// into a neighbour's room.
func (s *Chunks[T]) Take(n int) []T {
	if cap(s.buf)-len(s.buf) < n {
		size := s.Size
		if size == 0 {
			size = Default
		}
		s.buf = make([]T, 0, max(size, n))
	}
	start := len(s.buf)
	s.buf = s.buf[:start+n]
	return s.buf[start : start : start+n]
}

// Keep gives back what x, filled from the latest Take of n, left unused,
// and returns x clipped, or nil when it is empty. An x that outgrew its
// room was copied elsewhere by append: all of the room is given back.
func (s *Chunks[T]) Keep(x []T, n int) []T {
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
