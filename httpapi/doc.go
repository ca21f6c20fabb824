// Package httpapi is the REST API of lxc-autoscale (echo v4): the
// versioned API under /api/v1, the original LXC AutoScale ML routes for
// existing scripts (mounted from httpapi/compat), /metrics, /healthz,
// /readyz, /health/check, the OpenAPI document and the status page at /.
//
// Secure by default: every route but health (and /metrics when configured
// public) needs a token (Authorization: Bearer or X-API-Key), stored as
// SHA-256 hashes and compared in constant time, with three scopes: read,
// operate (scale, grow, snapshots, pause) and admin (rollback, clone,
// delete). One authentication path serves every route (auth.go: require;
// the status page alone also takes the token as a Basic password).
// Requests are rate limited per token and per client address, with the
// status page in buckets of its own and /metrics not limited but served
// from a cache gathered at most once a second (middleware.go: rateClass
// says why); bodies are size limited, writes take JSON only and reject
// unknown fields.
// Handlers never call Proxmox: reads come from the controller's snapshot,
// writes go through controller.Operations, which audits them.
//
// Where things go: server.go builds the server and its middleware chain,
// auth.go tokens and scopes, middleware.go errors, body limits and rate
// limits, security.go connection and query limits, v1.go the /api/v1
// route table and its input rules, then one file per resource
// (containers, nodes, resources, snapshots, clone, delete, pause,
// decisions, audit, tasks, health, metrics, page, openapi). Two parts
// live in subpackages that must not import httpapi: the original's routes
// (compat; compat.go here mounts them behind this package's
// authentication and hands them what they need, compat.Host) and the
// status page's view and template (page; page.go here mounts it).
// monitoring/ holds no Go: the Grafana dashboard and the alerting rules
// over this server's /metrics, with their promtool tests.
//
// It imports controller (its types, Operations and error classes) and its
// subpackages compat and page (which reads controller/ctview's types of
// the snapshot), nothing else of the project; it declares the
// interface it needs of the loop (Snapshotter). Its tests also import
// proxmox and test/pvesim to wire real Operations against the simulated
// cluster.
//
// Limits against a flood of clients: headers of at most 64 KiB (431),
// at most MaxConnections connections served at once (more wait), a budget
// of failed authentications per client address (429, logged without the
// token), a repeated query parameter refused (400), and task waits capped
// (503). A task wait waits on the task's watcher in Operations, the one
// Proxmox poller of a task whatever its number of waiters; concurrent
// reads without a wait share one request. Health routes tell their
// reasons only to a token holder. Proxmox's own failures are answered
// 502; 500 is only ever our fault.
//
// Concurrency: a Server serves requests concurrently; its handlers share
// only the rate limiters (guarded), the /metrics cache (guarded; one
// gathering at a time), the task wait slots (a channel), the
// coalesced task reads (singleflight), the listing cache (atomic), the
// Operations and the Snapshotter, both safe for concurrent use.
package httpapi
