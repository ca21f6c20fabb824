package handoff

import (
	"slices"
	"sync"
	"testing"
)

// Many producers, one consumer woken by Ready: every item arrives once,
// each producer's in its order.
func TestQueueDeliversEveryItemOnceInProducerOrder(t *testing.T) {
	q := New[[2]int]()
	const producers, each = 8, 500
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			for i := range each {
				q.Put([2]int{p, i})
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	var got [][2]int
	for finished := false; !finished; {
		select {
		case <-q.Ready():
		case <-done:
			finished = true
		}
		got = append(got, q.Take()...)
	}
	got = append(got, q.Take()...)
	if len(got) != producers*each {
		t.Fatalf("%d items taken, want %d", len(got), producers*each)
	}
	next := make([]int, producers)
	for _, v := range got {
		if v[1] != next[v[0]] {
			t.Fatalf("producer %d: item %d after %d", v[0], v[1], next[v[0]]-1)
		}
		next[v[0]]++
	}
	if q.Take() != nil {
		t.Error("a second Take returned items")
	}
	if !slices.Equal(next, slices.Repeat([]int{each}, producers)) {
		t.Errorf("items per producer %v", next)
	}
}
