// Package features is what controller/engine computes of a container's
// window (Features, Stats: means, 95th percentiles, deviations, trends,
// rates, pressure, the busy cores and their calm level), the vector the
// anomaly model is trained and scored on (ModelVector) and the activity
// the runaway rule reads (Activity). The engine computes them
// (features*.go there); this package only says what they are.
//
// # Imports
//
// controller/scaling for the Activity type; never the engine.
//
// # Concurrency
//
// Plain values and pure methods: safe for concurrent use of distinct
// values.
package features
