// Package policies picks the rules each container is decided under: the
// operator's policies (scaling.rules overridden by VMID, Proxmox tag or
// pool, first match wins), the opt-in and opt-out tags and the ignore
// list (Selection.Select). It is the one home of these matching rules;
// config builds a Selection, the engine and the simulator ask it.
//
// # Imports
//
// controller/scaling (for Rules) and the standard library only
// (test/layout): the decision core does not import it, so a decision
// never depends on how its rules were chosen.
//
// # Concurrency
//
// A Selection is a value read by Select only; it is safe for concurrent
// use as long as nobody modifies it.
package policies
