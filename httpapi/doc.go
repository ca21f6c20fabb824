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
// It imports controller (its types, Operations and error classes) and, for
// its error types only, proxmox (to answer Proxmox's own failures with 502
// and PVE's message); it must not call Proxmox itself. It declares the
// interface it needs of the loop (Snapshotter). Its tests also import proxmox and test/pvesim to wire
// real Operations against the simulated cluster.
//
// Concurrency: a Server serves requests concurrently; its handlers share
// only the rate limiters (guarded), the Operations and the Snapshotter, both
// safe for concurrent use.
package httpapi
