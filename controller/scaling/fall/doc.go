// Package fall tells a decay from bursts in a stabilisation period's
// usage (controller/scaling sizes a decrease down a decay from the newest
// half of the period, falling.go there). A crowd leaving, a job winding
// down: usage falls through the period, its level with its peaks, and a
// decrease sized from the whole period stops where the decay was an hour
// ago, one step more each cooldown. Bursts over a flat level, smaller and
// smaller or ended, keep their level (the median) and come back.
//
// # Imports
//
// The standard library only (test/layout): a leaf of scaling.
//
// # Concurrency
//
// Pure functions of their arguments.
package fall
