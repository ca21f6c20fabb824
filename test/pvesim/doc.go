// Package pvesim is an in-memory Proxmox VE 9 cluster served over HTTP under
// /api2/json, faithful enough on the wire that go-proxmox v0.8.2 and the
// project's own client cannot tell it from a real cluster. Every test of the
// project's Proxmox side runs against it, so it behaves like PVE, not like
// whatever the client sends.
//
// # What it owns
//
// The cluster state (nodes, containers and their raw .conf sections, digests,
// locks, snapshots, worker tasks, API tokens and tickets), hand-written
// per-route parameter specs with PVE::JSONSchema's validation and messages,
// faults, and a request log. Usage comes from the workload subpackage.
//
// Wire fidelity: error messages travel in the HTTP reason phrase (the
// connection is hijacked to write the status line, then closed), bodies are
// {"data":…} plus "errors" and "message" on failures, 595 with an empty body
// for proxied calls to an offline node, and PVE's type quirks (cpulimit and
// cpus-from-cpulimit as strings, nextid as a string, 0/1 booleans).
// Calls it does not simulate answer 501 like PVE does for unknown methods;
// schema parameters it does not simulate answer 400 "parameter not
// supported by pvesim".
//
// # Time
//
// Everything runs on the simulated Clock. Worker tasks last
// Options.TaskDuration of simulated time and hold their lock meanwhile; with
// Speed 0 the clock only moves through Clock().Advance or FinishTasks. Work
// is lazy: tasks finish and I/O counters are integrated (on the 10 s
// pvestatd cadence) when somebody looks, so idle containers cost nothing.
//
// # Imports
//
// Only the standard library and test/pvesim/workload; never a production
// package of the project (tests may use go-proxmox).
//
// # Concurrency
//
// A Sim is safe for concurrent use by any number of HTTP requests and Go
// callers. One mutex guards the cluster state; fault latency, hangs and RRD
// history are computed outside it.
package pvesim
