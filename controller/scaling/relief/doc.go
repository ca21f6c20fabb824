// Package relief holds what fast relief (controller/scaling's relief.go)
// knows of censored usage: when usage is pinned at a limit, how many
// samples are evidence enough to grow, by how much, and how soon what was
// granted on that evidence is given back. controller/scaling decides (it
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
// Constants only.
package relief
