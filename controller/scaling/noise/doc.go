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
// against the level: the median of |x[i] - x[i-1]| over the median of x.
// Independent draws of a lognormal(0, 0.55) give about 0.5 (0.38 in the
// calmest tenth of hours); a diurnal service's AR(1) noise, bursts, batch
// jobs, ramps and idle containers 0.06-0.31 over every hour of the
// built-in scenarios and the hold-out traces. A series sampled faster
// than its noise (10-s samples of per-minute draws) reads as runs, and
// keeps the ordinary rules.
//
// # Imports
//
// The standard library only (test/layout).
//
// # Concurrency
//
// Pure functions of their arguments.
package noise
