// Package undone is the arithmetic of undone decreases (controller/scaling
// uses it for Record and the down cooldown): a workload whose CPU bursts
// come back every few hours (a JVM's collections, a cron job every 3 h)
// looks quiet for the stabilisation period between them, so the decrease
// rules shrink its cores and the next burst grows them back, several
// times a day, each a write and starved minutes. Neither the hour's
// window nor a daily season sees a period like that; the sequence of
// actions does: an increase within Within of a decrease undid it. Each
// decrease undone in a row doubles the down cooldown that follows the
// increase, never past Within (45 min becomes 1 h 30, 3 h, then 6 h at
// the defaults), so that a decrease waits longer than the bursts' period;
// one decrease that holds for Within (the next increase comes later)
// halves the count. Measured on a week of JVM-like traces (collections
// every 45 min to 7 h): 168 actions become 126 (legacy 124) for 14 % more
// core-hours (666 against legacy's 672); doubling up to a day made fewer
// actions but more core-hours than legacy's. Halving instead of starting
// again after a night that held: a week of a CI runner's jobs at random
// times, 12 flaps become 7 (32 OOM events 30, 202 actions 173, GB-h +15
// %); the JVM trace 120 actions 117 for +0.7 % core-hours; the seeds and
// the other traces do not move. Increases are never held by
// it: relief and the up rules are as fast as ever.
//
// Jobs counts the relief increases (usage pinned at the limit) that undid
// a decrease within Within, one less for each later one, carried by every
// other action: from JobsSeen on, scaling keeps memory at the last day's
// most (jobs at random times, a CI runner's: each decrease met the next
// job pinned, an OOM kill on a real host). It outlives Count's halving,
// which a night without jobs brings.
//
// # Imports
//
// The standard library only (test/layout): scaling maps its Action and
// Resource to the directions and times here, so that it stays a leaf.
//
// # Concurrency
//
// Pure functions of their arguments.
package undone
