package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/lxc-autoscale/lxc-autoscale/config/importer"
)

func importConfigCommand() command {
	return command{
		name:    "import-config",
		summary: "Turn the original tools' YAML files into an lxc-autoscale configuration (stdout)",
		flags: func(fs *pflag.FlagSet) {
			fs.String("from", "", "directory holding any of lxc_autoscale_ml.yaml, lxc_autoscale_api.yaml, lxc_monitor.yaml, lxc_autoscale.yaml (required)")
		},
		exec: func(_ context.Context, env *environment, fs *pflag.FlagSet) error {
			dir, _ := fs.GetString("from")
			if dir == "" {
				return usageErrorf("--from: required: the directory of the original configuration files (e.g. /etc/lxc_autoscale)")
			}
			if info, err := os.Stat(dir); err != nil || !info.IsDir() {
				return usageErrorf("--from: %s is not a directory", dir)
			}
			res, err := importer.Import(os.DirFS(dir))
			if errors.Is(err, importer.ErrNoFiles) {
				return usageErrorf("--from %s: %v", dir, err)
			}
			if err != nil {
				return fmt.Errorf("--from %s: %w", dir, err)
			}
			if _, err := env.stdout.Write(res.YAML); err != nil {
				return err
			}
			for _, line := range res.Summary {
				fmt.Fprintf(env.stderr, "import-config: %s\n", line)
			}
			fmt.Fprintf(env.stderr, "import-config: %d keys imported, %d not imported, from %s\n", res.Mapped, res.Skipped, strings.Join(res.Files, ", "))
			return nil
		},
	}
}
