// Package proxmox is the project's only way to talk to a Proxmox VE cluster.
//
// It wraps github.com/luthermonson/go-proxmox (v0.8.2) for authentication,
// request construction and encoding, and puts its own layers around it:
//
//   - a recording http.RoundTripper that keeps the status line, PVE's reason
//     phrase and the body of every answer, because go-proxmox hides them
//     (404/595/596 bodies become silent successes, 403 text is lost, 500 errors
//     keep only the reason phrase);
//   - its own decoding of every answer into the plain structs of types.go,
//     tolerant of PVE's wire quirks (string cpulimit/cpus/nextid, fractional
//     maxcpu and RRD values, absent RRD fields): encoding/json for the small
//     answers, a small strict JSON scanner (internal/jsonscan) for the large
//     ones (container listings, RRD);
//   - endpoint failover, ticket login and renewal, TLS verification by CA file
//     or pinned certificate fingerprint, bounded concurrency, a timeout per
//     attempt and retries with backoff for failures known to be retryable,
//     never repeating a request that starts a task unless it is known not to
//     have reached the server;
//   - typed, classified errors (errors.go) and request metrics (metrics.go).
//
// What go-proxmox does here: the API token header, building and JSON-encoding
// requests (Client.Req), and the ticket login (Client.Ticket). What it does
// not: decoding answers, retries (its WithRetry would resend a task-starting
// POST), task waiting (Task.Wait returns nil for failed tasks and sleeps
// without watching ctx; NewTask panics on 7-field UPIDs) and the session
// cookie (its session field is read without a lock, so the client keeps the
// ticket itself and adds it through a request interceptor).
//
// Writes: UpdateConfig always needs the digest read right before it (no
// force); ResizeDisk takes one too. A request that changes state is sent
// again only when it never reached PVE (a failure before its headers were
// written, such as connection refused, or a 401 answered before the handler
// ran, after a fresh login); reads are retried on
// transport failures, timeouts, 502/503/504/429, 596 and PVE's config-lock
// timeouts.
//
// No go-proxmox type leaves the package. The package imports nothing of the
// project; the controller declares the interface it needs and *Client
// satisfies it.
//
// Concurrency: a *Client is safe for concurrent use by many goroutines. The
// number of requests in flight is bounded by Options.MaxConcurrency. Returned
// values are owned by the caller; the client keeps no reference to them.
//
// Secrets: the token secret, the password and the ticket never appear in an
// error, a log line or a metric label, and never leave for another address:
// the client follows no redirect (PVE's API sends none; a 3xx is an
// APIError naming only the scheme and host it pointed to). An endpoint
// without a port means pveproxy's 8006.
package proxmox
