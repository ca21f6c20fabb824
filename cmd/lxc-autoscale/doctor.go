package main

import (
	"context"
	"fmt"
	"io"

	"github.com/rs/zerolog"
	"github.com/spf13/pflag"

	"github.com/lxc-autoscale/lxc-autoscale/cmd/lxc-autoscale/doctor"
	"github.com/lxc-autoscale/lxc-autoscale/config"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// probeClient is how the doctor connects: as the daemons do, without
// logging or metrics of its own.
func probeClient(p config.Proxmox) (*proxmox.Client, error) {
	return newClient(p, zerolog.Nop(), nil, nil)
}

// preflight runs the doctor's first check at a daemon's start.
func preflight(ctx context.Context, p config.Proxmox, log zerolog.Logger) error {
	return doctor.Preflight(ctx, p, probeClient, log)
}

// runProbe runs the doctor on a loaded configuration: an error when a
// problem stops it from working.
func runProbe(ctx context.Context, cfg *config.Config, w io.Writer, prefix string) error {
	if len(cfg.Proxmox.Endpoints) == 0 {
		return usageErrorf("proxmox.endpoints: no endpoint configured; set it in the config file, LXCA_PROXMOX_ENDPOINTS or --endpoint")
	}
	if failed := doctor.Probe(ctx, cfg, probeClient, w, prefix); failed > 0 {
		return fmt.Errorf("%d problem(s) found by the probe: the FAIL lines above, each with its fix", failed)
	}
	return nil
}

func doctorCommand() command {
	return command{
		name:    "doctor",
		summary: "Validate a configuration, then contact every Proxmox endpoint and report what to fix",
		flags:   configFlags,
		exec: func(ctx context.Context, env *environment, fs *pflag.FlagSet) error {
			cfg, _, err := checkedConfig(env, fs)
			if err != nil {
				return err
			}
			return runProbe(ctx, cfg, env.stdout, "")
		},
	}
}
