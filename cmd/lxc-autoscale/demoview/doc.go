// Package demoview prints what the demo command shows: on a terminal one
// frame redrawn in place after each pass (the cluster, each container's
// changes so far and why a wanted change waits), elsewhere plain lines;
// and the summary at the end (calls per pass, the shortened timings, the
// changes by container).
//
// It owns the demo's text only: the demo command (package main) starts
// the simulator, the controller and the API and hands it their output.
// It reads the loop's snapshot (controller), the audit record and the
// simulator's request log; it must not import package main.
//
// Concurrency: a View is used by the one goroutine that watches the loop;
// the functions hold no state.
package demoview
