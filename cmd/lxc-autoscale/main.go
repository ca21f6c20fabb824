// Command lxc-autoscale vertically autoscales the LXC containers of a
// Proxmox VE cluster through the Proxmox VE REST API.
//
// main stays thin: run parses the command line, builds what the subcommand
// needs and maps the outcome to an exit code, so tests can call run with
// their own arguments, environment and output.
package main

import (
	"context"
	"os"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Environ(), os.Stdout, os.Stderr))
}
