// Package page renders the status page: server-rendered HTML from the
// loop's snapshot (or, without a loop, a live cluster listing), escaped by
// html/template, without JavaScript, with its one style element allowed by
// a per-response CSP nonce, refreshed once per loop interval.
//
// It owns the page's view (what each row says, how values are formatted)
// and its template (page.html). It does not authenticate: the server that
// mounts it (httpapi) does, and must not be imported from here. It
// imports controller for the snapshot's types.
//
// Concurrency: the handler holds no mutable state; the parsed template is
// immutable and safe for concurrent use; the Snapshotter and Lister it is
// given must be safe for concurrent use.
package page
