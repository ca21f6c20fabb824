// Package span says how far back a sampled series reaches: its sampling
// interval and whether it covers a period, for controller/scaling's
// stabilisation (a change waits for usage past a threshold over a whole
// period, and two minutes of samples have not been anything for ten).
// Samples come at their own phase, so coverage allows one sampling
// interval of slack at the period's start, the smallest gap seen rather
// than a typical one so that a hole in the data (the controller was down)
// never widens it; holes inside the period are not looked for: an outage
// is no evidence that usage changed.
//
// # Imports
//
// The standard library only (test/layout): a leaf of scaling.
//
// # Concurrency
//
// Pure functions of their arguments; a Times is only read, during the
// call.
package span
