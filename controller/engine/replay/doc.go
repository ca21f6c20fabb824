// Package replay runs the loop's own pass (engine.Engine.Step) on
// observations a simulation supplies (engine.Observed) instead of a
// cluster listing: controller/sim's "ours" policy, so that simulate
// measures the code that runs.
//
// # Imports
//
// controller/engine and controller/scaling only (test/layout).
//
// # Concurrency
//
// A Replay belongs to its caller's goroutine.
package replay
