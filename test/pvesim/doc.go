// Package pvesim is an in-memory Proxmox VE cluster served over HTTP under
// /api2/json, faithful enough on the wire that go-proxmox v0.8.2 and the
// project's own client cannot tell it from a real cluster. Every test of the
// project's Proxmox side runs against it, so it behaves like PVE, not like
// whatever the client sends: realistic by default, including where PVE is
// inconvenient, and each simulated behaviour names the PVE source file or API
// document it comes from in a comment.
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
// # Versions
//
// Each node runs PVE 7, 8 or 9 (Options.NodeVersions; default 9.1.1), so a
// cluster can be mid-upgrade. Proxied calls answer as their node: node
// status pveversion/kversion, vmid a string in lxc list and status before
// PVE 8.2, PSI pressure fields only on 9 and only while running. Calls that
// are not proxied (/version, rrddata, listings) answer as pve1, the node the
// client talks to: rrddata uses pve1's layout (pve2-vm with 70 rows per
// timeframe up to PVE 8, pve-vm-9.0 on 9), with PSI only when the
// container's node collects it.
//
// # Outages
//
// SetNodeOnline(false) is a node the cluster already knows to be down.
// KillNode is a node that just died: its proxied calls answer 595
// "Connection refused" with no body at once, while /nodes, /cluster/status
// and /cluster/resources list it online with its last stats for
// Options.NodeDeathGrace (30 s) before it turns offline and its containers
// unknown. While a node is down its containers' RRD gets no samples, so those
// rows hold only "time" (PVE 9 drops such a newest row), and its running
// tasks die: "unexpected status", their locks left behind. ReviveNode
// reboots it: only running containers with onboot=1 come back. Stopped containers
// list zeros for their usage and RRD rows with only the configured sizes.
//
// # Control while running
//
// Faults (status, reason, latency, hang, task exit, count, rate; per method,
// route, node and client token), node outages, locks, foreign config
// changes, added, removed and migrated containers and the clock can all be
// changed while the Sim serves, from Go or over HTTP through the control
// subpackage (JSON under /_pvesim/, mounted by cmd/pvesim on the same
// listener). A
// fault with Token set hits one client only, so a test can cut one
// controller instance off the cluster while another keeps working.
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
// Only the standard library, test/pvesim/workload and its internal
// packages; never a production package of the project (tests may use
// go-proxmox). Where each kind of change goes:
//
//   - internal/schema: parameter specs, request decoding and
//     PVE::JSONSchema validation (which route takes what: routes.go);
//   - internal/answer: how an answer goes on the wire;
//   - internal/jsonw: the JSON writer of the answers;
//   - internal/pveconf: the .conf format, volumes, sizes and storages;
//   - internal/pveversion: what differs between PVE 7, 8 and 9;
//   - internal/access: tokens, users and tickets;
//   - internal/notify: notifications.cfg's matchers (a leader lease's object);
//   - control: the HTTP control API under /_pvesim/ (it imports pvesim,
//     not the other way round);
//   - this package: the cluster state, its Go API and the API handlers.
//
// # Concurrency
//
// A Sim is safe for concurrent use by any number of HTTP requests (API and
// control) and Go callers. One mutex guards the cluster state (the access
// store has its own, taken only under it or alone); fault latency, hangs
// and RRD history are computed outside it.
package pvesim
