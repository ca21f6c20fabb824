// Package urgency orders a pass's decisions for the guard
// (scaling.Pass.Admit), most urgent first, so that the room of a node and
// the write budget of a pass go where they matter most.
//
// # Imports
//
// controller/scaling and the standard library only (test/layout): the
// decision core does not import it; the engine, which admits, does.
//
// # Concurrency
//
// Order is a pure function of its arguments; it reorders idx, which the
// caller owns.
package urgency
