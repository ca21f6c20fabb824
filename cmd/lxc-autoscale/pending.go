package main

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"
)

// errNotYet is what a subcommand whose issue has not landed answers. It is a
// failure (exit 1), not a usage error: the command line was right.
func errNotYet(what string) error {
	return fmt.Errorf("%s is not available in this build yet; try 'lxc-autoscale demo'", what)
}

func simulateCommand() command {
	return command{
		name:    "simulate",
		summary: "Replay usage traces through the decision code and report quality (not available yet)",
		exec: func(context.Context, *environment, *pflag.FlagSet, []string) error {
			return errNotYet("simulation")
		},
	}
}
