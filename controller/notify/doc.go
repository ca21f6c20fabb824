// Package notify tells people what the controller did: it posts events
// (a change applied, failed or recommended, a container turned anomalous,
// a node unreachable or back, a change of leader) to webhooks in one of
// four formats: json (the event itself, for receivers of one's own),
// ntfy, Gotify and Slack (a message naming the container and the change).
//
// # Delivery
//
// Each POST carries X-Lxc-Autoscale-Event-Id, unique per event and the
// same on every retry and for every webhook, so a receiver drops what it
// already has; with a secret, X-Lxc-Autoscale-Signature is "sha256=" and
// the hex HMAC-SHA256 of the raw body. An attempt that gets no answer
// within AttemptTimeout (10 s, never over 40 s), a connection failure, a
// 5xx, 408 or 429 is retried with the same body after a backoff (1 s
// doubling to 1 m, a quarter of jitter, a longer Retry-After honoured up
// to 1 m)
// until GiveUpAfter (10 m) past the first attempt. Any other 4xx is final,
// and so is a 3xx: redirects are never followed, so that a body and its
// signature go only where the operator said. An event given up is
// counted (lxc_autoscale_notify_events_total), logged by webhook name and
// told to Options.Failed, which cmd appends to the audit record; events
// dropped (the queue full, or shutting down) are counted one by one and
// logged and told together, so that a burst makes one line and one record.
//
// A webhook's URL may hold a credential (a Slack webhook's path, Gotify's
// ?token=, ntfy's user info): it is never logged, never put in an error,
// never in a metric; the webhook's name stands for it.
//
// # Imports
//
// The standard library, zerolog and the Prometheus client, nothing of
// the project: the controller builds Events from its decisions, cmd maps
// the configuration into Options and a Failure into an audit record.
//
// # Concurrency
//
// Each webhook has a queue of QueueSize events and one goroutine that
// posts them in order, one at a time (an event being retried holds the
// ones behind it, so a receiver sees them in order). Notify and
// LeaderChanged are safe from any goroutine and never block: an event
// for a full queue is dropped. Close stops taking events, lets the queues
// drain until its context ends, then abandons the rest.
package notify
