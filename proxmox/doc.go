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
//     maxcpu and RRD values, absent RRD fields), with a small strict JSON
//     scanner on the hot listing path;
//   - endpoint failover, ticket login and renewal, TLS verification by CA file
//     or pinned certificate fingerprint, bounded concurrency, a timeout per
//     attempt and retries with backoff for failures known to be retryable,
//     never repeating a request that starts a task unless it is known not to
//     have reached the server;
//   - typed, classified errors (errors.go) and request metrics (metrics.go).
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
// error, a log line or a metric label.
package proxmox
