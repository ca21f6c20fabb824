package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/rs/zerolog"
	"github.com/spf13/pflag"

	"github.com/lxc-autoscale/lxc-autoscale/config"
	"github.com/lxc-autoscale/lxc-autoscale/controller"
	"github.com/lxc-autoscale/lxc-autoscale/controller/audit"
	"github.com/lxc-autoscale/lxc-autoscale/controller/manual"
	"github.com/lxc-autoscale/lxc-autoscale/controller/notify"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// daemon is what the long-running commands (run, monitor, api) share: the
// configuration, the logger, the metrics registry, the Proxmox client, the
// controller's metrics and the audit record.
type daemon struct {
	cfg     *config.Config
	path    string // the configuration file, for reloads
	logs    *logOutput
	log     zerolog.Logger // the daemon's own lines: component "daemon"
	plain   zerolog.Logger // for packages that name their component themselves
	hangup  chan os.Signal // SIGHUP, caught from the start so that it never ends the process
	reg     *prometheus.Registry
	client  *proxmox.Client
	gate    *leaseGate // fences client writes by the lease, once run joins the election
	metrics *controller.Metrics
	audit   *audit.Log         // nil when state.audit_file is "" or not wanted
	ops     *manual.Operations // closed before the audit: its task watchers append to it
	// notifier is nil without webhooks; closed after ops, before the audit.
	notifier *notify.Notifier
}

// newDaemon loads the configuration and builds the shared parts; close must
// be called when it succeeds. writes are the keys of the files the command
// writes: their directories are created (or the command refuses to start),
// and with state.audit_file among them the audit record is opened.
func newDaemon(env *environment, fs *pflag.FlagSet, writes ...string) (_ *daemon, err error) {
	cfg, path, err := loadConfig(env, fs)
	if err != nil {
		return nil, err
	}
	if len(cfg.Proxmox.Endpoints) == 0 {
		return nil, usageErrorf("proxmox.endpoints: no endpoint configured; set it in the config file, LXCA_PROXMOX_ENDPOINTS or --endpoint")
	}
	d := &daemon{cfg: cfg, path: path, reg: newRegistry(), hangup: make(chan os.Signal, 1), gate: &leaseGate{}}
	d.plain, d.logs = newLogger(cfg.Logging, env.stderr)
	d.log = d.plain.With().Str("component", "daemon").Logger()
	signal.Notify(d.hangup, syscall.SIGHUP)
	defer func() {
		if err != nil {
			d.close()
		}
	}()
	logReadableSecrets(d.log, cfg)
	if d.client, err = newClient(cfg.Proxmox, d.plain, d.reg, d.gate.check); err != nil {
		return nil, usageError{err}
	}
	if d.metrics, err = controller.NewMetrics(d.reg); err != nil {
		return nil, err
	}
	for _, dir := range cfg.Dirs() {
		if slices.Contains(writes, dir.Key) {
			if err = dir.Create(); err != nil {
				return nil, err
			}
		}
	}
	if slices.Contains(writes, "state.audit_file") {
		if d.audit, err = openAudit(cfg); err != nil {
			return nil, err
		}
	}
	if d.notifier, err = newNotifier(cfg.Notify, d.plain, d.reg, d.audit); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *daemon) close() {
	signal.Stop(d.hangup)
	if d.ops != nil {
		d.ops.Close()
	}
	d.closeNotifier()
	if d.audit != nil {
		if err := d.audit.Close(); err != nil {
			d.log.Error().Err(err).Msg("closing the audit record failed")
		}
	}
}

// reloader reloads the configuration on SIGHUP; fixed are the sections the
// command reads only at start.
func (d *daemon) reloader(env *environment, fs *pflag.FlagSet, fixed []string) *reloader {
	return &reloader{env: env, flags: fs, path: d.path, running: d.cfg, logs: d.logs, log: d.log, fixed: fixed}
}

