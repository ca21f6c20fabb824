package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"
)

// version and revision are set at link time (task release):
// -ldflags "-X main.version=v1.2.3 -X main.revision=<commit>". A build from a
// checkout without them still knows its revision from the Go toolchain's VCS
// stamp; a container build has no .git, hence the flag.
var (
	version  = ""
	revision = ""
)

func versionCommand() command {
	return command{
		name:    "version",
		summary: "Print the version, the commit and the Go version",
		exec: func(_ context.Context, env *environment, _ *pflag.FlagSet) error {
			v, commit := buildVersion()
			fmt.Fprintf(env.stdout, "lxc-autoscale %s (commit %s, %s, %s/%s)\n", v, commit, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}

// buildVersion reports the link-time version, else the module version (a
// go install of a tagged version), and the link-time revision, else the VCS
// revision when the binary was built from a checkout ("-dirty" when it had
// uncommitted changes).
func buildVersion() (ver, commit string) {
	ver, commit = version, revision
	info, ok := debug.ReadBuildInfo()
	if ok && ver == "" && info.Main.Version != "(devel)" {
		ver = info.Main.Version
	}
	if ok && commit == "" {
		dirty := false
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if len(commit) > 12 {
			commit = commit[:12]
		}
		if commit != "" && dirty {
			commit += "-dirty"
		}
	}
	if ver == "" {
		ver = "devel"
	}
	if commit == "" {
		commit = "unknown"
	}
	return ver, commit
}

// buildInfo is lxc_autoscale_build_info{version,revision,goversion} 1: the
// usual way to see on a dashboard which build each instance runs.
func buildInfo() prometheus.Collector {
	ver, commit := buildVersion()
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace:   "lxc_autoscale",
		Name:        "build_info",
		Help:        "Always 1; the labels say which build of lxc-autoscale this is.",
		ConstLabels: prometheus.Labels{"version": ver, "revision": commit, "goversion": runtime.Version()},
	})
	g.Set(1)
	return g
}
