// Package resizes starts the cooldowns from resizes made by someone else
// (another replica that led before, an operator in the PVE UI), as the
// engine's own do, so that a new leader never changes a resource sooner
// after anyone's change than the cooldown allows. The time of such a
// change is not known, only the two observations it lies between: the
// later one is taken, the conservative choice. A change that the engine's
// own last action on the resource explains (same target, made since the
// earlier observation, and known to have landed) is left alone; an own
// write of unknown outcome explains nothing, since another writer may have
// made the same change after it.
//
// # Imports
//
// controller/scaling for the state and allocation types; never the
// engine (test/layout).
//
// # Concurrency
//
// Note writes only the state it is given.
package resizes
