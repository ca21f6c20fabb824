package handoff

import "sync"

// Queue holds what producers handed over until the consumer takes it.
// The zero value is not usable; use New.
type Queue[T any] struct {
	mu    sync.Mutex
	items []T
	ready chan struct{} // one token while items may be waiting
}

// New returns an empty Queue.
func New[T any]() *Queue[T] {
	return &Queue[T]{ready: make(chan struct{}, 1)}
}

// Put hands v over and wakes the consumer. It never blocks.
func (q *Queue[T]) Put(v T) {
	q.mu.Lock()
	q.items = append(q.items, v)
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default: // a token is already there
	}
}

// Take returns what was handed over since the last Take, oldest first.
func (q *Queue[T]) Take() []T {
	q.mu.Lock()
	defer q.mu.Unlock()
	items := q.items
	q.items = nil
	return items
}

// Ready has a token after a Put; a token may outlive the Take that found
// its items, which then returns nothing.
func (q *Queue[T]) Ready() <-chan struct{} { return q.ready }
