// Package activity is what a container's recent samples say beyond its
// cpu and memory series: busy cores against their calm level, and how
// much memory use, io and network rose over the short period against the
// window. controller/scaling's runaway hold (cores pinned with nothing
// else moving) and fast relief (a jump that something else moved with)
// read it, and so do the anomaly model's last two features; the engine
// fills it from the window.
//
// # Imports
//
// The standard library only (enforced by test/layout): it is a leaf of
// controller/scaling, which imports it (scaling.Activity is its
// Activity).
//
// # Concurrency
//
// An Activity is a value; its methods are pure.
package activity
