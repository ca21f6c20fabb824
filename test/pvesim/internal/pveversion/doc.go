// Package pveversion is what differs between the PVE releases pvesim
// simulates (7, 8 and 9): version strings, kernels, and the answers that
// changed shape, each with the PVE source file or changelog it comes from.
// pvesim asks a node's Version instead of comparing numbers itself, so a
// new difference has one home.
//
// It imports the standard library only. Versions are plain
// values, safe to share.
package pveversion
