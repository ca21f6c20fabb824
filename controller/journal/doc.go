// Package journal is the crash journal of the controller's writes: the
// append-only file "<state file>.journal" beside the state file, its record
// format (one JSON line per intent or outcome, with increasing sequence
// numbers), opening it after a crash (a torn last line cut off, a file too
// large to be one moved aside, undecodable lines skipped and counted), the
// fsynced appends (Intent before a write, Outcome after it or for a manual
// change), emptying it once a saved state holds every record (Truncate),
// and Replay, which folds the records a state file does not hold yet into
// the containers' states: an intent without an outcome (a kill mid-write)
// counts as applied, and no record moves a last action back in time.
//
// The controller owns when to journal and what to do without a journal
// (controller/journal_controller.go): it opens the journal after loading
// the state, replays it, journals the loop's enforced writes and the API's
// manual changes, and truncates it after each save.
//
// # Imports
//
// The standard library, controller/durable (the append-only file and the
// move aside) and controller/scaling (the changes, outcomes and container
// states it records and replays) only: never controller, which wires it
// (enforced by test/layout).
//
// # Concurrency
//
// A Journal is safe for concurrent use: the loop journals its writes and
// the API's manual changes arrive from other goroutines; appends are
// serialised, one write(2) and fsync each. Replay and the decoding are
// pure functions of their arguments; Replay changes the map it is given,
// which its caller owns.
package journal
