// Package layout holds the test that keeps the package boundaries of
// ARCHITECTURE.md true: which project packages each package may import.
//
// It has no code of its own beyond the test; nothing imports it. It reads
// source files with go/parser and never runs the go tool, so it works on any
// machine that can run the tests.
package layout
