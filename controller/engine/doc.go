// Package engine is one pass of lxc-autoscale's decisions without I/O or
// wall clock. Engine.Step folds a collected Tick into each container's
// sliding window (rates from counters, restarts, migrations, deletions),
// trains the pooled isolation forest when due, computes features and
// scores, selects each container's policy, decides (controller/scaling),
// orders the decisions by urgency and guards them; Engine.Record folds
// outcomes back into the state. The loop (controller.Controller.pass) runs
// Step with its config reads in between, and the simulator
// (controller/sim) runs the same Step through Replay with a trace in place
// of the listing, so that simulate measures the code that runs.
//
// It owns the windows (window.go), the features and the model
// (features.go, model.go), the config facts a read taught (facts.go) and
// what a listing turns into (observe.go). It reports what the loop logs
// and counts through Hooks and never logs, reads the clock or calls
// Proxmox itself: its time is the tick's.
//
// # Imports
//
// controller/scaling, forest, and proxmox for its types only; never
// controller, config, httpapi or a logger (enforced by test/layout).
//
// # Concurrency
//
// An Engine belongs to one goroutine (the loop's); a Replay to its caller.
// The loop reads Tracked after a pass, on the same goroutine.
package engine
