// Package pvesim is an in-memory Proxmox VE 9 cluster served over HTTP under
// /api2/json, faithful enough on the wire that go-proxmox v0.8.2 and the
// project's own client cannot tell it from a real cluster. Every test of the
// project's Proxmox side runs against it.
//
// It owns the simulated cluster state (nodes, containers, configs, digests,
// locks, snapshots, tasks, tickets), the per-route parameter specs and their
// validation, faults and the request log. Usage comes from the workload
// subpackage.
//
// It imports only the standard library and test/pvesim/workload; it must not
// import any production package of the project.
//
// Concurrency: a Sim is safe for concurrent use by any number of HTTP
// requests and Go callers; one mutex guards the cluster state, and usage is
// computed lazily on read.
package pvesim
