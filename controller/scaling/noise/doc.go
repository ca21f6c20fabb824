// Package noise tells cores usage that is noise, a fresh heavy-tailed
// draw every sample, from usage that moves in runs, and reads the
// percentile such usage is sized at (Read): a leaf of controller/scaling,
// whose noisy.go asks it.
//
// The decision rules read an hour's peak as what comes back: a burst, a
// batch job, a step. Usage with a lognormal(0, 0.55) draw per minute over
// its level (an API's request mix) has an hour's peak 3-4 times its
// median and never the same minute twice: held at the peak it keeps 8
// times what it uses, and a decrease after a quiet hour meets a lone
// minute at the new limit, which fast relief reads as a step and doubles
// back (a week of hold-out traces: 1015 core-hours for legacy's 246).
// A minute over the allocation is a throttled minute, not a kill, so such
// usage is sized at a high percentile of its window instead.
//
// What tells noise from runs is how far apart consecutive samples are
// against the level: the median of |x[i] - x[i-1]| over the median of x
// (Rough), in hours whose median step is a tenth of a core or more
// (MinStep: an idle container's hundredths jitter as much against their
// level). Independent draws of a lognormal(0, 0.55) a minute give 0.31
// to 1.0 in every hour of the hold-out traces (0.5 in most); a diurnal
// service's AR(1) noise, bursts, batch jobs, ramps, a JVM's collections
// at most 0.24 in any hour of the hold-outs and the built-in scenarios.
// A series sampled faster than its noise (10-s samples of per-minute
// draws) reads as runs, and keeps the ordinary rules.
//
// Noise is sized at a percentile (Quantile) of the down stabilisation
// period (what scaling keeps at full resolution) at the policy's
// target, and grows back by the share of the samples since the last
// change at the up threshold (Over, once Settle has passed) or by relief
// after a pinned run: a percentile of noise moves with the level, not
// with one draw.
//
// # Imports
//
// The standard library only (test/layout).
//
// # Concurrency
//
// Pure functions of their arguments.
package noise
