// Package histogram keeps a container's usage history for the recommender:
// decaying histograms of cores busy and of memory bytes in the shape of
// Kubernetes VPA's recommender (buckets 5 % apart, weights that halve
// every HalfLife against newer ones, kept as growing weights from a
// reference time that is moved and the weights scaled back when they grow
// large), fed by the engine with each sample it takes (Usage.Observe;
// memory as one peak per MemoryPeriod) and by the backfill with PVE's RRD
// before the controller's first sample (Usage.Past), and read as
// percentiles with the days of history they rest on (Usage.Percentiles).
// recommend.go turns them into what Decide and the API use under a
// policy's profile: the floor of a decrease (Usage.Floor, the
// scaling.Recommender the engine's History gives Decide) and the
// recommendation (Usage.Recommend).
//
// A Usage is 1,444 bytes whatever it has seen (two arrays of 175 float32
// weights and a few words), within the room the engine's memory budget
// keeps for it (engine/budget.go, histogramReserve; TestHistoryBudget).
//
// Samples the forest finds anomalous count a quarter of their time
// (anomalousWeight): a backup or migration spike does not hold resources
// for the days the histograms remember it.
//
// # Imports
//
// The standard library and controller/scaling (for its Resource) only;
// never engine, controller or a logger (enforced by test/layout).
//
// # Concurrency
//
// A Usage belongs to its caller (the engine's loop goroutine): nothing in
// it is synchronised, and reading it changes nothing.
package histogram