// operations builds the manual operations on the daemon's client, audit and
// metrics (see newOperations) and recovers the outcome of the tasks a
// previous run left audited as started.
func (d *daemon) operations(ctrl *controller.Controller, scale bool) *manual.Operations {
	log := d.plain.With().Str("component", "operations").Logger()
	d.ops = newOperations(d.client, log, d.metrics, d.audit, d.cfg.Proxmox.TaskTimeout, ctrl, scale,
		opsHooks{notify: d.notifyFunc(), recorded: d.notifyManual()})
	// The tasks a previous run left audited as started get their outcome;
	// close stops this.
	go func() {
		if err := d.ops.RecoverTasks(context.Background()); err != nil {
			log.Warn().Err(err).Msg("recovering the outcome of earlier tasks failed")
		}
	}()
	return d.ops
}

// opsHooks tell the webhooks of the changes the manual operations make;
// the zero value tells no one.
type opsHooks struct {
	notify   func(notify.Event)
	recorded func(audit.Record)
}

// newOperations builds the manual operations and the Actuator they write
// through: the daemon's and the demo's. ctrl is the loop, nil for the api
// command: with it, containers are located from its snapshot, and when it
// scales, pausing works, manual values stay within the container's policy
// and manual changes start the loop's cooldowns. taskTimeout 0 is the
// packages' default.
func newOperations(client *proxmox.Client, log zerolog.Logger, metrics *controller.Metrics, record *audit.Log,
	taskTimeout time.Duration, ctrl *controller.Controller, scale bool, hooks opsHooks,
) *manual.Operations {
	var (
		locate  func(vmid int) (string, bool)
		pause   func(vmid int, paused bool)
		applied func(vmid int, outcomes []scaling.Outcome)
		bounds  func(vmid int) (string, scaling.Rules, bool)
	)
	if ctrl != nil {
		locate = locateIn(ctrl)
		if scale {
			pause, applied, bounds = ctrl.SetPaused, ctrl.RecordManual, ctrl.Bounds
		}
	}
	actuator := controller.NewActuator(controller.ActuatorOptions{Cluster: client, Logger: log, Metrics: metrics, Audit: record,
		Notify: hooks.notify, TaskTimeout: taskTimeout})
	return manual.New(manual.Options{Cluster: client, Actuator: actuator, Audit: record, Logger: log, TaskTimeout: taskTimeout,
		Locate: locate, Pause: pause, Applied: applied, Bounds: bounds, WatchTasks: true, Recorded: hooks.recorded})
}

func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), buildInfo())
	return reg
}

func openAudit(cfg *config.Config) (*audit.Log, error) {
	if cfg.State.AuditFile == "" {
		return nil, nil
	}
	audit, err := audit.Open(audit.Options{Path: cfg.State.AuditFile, MaxSize: int64(cfg.State.AuditMaxSize.Bytes()), MaxBackups: cfg.State.AuditMaxBackups})
	if err != nil {
		// OpenAudit's errors start with "open audit" already.
		return nil, fmt.Errorf("state.audit_file: %w", err)
	}
	return audit, nil
}

// locateIn finds a container's node in the loop's latest pass.
func locateIn(ctrl *controller.Controller) func(vmid int) (string, bool) {
	return func(vmid int) (string, bool) {
		for _, v := range ctrl.Snapshot().Containers {
			if v.VMID == vmid {
				return v.Node, true
			}
		}
		return "", false
	}
}

// logReadableSecrets warns about each file holding a secret that group or
// others may read. The process still starts: the secret is exposed already,
// and refusing would only stop the autoscaling.
func logReadableSecrets(log zerolog.Logger, cfg *config.Config) {
	for _, r := range cfg.ReadableSecrets() {
		log.Warn().Str("key", r.Key).Str("file", r.Path).Str("mode", fmt.Sprintf("%04o", r.Mode)).
			Msg("a file holding a secret is readable by group or others; chmod 0600 it")
	}
}
