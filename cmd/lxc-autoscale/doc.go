// The lxc-autoscale binary: one job per subcommand (run, monitor, api, demo,
// simulate, check-config, doctor, import-config, token, version), as listed
// in ARCHITECTURE.md.
//
// This package owns only wiring: command line -> config.Config -> the
// Options of each package -> run -> exit code. It may import every package of
// the project; it is the only place that maps config.Config into other
// packages' Options, and the only production package allowed to import
// test/pvesim (the demo embeds the simulated cluster). What the demo prints
// is demoview's.
//
// Exit codes: 0 success, 1 the job failed, 2 the command line or the
// configuration is wrong.
//
// Logging is set up here only: one logOutput per daemon serialises writes
// from every goroutine and applies a reloaded level and format atomically;
// durations are logged as Go duration strings (a process-wide zerolog
// setting made in init). Every line carries exactly one "component":
// packages that name their own (proxmox, controller, the exporter, notify) get the
// plain logger; cmd adds it for those that do not (httpapi: "api", the
// manual operations: "operations") and for its own lines ("daemon").
// logging.format auto is console on a terminal and JSON anywhere else
// (journald). The daemon commands catch SIGHUP from start to exit: it
// reloads, it never ends the process.
package main
