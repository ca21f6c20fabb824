// Package admission is the end of controller/engine's pass: the
// decisions that want a change, ordered by urgency
// (controller/scaling/urgency), through the guard with the room of the
// listed nodes (Admit).
//
// # Imports
//
// controller/scaling, its urgency, controller/engine/listing and proxmox
// for the listing's types, controller/chunks; never the engine
// (test/layout).
//
// # Concurrency
//
// Admit writes only the decisions and the guard it is given: one call at
// a time per guard. It guards what follows a spent write budget on
// goroutines of its own, done before it returns.
package admission
