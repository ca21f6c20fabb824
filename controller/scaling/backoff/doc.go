// Package backoff is the wait after failed writes to a container
// (controller/scaling's ContainerState.Record sets RetryAfter from it, and
// NotAfter bounds a RetryAfter from the future by Max): 30 s doubled per
// failure after the first, at most 30 minutes. It does not depend on the
// pass interval, so that a short interval does not hammer a failing node,
// nor on anything of the cluster: a leader that takes over reads the same
// ladder from the failures it is handed (controller/takeover).
//
// # Imports
//
// The standard library only (test/layout).
//
// # Concurrency
//
// Pure functions of their arguments.
package backoff
