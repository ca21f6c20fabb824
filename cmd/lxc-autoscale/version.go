package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/pflag"
)

// version is set at link time: -ldflags "-X main.version=v1.2.3".
var version = ""

func versionCommand() command {
	return command{
		name:    "version",
		summary: "Print the version, the commit and the Go version",
		exec: func(_ context.Context, env *environment, _ *pflag.FlagSet, args []string) error {
			if err := noArgs(args); err != nil {
				return err
			}
			v, commit := buildVersion()
			fmt.Fprintf(env.stdout, "lxc-autoscale %s (commit %s, %s, %s/%s)\n", v, commit, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}

// buildVersion reports the link-time version, else the module version, and
// the VCS revision when the binary was built from a checkout.
func buildVersion() (ver, commit string) {
	ver, commit = version, "unknown"
	info, ok := debug.ReadBuildInfo()
	if !ok {
		if ver == "" {
			ver = "devel"
		}
		return ver, commit
	}
	if ver == "" {
		ver = info.Main.Version
		if ver == "" || ver == "(devel)" {
			ver = "devel"
		}
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && s.Value != "" {
			commit = s.Value
			if len(commit) > 12 {
				commit = commit[:12]
			}
		}
	}
	return ver, commit
}
