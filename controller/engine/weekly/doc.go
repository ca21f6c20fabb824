// Package weekly is a container's weekday x hour profile (issue 15): per
// hour of the week (UTC), the recurring peak of cores busy and of memory
// bytes in that hour, the weeks that reached it and the weeks observed.
// It is kept beyond the engine's one-week tier, so that a peak seen on the
// same hour of many weeks, or of many workdays, is known after the week
// tier has forgotten it, and it is filled from an RRD backfill (PVE 9's
// week and month are half hours) as well as from the hours the engine
// completes. Peaks reads it as scaling.History's Recurring does: which
// hours recur, and on which days (peaks.go: workday, weekend, daily and
// weekly peaks, checked against the latest day and timed by yesterday in
// the engine's tiers, which it reads through TierPeaks); what a decision
// does with them is controller/scaling's. Cache (cache.go) keeps a
// container's answers from pass to pass: they change only when now enters
// another ten minutes or the caller's generation of the profile and tiers
// moves, given that TierPeaks reads buckets of DayStep and WeekStep.
//
// 1,008 bytes of slots and 8 of bookkeeping per container: the
// seasonReserve of controller/engine's budget.
//
// # Imports
//
// The engine's encodings (controller/engine/codes) and scaling's
// Recurring and DayClass, which Peaks answers; never the engine (enforced
// by test/layout).
//
// # Concurrency
//
// A Profile belongs to its window, which belongs to the engine's
// goroutine; nothing here is safe for concurrent use.
package weekly
