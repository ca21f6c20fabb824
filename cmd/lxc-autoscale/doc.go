// The lxc-autoscale binary: one job per subcommand (run, monitor, api, demo,
// simulate, check-config, version), as listed in ARCHITECTURE.md.
//
// This package owns only wiring: command line -> config.Config -> the
// Options of each package -> run -> exit code. It may import every package of
// the project; it is the only place that maps config.Config into other
// packages' Options, and the only production package allowed to import
// test/pvesim (the demo embeds the simulated cluster).
//
// Exit codes: 0 success, 1 the job failed, 2 the command line or the
// configuration is wrong.
package main
