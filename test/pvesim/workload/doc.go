// Package workload models what the processes inside a simulated LXC
// container demand and what Proxmox VE would report for it, so the pvesim
// server can serve realistic status and rrddata for thousands of containers.
//
// It owns the usage models (Kind, Model), the reaction of demand to an
// allocation (Model.At), cumulative I/O counters (Counters) and RRD history
// (History, HistoryQuery) in PVE 9's pve-vm-9.0 layout or PVE 7/8's pve2-vm
// layout, with rows left empty for times no sample reached. It imports only the standard library and must not import the
// simulator or any other project package.
//
// Every value is a pure function of its inputs: noise comes from hashing the
// seed with the 10 s pvestatd interval, not from a shared generator or the
// wall clock, so any instant costs O(1) and the same seed always gives the
// same container. History is built from Model.At, so RRD rows agree with the
// live values.
//
// Concurrency: a Model is immutable after New, so its methods are safe for
// concurrent use. Counters is a plain value and needs external locking if
// shared. There is no mutable package state.
package workload
