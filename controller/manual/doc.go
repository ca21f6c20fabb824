// Package manual is what the REST API does on an operator's request:
// resource changes, disk growth, snapshots, clones, deletes, starts and
// pauses, and the tasks they start. They go through the same client, the
// same compare-and-set rules (a resource change is written by the loop's
// Actuator, through Applier) and the same audit as the loop's own changes;
// the API never calls proxmox directly.
//
// It is also the one home of the validation rules of those requests
// (VMIDs, host names, node names, snapshot and disk names, the limits of
// each value): the API checks a request with the same functions
// (ValidHostname, ValidSnapshotName, ...) and words its own messages.
//
// Errors: every error matches one proxmox sentinel that controller's
// Classify maps to an ErrorClass. Input refused before any request is sent
// is an *InvalidRequestError (proxmox.ErrValidation, ClassInvalid) naming
// every bad field.
//
// # Imports
//
// proxmox, controller/scaling and controller/audit; never controller
// itself (controller forwards its names here, and wires the Actuator in as
// the Applier), httpapi, config or cmd.
//
// # Concurrency
//
// Operations is safe for concurrent use. With WatchTasks it follows each
// task it starts in a goroutine of its own until the task ends, to audit
// the outcome; Close stops and waits for those goroutines (and for
// RecoverTasks, which audits at start the ends of tasks a previous run
// left audited as started). Options.Recorded is called from those
// goroutines and from the callers'.
package manual
