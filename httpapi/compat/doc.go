// Package compat serves the routes of the original LXC AutoScale ML API
// (reference §2), kept so that scripts written for it keep working: same
// paths, methods, field names and aliases, and the
// {"status","message","data"} envelope. What differs, on purpose: data is
// structured JSON instead of pct's text, a missing container is 404 (the
// original answered 500), a lock 409, and every route needs a token (the
// original had none by default).
//
// It owns the original's input rules (fields, aliases, limits), its
// envelope and its handlers. The server that mounts it (httpapi) owns
// authentication, rate limits, body limits and the classes of errors, and
// hands them in through Host; this package must not import httpapi. It
// imports controller for Operations and its types.
//
// Concurrency: an API holds no mutable state; its handlers run
// concurrently and share only Operations, which is safe for concurrent
// use.
package compat
