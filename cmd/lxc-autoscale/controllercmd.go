package main

import (
	"context"
	"os"
	"os/signal"
	"reflect"
	"syscall"

	"github.com/rs/zerolog"
	"github.com/spf13/pflag"

	"github.com/lxc-autoscale/lxc-autoscale/config"
	"github.com/lxc-autoscale/lxc-autoscale/controller"
)

func runCommand() command {
	return command{
		name:    "run",
		summary: "Monitor, score, decide and resize: full automated scaling",
		flags:   configFlags,
		exec: func(ctx context.Context, env *environment, fs *pflag.FlagSet, args []string) error {
			return runController(ctx, env, fs, args, true)
		},
	}
}

func monitorCommand() command {
	return command{
		name:    "monitor",
		summary: "Collect usage, score it and export lxc_metrics.json; never resize",
		flags:   configFlags,
		exec: func(ctx context.Context, env *environment, fs *pflag.FlagSet, args []string) error {
			return runController(ctx, env, fs, args, false)
		},
	}
}

// runController runs the reconcile loop until ctx is cancelled (SIGTERM or
// SIGINT: the write in progress is finished, the state saved, exit 0).
// SIGHUP reloads the configuration: scaling policies, guards and the log
// level take effect at the next pass; other changes need a restart and are
// reported as such.
func runController(ctx context.Context, env *environment, fs *pflag.FlagSet, args []string, scale bool) error {
	// The monitor decides nothing: no audit, no state.
	d, err := newDaemon(env, fs, args, scale)
	if err != nil {
		return err
	}
	defer d.close()
	cfg, log := d.cfg, d.log
	opts := controllerOptions(cfg)
	opts.Cluster, opts.Logger, opts.Metrics, opts.Scale, opts.Audit = d.client, log, d.metrics, scale, d.audit
	if !scale {
		opts.StateFile = ""
	}
	ctrl, err := controller.New(opts)
	if err != nil {
		return err
	}

	if cfg.API.Listen != "" {
		srv, err := newAPIServer(cfg, d.operations(ctrl, scale), ctrl, d.reg, log)
		if err != nil {
			return err
		}
		ln, err := srv.Listen()
		if err != nil {
			return usageErrorf("api.listen: %v", err)
		}
		// The API outlives the loop's context by the time the loop needs
		// to finish its write; it stops when runController returns.
		apiCtx, stopAPI := context.WithCancel(context.WithoutCancel(ctx))
		apiDone := make(chan error, 1)
		go func() { apiDone <- srv.ServeOn(apiCtx, ln) }()
		defer func() {
			stopAPI()
			if err := <-apiDone; err != nil {
				log.Error().Err(err).Msg("REST API stopped with an error")
			}
		}()
	}

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go reloadOnHangup(ctx, hup, env, fs, d.path, cfg, ctrl, log, d.level)

	mode := "monitor"
	if scale {
		mode = cfg.Scaling.Mode
	}
	log.Info().Str("mode", mode).Strs("endpoints", cfg.Proxmox.Endpoints).Dur("interval", cfg.Monitor.Interval).
		Int("policies", len(cfg.Scaling.Policies)).Msg("lxc-autoscale starting")
	if err := ctrl.Run(ctx); err != nil {
		return err
	}
	log.Info().Msg("lxc-autoscale stopped")
	return nil
}

// reloadOnHangup reloads the configuration on every SIGHUP. An invalid
// configuration is reported and the running one kept.
func reloadOnHangup(ctx context.Context, hup <-chan os.Signal, env *environment, fs *pflag.FlagSet, path string, running *config.Config, ctrl *controller.Controller, log zerolog.Logger, level *dynamicLevel) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		cfg, err := config.Load(config.LoadOptions{File: path, Environ: env.environ, Flags: fs})
		if err != nil {
			log.Error().Err(err).Msg("reloading the configuration failed; keeping the running one")
			continue
		}
		ctrl.Reload(selectionFrom(cfg.Scaling), guardFrom(cfg.Scaling))
		level.set(cfg.Logging.Level)
		var restart []string
		for name, changed := range map[string]bool{
			"proxmox": !reflect.DeepEqual(cfg.Proxmox, running.Proxmox),
			"monitor": !reflect.DeepEqual(cfg.Monitor, running.Monitor),
			"model":   !reflect.DeepEqual(cfg.Model, running.Model),
			"api":     !reflect.DeepEqual(cfg.API, running.API),
			"state":   !reflect.DeepEqual(cfg.State, running.State),
		} {
			if changed {
				restart = append(restart, name)
			}
		}
		log.Info().Strs("need_restart", restart).Int("policies", len(cfg.Scaling.Policies)).
			Str("mode", cfg.Scaling.Mode).Msg("configuration reloaded; scaling rules apply from the next pass")
	}
}
