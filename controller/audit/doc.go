// Package audit is the append-only record of every mutation the controller
// or the API made or attempted: one JSON object a line, rotated by size,
// never holding a secret (a Source names a token, never carries one).
//
// # Imports
//
// The standard library and controller/durable (the append-only file it
// writes through, a leaf) only: the loop's Actuator and the manual
// operations write to it, and anything may read it (Read), so it depends on
// neither.
//
// # Concurrency
//
// A Log is safe for concurrent use: Append serialises writers and a record
// is one write, so that lines never interleave. Read may run while Append
// does; a line torn by a crash is left out.
package audit
