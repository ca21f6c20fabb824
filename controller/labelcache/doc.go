// Package labelcache keeps the children of Prometheus metric vectors by
// key, so that a loop that sets the same children every pass (a gauge per
// container, a counter per pair of labels) hashes and formats their labels
// once rather than through WithLabelValues on every call.
//
// It owns the Cache type only; whoever deletes a child from its vector
// drops it from the cache too.
//
// # Imports
//
// The standard library only: the vectors are the caller's, reached
// through the make function it passes.
//
// # Concurrency
//
// A Cache is safe for concurrent use; the zero value is ready.
package labelcache
