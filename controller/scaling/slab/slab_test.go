package slab

import "testing"

func TestTakeClipsAndKeepGivesBack(t *testing.T) {
	var s Chunks[int]
	s.Size = 8
	a := s.Take(3)
	if len(a) != 0 || cap(a) != 3 {
		t.Fatalf("Take(3) = len %d cap %d, want 0 and 3", len(a), cap(a))
	}
	a = append(a, 1)
	a = s.Keep(a, 3)
	if len(a) != 1 || cap(a) != 1 {
		t.Fatalf("Keep = len %d cap %d, want 1 and 1", len(a), cap(a))
	}
	// what a left unused is handed out next, and appending to a copies
	// rather than writing into b's room
	b := append(s.Take(2), 7, 8)
	if &b[0] != &s.buf[1] {
		t.Fatal("the next Take did not start where Keep gave room back")
	}
	a = append(a, 9)
	if b[0] != 7 || a[1] != 9 {
		t.Fatalf("append to a kept slice wrote into its neighbour: a %v b %v", a, b)
	}
	if got := s.Keep(b[:0], 2); got != nil {
		t.Fatalf("Keep of nothing = %v, want nil", got)
	}
	if len(s.buf) != 1 {
		t.Fatalf("after giving all of a Take back the chunk holds %d, want 1", len(s.buf))
	}
}

func TestKeepOfAnOutgrownSliceGivesAllBack(t *testing.T) {
	var s Chunks[int]
	x := s.Take(2)
	x = append(x, 1, 2, 3) // outgrew its room: copied by append
	if got := s.Keep(x, 2); len(got) != 3 || len(s.buf) != 0 {
		t.Fatalf("Keep = %v with %d left in the chunk, want 3 values and 0", got, len(s.buf))
	}
	if y := s.Take(Default + 1); cap(y) != Default+1 {
		t.Fatalf("a Take larger than a chunk has cap %d, want %d", cap(y), Default+1)
	}
}
