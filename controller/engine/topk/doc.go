// Package topk is the list of the largest values of a running period that
// the engine's rolling features read their 95th percentile from
// (controller/engine's features_rolling.go): values enter and leave in
// any order, and the list says when it holds too few of the largest to
// answer, so that its owner refills it from the period.
//
// # Imports
//
// The standard library only (enforced by test/layout).
//
// # Concurrency
//
// A Top belongs to one container's window, which belongs to the engine's
// goroutine; nothing here is safe for concurrent use.
package topk
