// Package pvesimtest starts, for a test, a simulated Proxmox VE cluster
// (test/pvesim) behind a real HTTP server, and a real client
// (proxmox.Client) on it: the set-up the tests of the controller, the
// manual operations, the API and the commands each wrote by hand. The
// client goes over HTTP to the Sim, so a test sees what the wire carries,
// never a stub that agrees with whatever the client sends. FailFast is the
// client of the tests that count requests or inject faults.
//
// # Imports
//
// test/pvesim, proxmox, zerolog and the standard library. Only tests import it
// (test/layout lets the tests of any package do so, as with test/pvesim);
// proxmox's own tests cannot (the import would be a cycle) and keep theirs.
//
// # Concurrency
//
// What it returns is as safe as test/pvesim's Sim and proxmox's Client:
// both are safe for concurrent use. The server and the Sim close in the
// test's cleanup.
package pvesimtest
