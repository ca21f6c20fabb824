package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/lxc-autoscale/lxc-autoscale/config"
	"github.com/lxc-autoscale/lxc-autoscale/config/importer"
)

func importConfigCommand() command {
	return command{
		name:    "import-config",
		summary: "Turn the original tools' YAML files into an lxc-autoscale configuration (stdout)",
		flags: func(fs *pflag.FlagSet) {
			fs.String("from", "", "directory holding any of lxc_autoscale_ml.yaml, lxc_autoscale_api.yaml, lxc_monitor.yaml, lxc_autoscale.yaml (required)")
		},
		exec: func(_ context.Context, env *environment, fs *pflag.FlagSet, args []string) error {
			if err := noArgs(args); err != nil {
				return err
			}
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
			if err := validateImported(res.YAML); err != nil {
				// A mapping that makes a configuration check-config refuses
				// is a bug of import-config, not of the input: say so.
				return fmt.Errorf("the imported configuration does not validate (please report it): %w", err)
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

// validateImported loads the imported YAML as check-config would once the
// operator has added what the originals could not say: the Proxmox
// credentials (and an endpoint, when none was imported).
func validateImported(yaml []byte) error {
	dir, err := os.MkdirTemp("", "lxc-autoscale-import-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(file, yaml, 0o600); err != nil {
		return err
	}
	environ := []string{"LXCA_PROXMOX_TOKEN_ID=import@pve!check", "LXCA_PROXMOX_TOKEN_SECRET=check"}
	probe, err := config.Load(config.LoadOptions{File: file, Environ: append(environ, "LXCA_PROXMOX_ENDPOINTS=https://pve.invalid:8006")})
	if err == nil && len(probe.Proxmox.Endpoints) > 0 {
		// The endpoint imported must validate itself.
		_, err = config.Load(config.LoadOptions{File: file, Environ: environ})
	}
	return err
}
