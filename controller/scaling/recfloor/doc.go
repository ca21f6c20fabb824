// Package recfloor is the usage history's floor under a decrease as
// scaling words it (Text), and when that floor is stale (Cap): a leaf of
// controller/scaling, whose recommend.go asks it.
//
// The history's floor is a percentile of decaying histograms (24-hour
// half-life), widened while the history is short, so a level that lasted
// most of the history holds for as long again after it ends: a runaway
// process that burnt 8 cores for 8 of 13 hours kept a 12-core floor over
// an idle container for 3 more hours; a load stepped down for good keeps
// the old level for a day. Cores that nothing came near for After cost
// core-hours every hour they are held, and what they guard against is
// cheap to meet: fast relief grows a pinned container back in one step
// to what the last week's most needs (a sample or two of starvation).
// So once the history reaches back more than twice After, the floor of
// cores is capped by what the most of the last After needs, when that
// frees at least MinSteps steps: a cap freeing one is a daily trough
// (2 cores shrunk each night and regrown each morning: more starved
// minutes and actions than core-hours saved). Memory keeps its floor: a
// returning level over a shrunk limit is an OOM kill, not a slow minute.
//
// # Imports
//
// The standard library only (test/layout).
//
// # Concurrency
//
// Pure functions of their arguments.
package recfloor
