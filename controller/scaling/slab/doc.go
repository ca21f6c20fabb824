// Package slab hands out arrays cut from larger chunks, for the decisions
// of a pass (scaling.Slab) and the guard's holds (scaling.Pass): a few
// allocations for thousands of short slices instead of one or more each.
//
// It owns nothing but the chunking. It imports the standard library only
// (test/layout) and must not import the rest of the project.
//
// Concurrency: a Chunks is not safe for concurrent use; each goroutine
// takes its own (scaling.Pass.Fork makes one a fork).
package slab
