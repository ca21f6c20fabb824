// Package httpapi is the REST API of lxc-autoscale (echo v4): the
// versioned API under /api/v1, the original LXC AutoScale ML routes for
// existing scripts, /metrics, /healthz, /readyz, /health/check, the OpenAPI
// document and the status page at /.
//
// Secure by default: every route but health (and /metrics when configured
// public) needs a token (Authorization: Bearer or X-API-Key), stored as
// SHA-256 hashes and compared in constant time, with three scopes: read,
// operate (scale, grow, snapshots, pause) and admin (rollback, clone,
// delete). Requests are rate limited per token and per client address,
// bodies are size limited, writes take JSON only and reject unknown fields.
// Handlers never call Proxmox: reads come from the controller's snapshot,
// writes go through controller.Operations, which audits them.
//
// It imports controller (its types, Operations and error classes) and
// nothing else of the project; it declares the interface it needs of the
// loop (Snapshotter). Its tests also import proxmox and test/pvesim to wire
// real Operations against the simulated cluster.
//
// Limits against a flood of clients: headers of at most 64 KiB (431),
// at most MaxConnections connections served at once (more wait), a budget
// of failed authentications per client address (429, logged without the
// token), a repeated query parameter refused (400), and task waits capped
// (503); a wait waits on the task's watcher in Operations, its one
// Proxmox poller whatever its number of waiters.
// Health routes tell their reasons only to a token holder. Proxmox's own
// failures are answered 502; 500 is only ever our fault.
//
// Concurrency: a Server serves requests concurrently; its handlers share
// only the rate limiters (guarded), the task wait slots and read
// coalescing (guarded), the Operations and the Snapshotter, both safe for
// concurrent use. It starts no goroutine of its own beyond net/http's.
package httpapi
