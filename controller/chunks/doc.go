// Package chunks spreads the per-container work of a pass over
// goroutines: Workers is how many a pass of n containers takes (the
// monitor.workers setting, or one per CPU and 1,000 containers), and Run
// calls a function on consecutive ranges of the containers, which those
// goroutines take in turn. The engine's sharded walk (controller/engine)
// and the loop's publishing of the views (controller, controller/ctview)
// share the rule, so that a pass uses the CPUs one setting gives it.
//
// # Imports
//
// The standard library only.
//
// # Concurrency
//
// Run returns when every range is done; the function it is given runs on
// several goroutines at once and must write only what its range owns.
package chunks
