// Package takeover carries write backoffs and cooldowns across a change
// of leader (issue 16) by reconstruction from what the cluster shows,
// since the old leader's record of its writes is on its own disk only.
//
// # Cooldowns from before a replica watched (unseen.go)
//
// The engine notes every resize the listings show as a change between two
// of them, but a change made before a replica's first listing of a
// container shows in none: a replica started a few seconds after the
// leader's last write, leading a pass after the lease ran out, would
// change the container again at once. NoteUnseen therefore starts each
// resource's cooldowns from when the replica's knowledge begins (its
// first listing, or the oldest history it folded from lxc_metrics.json or
// the RRD, whose resizes the engine scans), the latest time an unseen
// change can have been made, unless a change is known as late. A change
// it knows of from earlier (its own last write, restored from its state
// after a restart) that still holds a cooldown keeps it, counted from
// that time too: a later fold may drop or move back an unseen note, never
// a known change's cooldown. A replica
// that watched a container for longer than its cooldowns holds nothing,
// nor one whose leadership follows none (it created the lease: no replica
// led before it).
//
// # Backoffs (takeover.go)
//
// A follower decides every pass as the leader does (controller/engine).
// When its decision has wanted the same change (resource and direction)
// of an enforced container for a sustained run of passes and the listings
// showed no change of that resource, the leader either held it (its write
// budget, a node's capacity) or failed to write it. A replica that starts
// to lead takes each such run as the failed writes scaling.DefaultBackoff
// would have spaced over it (failing at the run's start and at every
// retry up to its last pass: at least one), and sets the container's
// Failures and RetryAfter to what the old leader's record would hold, so
// that it waits out the rest of that backoff instead of retrying at once
// and restarting the ladder at 30 s. It never shortens a backoff the
// state already holds.
//
// # Thresholds
//
// A run counts from Passes (3) consecutive passes spanning at least
// scaling.DefaultBackoff(1) (30 s), whose last pass is at most two pass
// intervals before the takeover. A healthy leader's write shows in the
// listing a pass or two after a follower first wants it (the replicas'
// passes are not in step, nor are their windows exactly alike), and a
// write that landed before the takeover shows in the takeover pass's own
// listing, which ends the run before it is taken (the engine observes
// before it decides). A pass that does not want the change (a lock in the
// listing: no leader writes a locked container; a policy in dry-run or
// recommend mode: no leader writes either) breaks the run; so does a gap
// of more than two intervals between passes that want it. A run taken
// wrongly costs one backoff of its length: a run of 30 s to 1.5 min
// counts two failures, a wait of at most a minute.
//
// # Imports
//
// controller/scaling only (the changes, the allocations, DefaultBackoff).
//
// # Concurrency
//
// None: Runs belongs to the engine and is used from its pass only.
package takeover
