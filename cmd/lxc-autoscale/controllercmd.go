package main

import (
	"context"
	"os"
	"runtime/debug"

	"github.com/spf13/pflag"

	"github.com/lxc-autoscale/lxc-autoscale/config"
	"github.com/lxc-autoscale/lxc-autoscale/controller"
)

func runCommand() command {
	return controllerCommand("run", "Monitor, score, decide and resize: full automated scaling", true)
}

func monitorCommand() command {
	return controllerCommand("monitor", "Collect usage, score it and export lxc_metrics.json; never resize", false)
}

// controllerCommand is a command that runs the reconcile loop; run and
// monitor differ only in whether it scales.
func controllerCommand(name, summary string, scale bool) command {
	return command{
		name:    name,
		summary: summary,
		flags:   configFlags,
		exec: func(ctx context.Context, env *environment, fs *pflag.FlagSet) error {
			return runController(ctx, env, fs, scale)
		},
	}
}

// runController runs the reconcile loop until ctx is cancelled (SIGTERM or
// SIGINT: the write in progress is finished, the state saved, exit 0).
// SIGHUP reloads the configuration: scaling policies, guards and the
// logging section take effect at once (scaling at the next pass); other
// changes need a restart and are reported as such.
func runController(ctx context.Context, env *environment, fs *pflag.FlagSet, scale bool) error {
	// The monitor decides nothing: no audit, no state.
	writes := []string{"monitor.export_file"}
	if scale {
		writes = append(writes, "state.file", "state.audit_file")
	}
	d, err := newDaemon(env, fs, writes...)
	if err != nil {
		return err
	}
	defer d.close()
	// The live heap is mostly the containers' history, which stays: at
	// Go's default target (100) the heap grows to twice it between
	// collections. GOGC is the operator's choice when set.
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(daemonGCPercent))
	}
	cfg, log := d.cfg, d.log
	if err := preflight(ctx, cfg.Proxmox, log); err != nil {
		return err
	}
	opts := controllerOptions(cfg)
	opts.Cluster, opts.Logger, opts.Metrics, opts.Scale, opts.Audit, opts.Notify = d.client, d.plain, d.metrics, scale, d.audit, d.notifyFunc()
	var leadership func() (bool, string)
	if !scale {
		opts.StateFile = ""
	} else {
		// Replicas of run coordinate: only the lease holder writes.
		el, stopLease, err := joinElection(d.client, d.gate, cfg.State.LeaseDuration, d.plain, d.reg, d.notifyLeader)
		if err != nil {
			return err
		}
		defer stopLease() // after the loop's last write, before the API stops
		opts.Leading, opts.Successor, leadership = el.Leading, el.Successor, el.Leadership
	}
	ctrl, err := controller.New(opts)
	if err != nil {
		return err
	}

	if cfg.API.Listen != "" {
		srv, err := newAPIServer(cfg, d.operations(ctrl, scale), ctrl, leadership, d.reg, d.plain)
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

	r := d.reloader(env, fs, []string{"proxmox", "monitor", "model", "api", "state", "notify"})
	r.scaling = func(s config.Scaling) { ctrl.Reload(selectionFrom(s), guardFrom(s)) }
	go r.onHangup(ctx, d.hangup)

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

// daemonGCPercent is the collector's target of run and monitor: the heap
// may grow by half the live one between collections, not by all of it.
// At 10,000 containers (test/scale, 3 minutes, default settings) RSS went
// from 423 to 311 MiB at its peak, with the controller's CPU within the
// noise of the runs (52 and 48 % of a core): the live heap hardly changes,
// so more collections cost little.
const daemonGCPercent = 50
