// Package ctview keeps what the loop shows of each container beyond its
// snapshot: the per-container Prometheus gauges (allocation, usage and the
// current recommendation, labelled by vmid and node; the anomaly score,
// by vmid, while the container has one), the target of each
// resource a pending change would set (lxc_autoscale_recommendation, by
// vmid and resource, only while one is pending), each node's up gauge,
// and an hour of per-minute usage for the status page's sparklines.
//
// The loop calls Store.SetPass once a pass with every container's values
// (Store.Set is one container's) and Store.Forget when a container is
// gone, so the series stay bounded by the containers that exist. A pass
// costs one map lookup and a few stores per container (SetPass spreads
// them over goroutines, controller/chunks): the Store is a
// prometheus.Collector that keeps plain values and makes
// the metrics at a scrape, with each container's label pairs made once
// and shared by its six gauges. Gauge children (controller/labelcache's
// way) cost six times the memory, 2.9 KB a container, and twice the time
// per pass (BenchmarkSetPass).
//
// # Imports
//
// The Prometheus client, the types of controller/scaling (decisions,
// policies) and proxmox (nodes) it maps from, and controller/chunks;
// never the engine or the loop (controller), which call it.
//
// # Concurrency
//
// A Store is safe for concurrent use: the loop sets and forgets while the
// status page reads History and the registry gathers. SetPass holds the
// Store's lock while its goroutines, all done before it returns, set.
package ctview
