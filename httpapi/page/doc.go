// Package page renders the status page: server-rendered HTML from the
// loop's snapshot (or, without a loop, a live cluster listing), escaped by
// html/template, without JavaScript, with its one style element allowed by
// a per-response CSP nonce, refreshed once per loop interval.
//
// It owns the page's view (what each row says, how values are formatted:
// the summary with the mode and each policy's, the nodes table of what the
// running containers are allocated against each node's capacity, the
// containers table with an inline SVG sparkline of each container's last
// hour, drawn from the loop's History when the Snapshotter is also a
// Historian) and its template (page.html), laid out to be read at 1366 px.
// It does not authenticate: the server that mounts it (httpapi) does, and
// must not be imported from here. It imports controller and
// controller/ctview for the snapshot's types.
//
// Concurrency: the handler holds no mutable state; the parsed template is
// immutable and safe for concurrent use; the Snapshotter and Lister it is
// given must be safe for concurrent use (the loop's History is).
package page
