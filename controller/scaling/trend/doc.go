// Package trend is the least-squares slope of a series (Slope), which
// controller/scaling's decreases carry the period's peak on by and its
// disk growth is sized from: a leaf of controller/scaling, which moved
// here to leave room in it.
//
// # Imports
//
// The standard library only (test/layout).
//
// # Concurrency
//
// Pure functions of their arguments.
package trend
