// Command scale measures lxc-autoscale end to end at a cluster size: it
// builds cmd/pvesim and cmd/lxc-autoscale with go build into a temporary
// directory, serves a simulated cluster of N containers on M nodes with
// pvesim in one process, runs `lxc-autoscale run` against it in another
// with the default settings (dry-run, export every 60 s, 1,000 cycles
// kept, files in the temporary directory), and watches the controller
// from outside for a given time: its /metrics (each pass's listing fetch
// and own work, from lxc_autoscale_pass_phase_seconds; exports and the
// bytes they write), /proc/PID/status (VmRSS), /proc/PID/stat (CPU time,
// also per pass once the backfill is done, at the readings between passes),
// /proc/PID/io (bytes written) and /proc/loadavg. Several sizes in one
// invocation show how each figure grows per container.
//
//	go run ./test/scale -containers 1000,10000,50000 -nodes 32 -for 10m
//
// It is a command, not a test: `go test ./...` neither runs nor needs it,
// and `go vet ./...` checks it. It imports nothing of the project (it
// drives the binaries the way an operator would) and only the standard
// library.
//
// Concurrency: one size runs at a time. While it runs, one goroutine
// samples /proc, one reads the controller's log and the main goroutine
// reads /metrics; each keeps its own figures (the log reader's under a
// mutex) and the main goroutine copies them into the result once the
// others are done.
package main
