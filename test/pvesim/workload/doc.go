// Package workload models what the processes inside a simulated LXC
// container demand and what Proxmox VE would report for it, so the pvesim
// server can serve realistic status and rrddata for thousands of containers.
//
// It owns the usage models (Kind, Model), the reaction of demand to an
// allocation (Model.At), cumulative I/O counters (Counters) and RRD history
// (History). It imports only the standard library and must not import the
// simulator or any other project package.
//
// Concurrency: a Model is immutable after New, so its methods are safe for
// concurrent use. Counters is a plain value and needs external locking if
// shared. There is no mutable package state.
package workload
