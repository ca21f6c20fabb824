// Package layout holds the tests that keep the shape of ARCHITECTURE.md
// true: which project packages each package may import, and how large a
// file (450 lines) and a package (3,000 lines of non-test code) may grow.
//
// It has no code of its own beyond the tests; nothing imports it. It reads
// source files with go/parser and never runs the go tool, so it works on any
// machine that can run the tests.
package layout
