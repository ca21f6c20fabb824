// Package engine is one pass of lxc-autoscale's decisions without I/O or
// wall clock. Engine.Step folds a collected Tick into each container's
// sliding window (rates from counters, restarts, migrations, deletions),
// trains the pooled isolation forest when due, computes features and
// scores, selects each container's policy, decides (controller/scaling),
// orders the decisions by urgency and guards them; Engine.Record folds
// outcomes back into the state. A container is folded in, scored and
// decided in one walk, while its history is in the cache, unless the pass
// trains or inherits first (Step). The loop (controller.Controller.pass) runs
// Step with its config reads in between, and the simulator
// (controller/sim) runs the same Step through controller/engine/replay
// (TickOf: observations as a listing) with a trace in place of the
// listing, so that simulate measures the code that runs.
//
// It owns the containers' histories (window*.go), the features (what they
// are: controller/engine/features) and the model (features*.go, model.go),
// the config facts a read taught (controller/engine/configfacts), what a
// listing turns into (observe.go), the cooldowns that other writers'
// resizes start (controller/engine/resizes, Options.NoteResizes) and, on
// a replica that does not lead (Following), the backoffs a new leader
// inherits (controller/takeover). It reports through Hooks and never
// logs, reads the clock or calls Proxmox itself: its time is the tick's.
//
// The model fits on the feature vectors the passes scored, a few hundred
// rows per pass at most, kept over the training window (its own package,
// controller/engine/trainrows); until the engine has run for the
// training window, rows are computed at random samples of the windows
// (windowRows, a window scan per row). Decide reads a container's series
// and peaks through scaling.History (signals.go) only towards a change.
//
// # History
//
// A container's history is its window (three tiers and a profile: 14,916
// bytes at worst at the default settings) and its decaying histograms
// (Container.Usage, 1,444, controller/engine/histogram); TestHistoryBudget
// sums the worst case against 16 KiB (budget.go).
//
//   - The fine tier is monitor.window at the tick interval, what the
//     features and Decide read: a ring of 26-byte samples. Cores busy
//     are a float32 and memory and disk are KiB and MiB in 32 bits, exact,
//     because Decide compares them with thresholds.
//     What only feeds averages is 16 bits: swap (KiB) and the net and disk
//     I/O totals (1/16 B/s; in+out and read+write, the sums the features
//     use) as an unsigned float of 5 exponent and 11 mantissa bits, exact
//     to 4095 units and within 2^-12 above, up to 4.4e12 units; pressure in
//     hundredths of a percent, the two decimals the kernel reports. The
//     time is a 16-bit code read from the newest sample's (1 s; 2 s for a
//     window past 18 h). Limits (cores, memory, swap, disk size) change
//     only on a resize, so they are kept once per run of samples.
//   - The day tier, ten minutes for 24 h, and the week tier, an hour for
//     7 days, hold the average and the peak of cores busy and memory
//     bytes per bucket (8 bytes: the same 16-bit float, cpu in 1/1024
//     core). Samples feed the ten minutes, weighted by the time since the
//     one before; a completed ten minutes feeds the hour.
//     A backfill (RRD's day and week timeframes, or the hour of samples
//     Merge takes) fills with MergeCoarse only what holds no data: live
//     data is never replaced nor counted twice. Completed hours, live or
//     backfilled, feed the weekday x hour profile (1,016 bytes), kept
//     beyond the week; Decide reads the recurring peaks from it (season.go,
//     History.Recurring: controller/engine/weekly's Profile.Peaks), kept
//     per container (weekly.Cache, not history) until the tiers change or
//     now enters another ten minutes.
//   - The running aggregates (rolling) hold, for the long (the window) and
//     the short period before the time features were last read, the sums
//     of the means, deviations and least-squares slopes (x in whole
//     seconds, so its sums are exact integers and shifting them to the
//     read time is exact), the means of the rates and pressure, and the
//     largest values of cpu and memory utilisation (controller/engine/
//     topk), which the 95th percentile is read from exactly while they
//     hold enough (19 of an hour at 10 s, half as many again kept in reserve;
//     refilled from the ring when too many have left): O(1) a pass.
//     The sums are plain, rebuilt from the ring every two to three windows
//     (a point that differs per container), which bounds their rounding
//     drift. Features at a past point (a training row) are a scan of the
//     ring through the same code.
//   - The extremes blocks (peaks.go) say where the lowest and highest
//     cores busy and memory are in each run of 32 samples (4 bytes a
//     run), so that the peaks of the window and of the periods Decide
//     judges are read exactly, from any sample to the newest, from at
//     most 31 samples and one pair per run: about 40 reads for an hour,
//     in memory that does not depend on the data; fast relief's pinned run
//     too (AtLeast: a block whose lowest is pinned passes whole). The window's peaks are kept between reads while what leaves is
//     below them; the extremes and the memory trend's sums (exact integers,
//     trend.Summer) of the period a decrease judges are kept at a
//     cursor that moves with its start (period.go): O(1) a pass, bit for
//     bit the scan's. The cpu trend, divided by the cores now, is a scan.
//
// # Imports
//
// controller/scaling, forest, its codes, weekly, topk, trainrows, features,
// configfacts, lsq, listing, histogram, resizes and admission,
// controller/chunks (how many goroutines walk) and proxmox for its types;
// never controller, config, httpapi or a logger (test/layout).
//
// # Concurrency
//
// An Engine belongs to one goroutine (the loop's).
// The loop reads Tracked after a pass, on the same goroutine. Step shards
// its walk, the stamps before and the guard after over goroutines of its
// own from 2,000 containers (Options.Workers, shard.go), done on return.
package engine
