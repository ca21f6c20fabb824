// Package room is what controller/scaling's Guard weighs a pass's
// increases against: what a node offers its containers (NodeCapacity,
// from the node listing), what it has given them (Allocated) and the
// guard's options (overcommit, the host's reserve, the write budget),
// with the limits those make. scaling re-exports the types, so that its
// callers name them as before; the guard's admission stays there, with
// the holds it writes.
//
// # Imports
//
// The standard library only (test/layout).
//
// # Concurrency
//
// Values and pure methods.
package room
