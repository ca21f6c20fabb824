// Command pvesim serves a simulated Proxmox VE cluster (package
// test/pvesim) over HTTP or HTTPS until interrupted, so the controller, curl
// or any PVE client can be pointed at it. Next to /api2/json, the same
// listener serves pvesim's control API under /_pvesim/ (see
// test/pvesim/control.Handler and --help): node outages, faults, foreign
// changes and the clock, so an end-to-end test can script an outage
// timeline against a running process. It has no authentication, which is
// why --listen is meant for loopback.
//
// It imports only the standard library and test/pvesim/... main stays thin:
// everything happens in run, which tests call with their own arguments.
package main
