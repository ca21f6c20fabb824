// Package passmetrics holds what lets a pass over thousands of containers
// keep its metrics off its own path: Gauges, a family of gauges read from
// a source when scraped rather than set a child at a time every pass, and
// Tally, counts by a few keys kept over a pass and handed to the counters
// once.
//
// # Imports
//
// The Prometheus client only; nothing of the project (test/layout).
//
// # Concurrency
//
// Gauges is safe for concurrent use (a scrape reads it while the loop
// sets its source); its source must be too. A Tally belongs to one
// goroutine.
package passmetrics
