// Command pvesim serves a simulated Proxmox VE cluster (package
// test/pvesim) over HTTP or HTTPS until interrupted, so the controller, curl
// or any PVE client can be pointed at it.
//
// It imports only the standard library and test/pvesim. main stays thin:
// everything happens in run, which tests call with their own arguments.
package main
