// Package threshold is the bound a utilisation is past or not
// (Threshold: at or above it, or at or below it) and how a reason quotes
// it: a leaf of controller/scaling, which re-exports it so that its
// callers name it as before.
//
// # Imports
//
// The standard library only (test/layout).
//
// # Concurrency
//
// Values and pure methods.
package threshold
