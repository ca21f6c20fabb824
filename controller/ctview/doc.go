// Package ctview keeps what the loop shows of each container beyond its
// snapshot: the per-container Prometheus gauges (allocation, usage and the
// current recommendation, labelled by vmid and node), each node's up
// gauge, and an hour of per-minute usage for the status page's
// sparklines.
//
// The loop calls Store.Set once per container per pass and Store.Forget
// when a container is gone, so the series stay bounded by the containers
// that exist. A pass costs one cached lookup per container: the gauge
// children are kept (controller/labelcache) and a gauge is set only when
// its value changed, so an unchanged allocation costs a comparison, not a
// label hash.
//
// # Imports
//
// The Prometheus client, controller/labelcache, and the types of
// controller/scaling (decisions, policies) and proxmox (nodes) it maps
// from; never the engine or the loop (controller), which call it.
//
// # Concurrency
//
// A Store is safe for concurrent use: the loop sets and forgets while the
// status page reads History and the registry gathers.
package ctview
