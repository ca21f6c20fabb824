// Package control is pvesim's HTTP control API: JSON routes under
// /_pvesim/ that change a running Sim (node outages, faults, locks,
// foreign config changes, containers added, removed and migrated, the
// request log and the clock), so an end-to-end test can script a timeline
// against a pvesim process. Every route calls the pvesim.Sim method of the
// same name; what it owns is the wire format and the strict checking of
// bodies (each bad field answers 400 naming it and what is allowed).
//
// It imports the standard library and test/pvesim/... only, never a
// production package. Handler is safe for concurrent use: all state is
// the Sim's, behind the Sim's own lock.
package control
