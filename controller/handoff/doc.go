// Package handoff carries results from background goroutines to the loop
// goroutine of the controller, which alone may fold them into what the
// engine owns (the windows): producers Put, the loop Takes at the start of
// a pass or when Ready tells it, while it waits for the next one. It is
// how the RRD backfill (controller/backfill) hands its histories over, and
// is meant for any other start-up load that runs beside the passes.
//
// # Imports
//
// The standard library only.
//
// # Concurrency
//
// A Queue is safe for any number of producers and one consumer. Put never
// blocks, so a producer that must not run ahead of the loop bounds itself.
package handoff
