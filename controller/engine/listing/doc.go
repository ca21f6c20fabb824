// Package listing reads a cluster listing for controller/engine's pass:
// what an entry allocates (AllocationOf) and uses of it (CPUFraction),
// what each node gives its running containers (AllocatedOf, the guard's
// room) and whether a VMID is listed twice (VMIDs.Distinct) or a followed one as a template, which decides
// whether the engine may fold, score and decide each container in one
// walk (VMIDs.Fusable, Engine.Step).
//
// # Imports
//
// proxmox for the listing's types and controller/scaling for the
// allocations' (enforced by test/layout); never the engine.
//
// # Concurrency
//
// AllocationOf, CPUFraction and AllocatedOf are pure functions. A VMIDs belongs to one
// engine and is not safe for concurrent use.
package listing
