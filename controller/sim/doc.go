// Package sim is the what-if replay of lxc-autoscale: it replays a trace
// of what containers demanded under each policy (static, legacy: the
// original system's rules, ours: this controller's) and measures how well
// each served it (starvation, OOM episodes, waste of cores, memory and
// disk, actions, flaps, reaction to sustained steps: metrics.go and
// steps.go define each) and judges ours against legacy (quality.go), with
// the least core waste any policy could have within the target's budgets
// as the judge of what no policy can meet (least.go). It
// also owns the trace formats: the trace CSV (ParseTrace, WriteTrace) and
// lxc_metrics.json exports turned into traces (TraceFromExport).
//
// The harness is meant to be honest before it is flattering: legacy is
// run with its 600-s check at several phases and the mean reported; on a
// trace coarser than ours' interval, ours decides at each new sample and
// its stabilisation periods count samples, not ticks; a runaway's burn is
// no demand. The built-in scenarios of issue 15 are in the scenario
// subpackage.
//
// ours is the loop's own pass: controller/engine/replay runs Engine.Step, the
// code Controller.pass runs, on what each container got (its demand
// clipped by the allocation), so that the numbers measure the code that
// runs. A trace's PSI reaches the window and the model as a listing's
// does.
//
// # Imports
//
// controller/engine and controller/engine/replay, controller/scaling and
// controller/lxcmetrics, and golang.org/x/sync's errgroup; never
// controller, proxmox, config, httpapi or cmd. cmd maps
// the configuration into Options and prints the results.
//
// # Concurrency
//
// Simulate is a pure function of its arguments (the clock is the trace's)
// and may run concurrently with itself; cmd runs the scenarios side by
// side. So are LeastCoreWaste and CompareTrace, which runs its bounds on
// as many goroutines as there are CPUs and returns when all have ended.
package sim
