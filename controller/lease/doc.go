// Package lease is the leader election of lxc-autoscale replicas: any
// number of instances started with the same configuration coordinate
// through one lease kept in the Proxmox cluster itself, and exactly one of
// them (the holder) writes to the cluster.
//
// # The object
//
// The lease is the comment of a notification matcher,
// /cluster/notifications/matchers/lxc-autoscale-lease, created disabled so
// that it routes no notification. It was chosen because pmxcfs keeps
// notifications.cfg consistent cluster-wide, its PUT takes a digest
// (compare-and-set), and it needs only Mapping.Modify on
// /mapping/notifications, a narrow privilege; a firewall alias would need
// Sys.Modify on /, an HA resource a guest to manage. The digest is of the
// whole notifications.cfg, so an unrelated edit (an operator adding a
// target) also fails a compare-and-set: the elector then reads again and
// retries, and never takes a digest mismatch for a lost lease. Whether it
// holds the lease is only ever decided by the holder, epoch and renew
// counter in the comment.
//
// # Time
//
// Wall clocks are never compared across hosts. A follower takes over only
// after it has seen the record (holder, epoch, renew counter) unchanged
// for Duration on its own monotonic clock. The holder considers itself
// leader until the time it sent its last successful renew plus Duration
// minus Margin (local monotonic), so it stops before any follower can start:
// the follower's Duration runs from a read made after that renew landed.
// Margin covers clock-rate differences and a write still travelling.
//
// # Fencing
//
// Gate is asked before every write (proxmox.Options.WriteGate): it refuses
// unless this instance leads with at least MinWriteTime of its lease left,
// reads the record once more to confirm that it still holds that epoch (a
// VM frozen past its lease may come back with a monotonic clock that did
// not see the freeze), and bounds the write's context by the lease's end.
// An instance paused past its lease (SIGSTOP, a freeze, a partition)
// therefore makes no write after it resumes unless it acquires the lease
// again, with a new epoch.
//
// # What a takeover keeps
//
// The lease carries no scaling state. A new leader keeps the cooldowns
// from the resizes it saw in the listings (controller/engine's
// NoteResizes), counts those of a container it watched for less than a
// cooldown from when it began to watch (controller/takeover's
// NoteUnseen), and keeps the write backoffs from the changes it wanted and saw
// the old leader leave unmade while it followed (controller/takeover: a
// run of at least 3 passes over at least 30 s counts as the failures
// DefaultBackoff spaces over it).
//
// # Imports
//
// proxmox (the matcher calls and their errors), prometheus and zerolog;
// never controller, config, httpapi or cmd.
//
// # Concurrency
//
// Run is the election loop and must be called once. Leading, Leader,
// Status, Ready and Gate are safe from any goroutine while it runs.
//
// # Timings
//
// Defaults for Duration 15 s: renewal every 5 s, followers read every 2 s,
// the leader stops 3 s early, a write needs 1 s of lease left. A follower
// takes over at most Duration + one read after the last renewal it saw
// (16.3 s in TestDefaultTakeoverBound), within the 30 s.
package lease
