package main

import (
	"fmt"
	"io"
	"strings"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/config"
	"github.com/lxc-autoscale/lxc-autoscale/controller"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// This file maps the configuration into the options of the leaf packages:
// the only place that knows both.

// newLogger builds the process logger from logging.level and
// logging.format. The level is read at every event from level, which a
// reload may change while other goroutines log. Writes are serialised: the
// loop, the backfill and the HTTP server log concurrently.
func newLogger(l config.Logging, out io.Writer, level *dynamicLevel) zerolog.Logger {
	level.set(l.Level)
	var w io.Writer = out
	if l.Format == "console" {
		w = zerolog.ConsoleWriter{Out: out, TimeFormat: "15:04:05"}
	}
	return zerolog.New(&levelFilter{w: zerolog.SyncWriter(w), level: level}).With().Timestamp().Logger()
}

// dynamicLevel is a log level that can change while the logger is in use.
type dynamicLevel struct{ v atomic.Int32 }

func (d *dynamicLevel) set(name string) {
	level, err := zerolog.ParseLevel(strings.ToLower(name))
	if err != nil || level == zerolog.NoLevel {
		level = zerolog.InfoLevel
	}
	d.v.Store(int32(level))
}

func (d *dynamicLevel) get() zerolog.Level { return zerolog.Level(d.v.Load()) }

// levelFilter drops events below the dynamic level.
type levelFilter struct {
	w     io.Writer
	level *dynamicLevel
}

func (f *levelFilter) Write(p []byte) (int, error) { return f.w.Write(p) }

func (f *levelFilter) WriteLevel(l zerolog.Level, p []byte) (int, error) {
	if l < f.level.get() {
		return len(p), nil
	}
	return f.w.Write(p)
}

// newClient builds the Proxmox VE client.
func newClient(p config.Proxmox, log zerolog.Logger, reg prometheus.Registerer) (*proxmox.Client, error) {
	c, err := proxmox.New(proxmox.Options{
		Endpoints:          p.Endpoints,
		TokenID:            p.TokenID,
		TokenSecret:        p.TokenSecret.Value(),
		Username:           p.Username,
		Password:           p.Password.Value(),
		CAFile:             p.CAFile,
		Fingerprint:        p.Fingerprint,
		InsecureSkipVerify: p.InsecureSkipVerify,
		Timeout:            p.Timeout,
		MaxConcurrency:     p.MaxConcurrency,
		Retry: proxmox.RetryOptions{
			Attempts:   p.Retry.Attempts,
			MinBackoff: p.Retry.MinBackoff,
			MaxBackoff: p.Retry.MaxBackoff,
		},
		Registerer: reg,
		Logger:     log.With().Str("component", "proxmox").Logger(),
	})
	if err != nil {
		return nil, fmt.Errorf("proxmox client: %w", err)
	}
	return c, nil
}

// controllerOptions maps the configuration into the controller's options;
// the caller sets Cluster, Logger, Metrics, Audit and Scale.
func controllerOptions(cfg *config.Config) controller.Options {
	m := cfg.Monitor
	return controller.Options{
		Interval:            m.Interval,
		Jitter:              m.Jitter,
		Window:              m.Window,
		Backfill:            m.Backfill,
		BackfillConcurrency: m.BackfillConcurrency,
		ExportFile:          m.ExportFile,
		ExportInterval:      m.ExportInterval,
		MaxMetricsEntries:   m.MaxMetricsEntries,
		Model: controller.ModelOptions{
			Enabled:         cfg.Model.Enabled,
			RetrainInterval: cfg.Model.RetrainInterval,
			Trees:           cfg.Model.Trees,
			SampleSize:      cfg.Model.SampleSize,
			Seed:            uint64(cfg.Model.Seed),
			TrainingWindow:  cfg.Model.TrainingWindow,
			Threshold:       cfg.Model.AnomalyThreshold,
		},
		Selection:   selectionFrom(cfg.Scaling),
		Guard:       guardFrom(cfg.Scaling),
		StateFile:   cfg.State.File,
		TaskTimeout: cfg.Proxmox.TaskTimeout,
	}
}

func selectionFrom(s config.Scaling) controller.Selection {
	sel := controller.Selection{
		Default:   rulesFrom(s.Rules),
		OptInTag:  s.OptInTag,
		OptOutTag: s.OptOutTag,
		Ignore:    s.Ignore,
	}
	for _, p := range s.Policies {
		sel.Policies = append(sel.Policies, controller.Policy{
			Name:  p.Name,
			Match: controller.Match{VMIDs: p.Match.VMIDs, Tags: p.Match.Tags, Pools: p.Match.Pools},
			Rules: rulesFrom(p.Rules),
		})
	}
	return sel
}

func rulesFrom(r config.Rules) controller.Rules {
	return controller.Rules{
		Mode: controller.Mode(r.Mode),
		CPU: controller.CPURules{
			Enabled: r.CPU.Enabled, Up: r.CPU.UpThreshold, Down: r.CPU.DownThreshold,
			Step: r.CPU.Step, Min: r.CPU.Min, Max: r.CPU.Max, Target: r.CPU.Target,
		},
		Memory: controller.MemoryRules{
			Enabled: r.Memory.Enabled, Up: r.Memory.UpThreshold, Down: r.Memory.DownThreshold,
			Step: r.Memory.Step.Bytes(), Min: r.Memory.Min.Bytes(), Max: r.Memory.Max.Bytes(),
			Margin: r.Memory.Margin.Bytes(), Target: r.Memory.Target,
		},
		Swap: controller.SwapRules{
			Enabled: r.Swap.Enabled, Ratio: r.Swap.Ratio, Min: r.Swap.Min.Bytes(), Max: r.Swap.Max.Bytes(),
		},
		Disk: controller.DiskRules{
			Enabled: r.Disk.Enabled, Threshold: r.Disk.Threshold, Step: r.Disk.Step.Bytes(), Max: r.Disk.Max.Bytes(),
		},
		CooldownUp:        r.CooldownUp,
		CooldownDown:      r.CooldownDown,
		StabilizationUp:   r.StabilizationUp,
		StabilizationDown: r.StabilizationDown,
	}
}

func guardFrom(s config.Scaling) controller.GuardOptions {
	return controller.GuardOptions{
		OvercommitCPU:    s.Node.OvercommitCPU,
		OvercommitMemory: s.Node.OvercommitMemory,
		ReserveCores:     s.Node.ReserveCores,
		ReserveMemory:    s.Node.ReserveMemory.Bytes(),
		MaxWritesPerPass: s.MaxWritesPerPass,
	}
}
