// Package relief holds what fast relief (controller/scaling's relief.go)
// knows of censored usage: when usage is pinned at a limit, how many
// samples, and what jump before them, are evidence enough to grow, how far
// past the limit to guess, and how soon what was granted on that guess is
// given back. controller/scaling decides (it
// reads the series, the cooldowns, the policy's bounds and the guard);
// this package says how much the evidence is worth.
//
// Usage pinned at its limit says only that demand is at least the limit:
// sizing from it adds a step or two, one cooldown apart, and a job that
// needs four times its cores waits minutes (an OOM kill, for memory).
// Pinned on PinnedSamples samples since the last change, an allocation
// grows without the stabilisation, after the up cooldown: by the sizing
// (demand hovering at the limit pins it too), and at once to what the
// most it used over the last week needs. A sample still pinned Settle
// after an increase proves it fell short: the next growth, by FactorCores
// or FactorMemory, follows at once, cooldown or not, since the cooldown
// waits for that very evidence (a write not landed reads below the new
// limit). So relief climbs, and right-sizing gives back what it overshot. Pressure does not say how far past the
// limit demand is either: PVE's cores are a cpuset, past which PSI cpu
// "some" reads near 100 % at any excess and "full" near 0; only CFS
// bandwidth throttling (cpulimit, the administrator's) stalls every task
// for 1 - limit/demand of the time.
//
// A jump is better evidence: usage below the up threshold on one sample
// and pinned on the next crossed the whole headroom at once, and the jump
// seen, newest/previous, is a lower bound of the jump demand made. Taken
// as the estimate of the part the limit hides (demand about limit x jump,
// at most JumpMax: past that one sample is a guess), relief sizes for it
// and acts on the first pinned sample when another signal moved with it
// (Corroborates; or the other resource reached its own limit, JumpedTo,
// past which it cannot show a rise): a step is met by the decision at its
// first or second sample, not its third or fourth. Thrash below the limit (memory at the
// up threshold under pressure) is not censored: it gets no jump.
//
// What relief grants on censored usage decays sooner than an ordinary
// increase: once the samples since it settled all read below the down
// line, the down cooldown is Decay, and the period judged starts at the
// relief: the stabilisation period would still hold the step relief
// answered, whose rise the trend floor carries on. The floors, the trend and the memory pressure veto still hold a
// decay as any decrease; cpu pressure does not (cores below the down line
// of what relief made are not what it waits for).
//
// # Imports
//
// The standard library only (enforced by test/layout): it is a leaf of
// controller/scaling, which imports it.
//
// # Concurrency
//
// Constants and pure functions of their arguments.
package relief
