// Package sat is the saturating integer arithmetic of controller/scaling:
// sums, products and byte counts that stop at the largest value instead
// of wrapping, so that a policy's max of math.MaxInt64 or a sample of
// absurd bytes yields a limit, never a negative one, and bytes in whole
// MiB (rounded up for what a peak needs, down for what a bound allows).
//
// # Imports
//
// The standard library only (test/layout): a leaf of scaling.
//
// # Concurrency
//
// Pure functions of their arguments.
package sat
