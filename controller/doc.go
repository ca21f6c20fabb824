// Package controller is the reconcile loop of lxc-autoscale: it collects
// the usage of every LXC container of the cluster, keeps a sliding window
// per container, scores each container with the isolation forest, decides
// with thresholds, cooldowns and guards, and applies resizes through the
// Proxmox VE API as compare-and-set writes on the config digest. It also
// writes lxc_metrics.json, the state file and the journal, and records its
// Prometheus metrics.
//
// # The loop and the engine
//
// The loop (Controller) owns the I/O: collect, config reads, the
// Actuator, the export's writer, state and journal, backfill, metrics, logs
// and the snapshot. controller/engine is the decision part of a pass
// without I/O or wall clock: Engine.Step folds a collected tick into the
// windows, trains the model when due, scores, selects each container's
// policy, decides (controller/scaling), orders by urgency and guards, and
// Engine.Record folds outcomes back into the state. Controller.pass runs
// Step with its config reads in between; the simulator (controller/sim)
// runs the same Step through controller/engine/replay, with a trace in
// place of the listing, so that simulate measures the code that runs.
//
// Subpackages: engine (one pass without I/O), scaling (the pure decision
// core), lxcmetrics (the lxc_metrics.json codec), export (the
// lxc_metrics.json file: appends, compactions, repairs), audit (the audit
// record), manual (the API's manual operations and their validation
// rules), sim (what-if replay and the trace formats), backfill (the
// background RRD reader), handoff (background results to the loop) and
// lease (the election of replicas: Options.Leading, the client's gate).
// ctview (per-container gauges, the status page's hour of history).
// chunks (a pass's per-container work over goroutines).
// journal (the crash journal of the writes and its replay).
//
// Where a change goes: a new input to the decisions is a field of
// scaling.Signals read by scaling.Decide, filled in controller/engine's
// signals from the window, which its sample source feeds (collect here and
// engine.SampleFrom, the trace in controller/sim), with its thresholds in
// scaling.Rules mapped from config by cmd.
//
// # Data flow of a pass
//
// collect (GET /nodes, then GET /nodes/{node}/lxc per online node,
// concurrently: O(nodes) calls, never O(containers)) -> observe (windows,
// counters turned into rates, restarts, migrations, deletions) ->
// features and score -> Select the policy -> Decide (pure) -> urgency.Order
// and the Guard (node capacity, writes per pass) -> Actuator (fresh config
// read, digest compare-and-set, task wait) -> state, audit, metrics,
// export, Snapshot. Per-container reads happen once per container (the
// RRD backfill, in the background: see backfill.go) and right before a
// write; pools are read with one
// /cluster/resources call every few minutes, and only when a policy
// selects by pool.
//
// # The anomaly model: one pooled forest
//
// One isolation forest is trained on feature vectors of all containers
// (random samples of their windows within the training window), not one
// forest per container. A forest per container would need an hour or more
// of history per container before it could say anything, would cost
// containers x Fit at every retrain (10,000 forests), and would call every
// change of a container with a short history anomalous. The pooled model
// works because its features are normalised: utilisation as ratios of the
// allocation, each container's short-term level relative to its own
// long-term level, trends and log-scaled rate changes (Features.ModelVector),
// never sizes or cumulative counters. What it flags is behaviour unusual
// for the fleet and for the container's own recent past. The score has
// one job in the decisions: while it finds a container anomalous, cores
// pinned since a growth that changed nothing else (a runaway process,
// scaling/runaway.go) stop growing. Holding decreases while anomalous and
// skipping the scale-up wait on an anomalous rise made things worse than
// the model off (simulate --compare-model) and are gone (the latter off
// in the engine).
//
// # Safety
//
// Proxmox is the source of truth: a write goes out only when the config
// read right before it still shows what the decision was made from, and
// it carries that config's digest; a lock, a digest mismatch or a moved
// container means do nothing now and re-observe next tick. Memory never
// goes below the window's peak plus a margin, disks only grow, changes are
// bounded per policy and made in whole steps (as many as bring the recent
// peak to the policy's target utilisation), up and down have separate
// cooldowns and stabilisation windows, and a container whose writes keep
// failing backs off. One container's failure or panic never stops the pass; a failing
// node never stops the others. Only the leading replica acts; all note
// others' resizes as last actions (engine NoteResizes), so that a new
// leader keeps the cooldowns; one that watched a container for less than
// a cooldown counts them from when it began (noteUnseen,
// takeover.NoteUnseen), since a change made before shows in none of its
// listings. A new leader takes the changes it saw
// wanted and left unmade while following as failed writes
// (controller/takeover), so that it keeps the backoffs. The state (cooldowns, backoffs, the model)
// is written atomically (a temporary file beside the target, renamed over
// it; the temporary files a kill left are removed at start), and so are
// lxc_metrics.json's compactions; its cycles are appended in place and
// fsynced, and an end a crash cut short is dropped and closed again at
// start (controller/export). A file that cannot be read is moved aside
// under a name of its own (stamped to the nanosecond, never replacing
// another), never overwritten.
//
// # Memory
//
// Nothing grows with the number of passes: a tracked container's history
// holds Window of samples, a day at ten minutes and a week at an hour
// (engine doc: 13,788 bytes at most at the defaults), a container unseen for engine.ForgetAfterUnseen
// full listings is forgotten with its metric series, its state record goes
// StateKeepGone after its last action, the task registry of the manual
// operations is bounded, and the export keeps no cycle in memory but the
// one being written and one waiting for it. At start the export's cycles
// within Window are read back from the end of the file in the background
// and held (as entries, 136 bytes per container and cycle) until the next
// pass folds them into the windows, each container's let go once folded;
// the collector's target is lowered (GOGC 25) for the read and the fold,
// so that the heap does not double the live one for those seconds.
//
// The state is saved once per pass, so each write is also journaled
// ("<state file>.journal": controller/journal, wired in
// journal_controller.go): an fsynced intent before it, its
// outcome after, and manual changes as they are reported. At start the
// records newer than the state file are replayed; an intent without an
// outcome (killed mid-write) counts as applied. A kill -9 at any moment
// therefore never restarts a cooldown's container early. The journal is
// emptied after each save that holds all of it; dry-run and
// recommendations write nothing to it.
//
// # Imports
//
// forest, proxmox (for their types and *proxmox.Client, which satisfies
// Cluster) and its own subpackages, and nothing else of the project: never
// config, httpapi or cmd. cmd maps the configuration into Options and
// checks at compile time that the client satisfies Cluster and
// manual.Cluster and the Actuator manual.Applier.
//
// # Concurrency
//
// Run owns the loop and everything it tracks; it must be called once.
// Reload, Snapshot, Bounds, SetPaused and RecordManual are safe from any
// goroutine while Run runs: Reload swaps the policies and SetPaused and
// RecordManual hand requests over for the next pass; Snapshot and Bounds
// read a copy of the latest pass. The Engine belongs to the loop
// goroutine. Decide, Select, the series helpers
// and the Guard are pure or per-pass values. The export file and the Audit are safe for concurrent
// use; the Actuator is safe as long as its Cluster and Notify are;
// Options.Notify is called by the loop goroutine only and must not block
// (notify.Notifier.Notify never does); the Journal is safe for concurrent use (the loop and RecordManual append). The export is
// written in the background, one append at a time, and read back at start
// in the background; what that read found is folded into the windows by
// the loop goroutine, never by the reader. The RRD backfill reads in its
// own goroutines (controller/backfill), started by the first pass that
// collects with Run's context and waited for before Run returns; they
// never touch the engine either: the loop takes what they read through a
// handoff.Queue and folds it into the windows itself. Publishing builds
// the containers' views in ranges on goroutines of its own
// (controller/chunks), each reading the pass's results and writing its
// own range, all done before the snapshot is swapped in.
package controller
