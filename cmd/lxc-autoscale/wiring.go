package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/config"
	"github.com/lxc-autoscale/lxc-autoscale/controller"
	"github.com/lxc-autoscale/lxc-autoscale/controller/engine"
	"github.com/lxc-autoscale/lxc-autoscale/controller/manual"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/policies"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// This file maps the configuration into the options of the leaf packages:
// the only place that knows both.

// Each consumer declares the few methods it uses; the wiring checks at
// compile time that what it plugs in has them.
var (
	_ controller.Cluster      = (*proxmox.Client)(nil)
	_ controller.ConfigWriter = (*proxmox.Client)(nil)
	_ manual.Cluster          = (*proxmox.Client)(nil)
	_ manual.Applier          = (*controller.Actuator)(nil)
)

func init() {
	// A duration is logged as Go writes it ("10s", "1m30s"), so that no
	// reader has to guess whether 10000 meant milliseconds; fields that are
	// numbers carry their unit in the name (duration_seconds).
	zerolog.DurationFieldFormat = zerolog.DurationFormatString
}

// newLogger builds the process logger from logging.level and
// logging.format; the returned logOutput applies a reloaded logging section
// to the same logger.
func newLogger(l config.Logging, out io.Writer) (zerolog.Logger, *logOutput) {
	o := &logOutput{out: out, terminal: isTerminal(out)}
	o.configure(l)
	return zerolog.New(o).Sample(o).With().Timestamp().Logger(), o
}

// logOutput is where every log line goes. It drops events below the level
// and encodes the rest in the format; a reload may change both while other
// goroutines log. Writes are serialised: the loop, the backfill and the HTTP
// server log concurrently.
//
// The level is applied as the logger's Sampler, which zerolog asks before
// it builds an event: a disabled event is nil, so its fields are never
// formatted. Dropping it at the write instead had every debug line of a
// pass built and thrown away (at 10,000 containers in dry-run, 8,200
// "change held back" lines a pass: half the act phase's 55 ms). The
// Sampler is shared by every logger derived from this one, so a reload
// reaches them all.
type logOutput struct {
	out      io.Writer
	terminal bool // colour codes only where a terminal interprets them
	level    atomic.Int32

	mu sync.Mutex
	w  io.Writer // out for JSON, a ConsoleWriter on out for console
}

// configure applies a logging section: an unknown level means info (Validate
// has refused it already), "auto" means console on a terminal, JSON
// elsewhere (a file, a pipe, journald).
func (o *logOutput) configure(l config.Logging) {
	level, err := zerolog.ParseLevel(strings.ToLower(l.Level))
	if err != nil || level == zerolog.NoLevel {
		level = zerolog.InfoLevel
	}
	o.level.Store(int32(level))
	var w io.Writer = o.out
	if l.Format == "console" || (l.Format == "auto" && o.terminal) {
		w = zerolog.ConsoleWriter{Out: o.out, TimeFormat: "15:04:05", NoColor: !o.terminal}
	}
	o.mu.Lock()
	o.w = w
	o.mu.Unlock()
}

func (o *logOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.w.Write(p)
}

// Sample reports whether an event of level l is logged at the level in
// force (zerolog.Sampler).
func (o *logOutput) Sample(l zerolog.Level) bool {
	return l >= zerolog.Level(o.level.Load())
}

// isTerminal reports whether w is a character device, as a terminal is.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// newClient builds the Proxmox VE client.
func newClient(p config.Proxmox, log zerolog.Logger, reg prometheus.Registerer, gate proxmox.WriteGate) (*proxmox.Client, error) {
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
		Logger:     log, // the client adds its component itself
		WriteGate:  gate,
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
		Workers:             m.Workers,
		Backfill:            m.Backfill,
		BackfillConcurrency: m.BackfillConcurrency,
		ExportFile:          m.ExportFile,
		ExportInterval:      m.ExportInterval,
		MaxMetricsEntries:   m.MaxMetricsEntries,
		Model: engine.ModelOptions{
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

func selectionFrom(s config.Scaling) policies.Selection {
	sel := policies.Selection{
		Default:   rulesFrom(s.Rules),
		OptInTag:  s.OptInTag,
		OptOutTag: s.OptOutTag,
		Ignore:    s.Ignore,
	}
	for _, p := range s.Policies {
		sel.Policies = append(sel.Policies, policies.Policy{
			Name:  p.Name,
			Match: policies.Match{VMIDs: p.Match.VMIDs, Tags: p.Match.Tags, Pools: p.Match.Pools},
			Rules: rulesFrom(p.Rules),
		})
	}
	return sel
}

func rulesFrom(r config.Rules) scaling.Rules {
	return scaling.Rules{
		Mode: scaling.Mode(r.Mode),
		CPU: scaling.CPURules{
			Enabled: r.CPU.Enabled, Up: r.CPU.UpThreshold, Down: r.CPU.DownThreshold,
			Step: r.CPU.Step, Min: r.CPU.Min, Max: r.CPU.Max, Target: r.CPU.Target,
		},
		Memory: scaling.MemoryRules{
			Enabled: r.Memory.Enabled, Up: r.Memory.UpThreshold, Down: r.Memory.DownThreshold,
			Step: r.Memory.Step.Bytes(), Min: r.Memory.Min.Bytes(), Max: r.Memory.Max.Bytes(),
			Margin: r.Memory.Margin.Bytes(), Target: r.Memory.Target,
		},
		Swap: scaling.SwapRules{
			Enabled: r.Swap.Enabled, Ratio: r.Swap.Ratio, Min: r.Swap.Min.Bytes(), Max: r.Swap.Max.Bytes(),
		},
		Disk: scaling.DiskRules{
			Enabled: r.Disk.Enabled, Threshold: r.Disk.Threshold, Step: r.Disk.Step.Bytes(), Max: r.Disk.Max.Bytes(),
		},
		CooldownUp:        r.CooldownUp,
		CooldownDown:      r.CooldownDown,
		StabilizationUp:   r.StabilizationUp,
		StabilizationDown: r.StabilizationDown,
		Profile:           r.Profile,
	}
}

func guardFrom(s config.Scaling) scaling.GuardOptions {
	return scaling.GuardOptions{
		OvercommitCPU:    s.Node.OvercommitCPU,
		OvercommitMemory: s.Node.OvercommitMemory,
		ReserveCores:     s.Node.ReserveCores,
		ReserveMemory:    s.Node.ReserveMemory.Bytes(),
		MaxWritesPerPass: s.MaxWritesPerPass,
	}
}
