package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"github.com/spf13/pflag"

	"github.com/lxc-autoscale/lxc-autoscale/cmd/lxc-autoscale/demoview"
	"github.com/lxc-autoscale/lxc-autoscale/config"
	"github.com/lxc-autoscale/lxc-autoscale/controller"
	"github.com/lxc-autoscale/lxc-autoscale/controller/audit"
	"github.com/lxc-autoscale/lxc-autoscale/httpapi"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/workload"
)

// The demo's simulated cluster is reached with this token; it only exists
// inside the demo process, on loopback.
const (
	demoTokenID     = "root@pam!demo"
	demoTokenSecret = "demo-secret-not-for-production"
)

func demoCommand() command {
	var o demoOptions
	return command{
		name:    "demo",
		summary: "Run against an embedded simulated cluster, no configuration needed",
		flags: func(fs *pflag.FlagSet) {
			fs.DurationVar(&o.duration, "for", 0, "exit after this long, with a summary (0: until Ctrl-C)")
			fs.Float64Var(&o.speed, "speed", 60, "simulated seconds per real second")
			fs.DurationVar(&o.every, "every", 2*time.Second, "real time between two passes over the cluster")
			fs.Uint64Var(&o.seed, "seed", 1, "seed of the simulated workloads")
			fs.StringVar(&o.simListen, "sim-listen", "127.0.0.1:0", "address of the embedded Proxmox VE simulator")
			fs.StringVar(&o.listen, "listen", "127.0.0.1:0", "address of the REST API and the status page")
			fs.StringVar(&o.view, "view", "auto", "compact: one frame redrawn in place; lines: plain lines; auto: compact on a terminal")
		},
		exec: func(ctx context.Context, env *environment, _ *pflag.FlagSet) error {
			return runDemo(ctx, env, o)
		},
	}
}

// demoOptions are demo's flags, bound by demoCommand.
type demoOptions struct {
	duration, every time.Duration
	speed           float64
	seed            uint64
	simListen       string
	listen          string
	view            string
}

func runDemo(ctx context.Context, env *environment, o demoOptions) error {
	var compact bool
	switch o.view {
	case "auto":
		compact = isTerminal(env.stdout)
	case "compact", "lines":
		compact = o.view == "compact"
	default:
		return usageErrorf("--view: %q is not one of auto, compact, lines", o.view)
	}
	switch {
	case o.duration < 0:
		return usageErrorf("--for: %s is negative; use 0 to run until interrupted", o.duration)
	case o.speed < 1 || o.speed > 100000:
		return usageErrorf("--speed: %g is out of range [1, 100000]", o.speed)
	case o.every < 100*time.Millisecond || o.every > time.Minute:
		return usageErrorf("--every: %s is out of range [100ms, 1m]", o.every)
	}

	dir, err := os.MkdirTemp("", "lxc-autoscale-demo-")
	if err != nil {
		return err
	}
	// Log lines would scroll the compact view away: they go to a file.
	logOut, logPath := io.Writer(env.stderr), filepath.Join(dir, "demo.log")
	if compact {
		f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return err
		}
		defer f.Close()
		logOut = f
	}
	logger, _ := newLogger(config.Logging{Level: "info", Format: "console"}, logOut)
	if o.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.duration)
		defer cancel()
	}

	sim, err := pvesim.New(pvesim.Options{
		Nodes:  3,
		Specs:  demoContainers(),
		Seed:   o.seed,
		Tokens: []string{demoTokenID + "=" + demoTokenSecret},
		Speed:  o.speed,
	})
	if err != nil {
		return fmt.Errorf("start simulator: %w", err)
	}
	defer sim.Close()
	ln, err := net.Listen("tcp", o.simListen)
	if err != nil {
		return usageErrorf("--sim-listen: %v", err)
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	simURL := "http://" + ln.Addr().String()

	gate := &leaseGate{}
	client, err := proxmox.New(proxmox.Options{
		Endpoints:   []string{simURL},
		TokenID:     demoTokenID,
		TokenSecret: demoTokenSecret,
		Timeout:     5 * time.Second,
		Logger:      logger, // the client adds its component itself
		WriteGate:   gate.check,
	})
	if err != nil {
		return fmt.Errorf("connect to simulator: %w", err)
	}

	reg := newRegistry()
	metrics, err := controller.NewMetrics(reg)
	if err != nil {
		return err
	}
	audit, err := audit.Open(audit.Options{Path: filepath.Join(dir, "audit.jsonl"), MaxSize: 10 << 20, MaxBackups: 1})
	if err != nil {
		return err
	}
	defer audit.Close()
	opts := demoControllerOptions(o.every, dir)
	opts.Cluster, opts.Logger, opts.Metrics, opts.Audit = client, logger, metrics, audit
	// As run does: alone, the demo wins the lease at its first read.
	el, stopLease, err := joinElection(client, gate, 15*time.Second, logger, reg, nil)
	if err != nil {
		return err
	}
	defer stopLease()
	opts.Leading, opts.Successor = el.Leading, el.Successor
	ctrl, err := controller.New(opts)
	if err != nil {
		return err
	}

	apiURL, token, stopAPI, err := startDemoAPI(o.listen, client, ctrl, el.Leadership, metrics, audit, reg, logger, o.every, filepath.Join(dir, "audit.jsonl"))
	if err != nil {
		return err
	}
	defer stopAPI()

	header := []string{
		fmt.Sprintf("Simulated Proxmox VE cluster: %s/api2/json (3 nodes, %d containers, clock x%g)", simURL, len(demoContainers()), o.speed),
		fmt.Sprintf("Status page: %s/ (any user name, the token as password)", apiURL),
		fmt.Sprintf("API token (admin scope, this run only): %s", token),
		fmt.Sprintf("Try: curl -s -H 'Authorization: Bearer %s' %s/api/v1/containers", token, apiURL),
		fmt.Sprintf("The controller runs in enforce mode (containers tagged \"recommend\" only get recommendations), one pass every %s.", o.every),
	}
	if leading, leader := el.Leadership(); leading {
		header = append(header, fmt.Sprintf("Leader: this process holds the cluster's lease as %s (only the leader of several replicas writes)", leader))
	}
	header = append(header, fmt.Sprintf("lxc_metrics.json, the state file and the audit record go to %s", dir))
	view := &demoview.View{Out: env.stdout, Compact: compact, AuditPath: filepath.Join(dir, "audit.jsonl")}
	if compact {
		view.Header = append(header, "Logs: "+logPath+". Ctrl-C stops with a summary.", "")
	} else {
		fmt.Fprintln(env.stdout, strings.Join(header, "\n")+"\n")
	}

	done := make(chan error, 1)
	go func() { done <- ctrl.Run(ctx) }()
	passes := view.Watch(ctx, ctrl, sim, o.every)
	if err := <-done; err != nil {
		return err
	}
	demoview.PrintSummary(env.stdout, sim, passes, dir)
	demoview.PrintTimings(env.stdout, o.every, o.speed)
	demoview.PrintActions(env.stdout, view.AuditPath)
	return nil
}

// startDemoAPI serves the REST API and the status page for the demo with a
// fresh admin token, and returns its URL, the token and how to stop it.
func startDemoAPI(listen string, client *proxmox.Client, ctrl *controller.Controller, leadership func() (bool, string), metrics *controller.Metrics,
	audit *audit.Log, reg *prometheus.Registry, log zerolog.Logger, every time.Duration, auditPath string,
) (url, token string, stop func(), err error) {
	token, sum, err := newAPIToken()
	if err != nil {
		return "", "", nil, err
	}
	ops := newOperations(client, log, metrics, audit, 0, ctrl, true, opsHooks{})
	srv, err := httpapi.New(httpapi.Options{
		Listen: listen, Tokens: []httpapi.Token{{Name: "demo", SHA256: sum, Scope: httpapi.ScopeAdmin}},
		Logger: log.With().Str("component", "api").Logger(), Registry: reg, MetricsPublic: true,
		Operations: ops, Snapshots: ctrl, Leadership: leadership, AuditPath: auditPath, Interval: every,
	})
	if err != nil {
		return "", "", nil, err
	}
	ln, err := srv.Listen()
	if err != nil {
		return "", "", nil, usageErrorf("--listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.ServeOn(ctx, ln); err != nil {
			log.Error().Err(err).Msg("demo API stopped")
		}
	}()
	return "http://" + ln.Addr().String(), token, func() { cancel(); <-done; ops.Close() }, nil
}

// demoControllerOptions are the production defaults with every timing
// scaled to the demo's pace: a pass every `every`, cooldowns and
// stabilisation windows of a few passes.
func demoControllerOptions(every time.Duration, dir string) controller.Options {
	cfg := config.Default()
	cfg.Scaling.Mode = config.ModeEnforce
	cfg.Scaling.StabilizationUp, cfg.Scaling.StabilizationDown = 2*every, 4*every
	cfg.Scaling.CooldownUp, cfg.Scaling.CooldownDown = 3*every, 6*every
	cfg.Scaling.Policies = []config.Policy{{
		Name:  "recommend-only",
		Match: config.Match{Tags: []string{"recommend"}},
		Rules: cfg.Scaling.Rules,
	}}
	cfg.Scaling.Policies[0].Mode = config.ModeRecommend
	o := controllerOptions(&cfg)
	o.Interval, o.Jitter = every, 0
	o.Window, o.ShortPeriod = 60*every, 5*every
	o.ExportInterval = 5 * every
	o.ExportFile = filepath.Join(dir, "lxc_metrics.json")
	o.StateFile = filepath.Join(dir, "state.json")
	o.Model.RetrainInterval, o.Model.TrainingWindow = 30*every, 60*every
	o.Scale = true
	return o
}

// demoContainers is the demo's cluster: every workload kind, named after
// what it does, spread over three nodes.
func demoContainers() []pvesim.ContainerSpec {
	type ct struct {
		name  string
		kind  workload.Kind
		cores int
		mem   int // MiB
		disk  float64
		tags  []string
	}
	cts := []ct{
		{"web-1", workload.Steady, 2, 1024, 8, []string{"web"}},
		{"web-2", workload.Steady, 2, 1024, 8, []string{"web"}},
		{"shop", workload.Diurnal, 2, 2048, 16, []string{"web", "prod"}},
		{"portal", workload.Diurnal, 1, 1024, 8, []string{"web"}},
		{"api-gw", workload.Spike, 1, 1024, 8, []string{"prod"}},
		{"search", workload.Spike, 2, 2048, 16, []string{"prod"}},
		{"render", workload.Busy, 1, 2048, 16, nil},
		{"cache", workload.Leak, 1, 1024, 8, []string{"prod"}},
		{"worker", workload.Leak, 2, 2048, 8, nil},
		{"logs", workload.DiskFill, 1, 1024, 4, []string{"infra"}},
		{"metrics-db", workload.DiskFill, 2, 2048, 16, []string{"infra"}},
		{"etl", workload.Batch, 2, 2048, 16, []string{"batch"}},
		{"reports", workload.Batch, 1, 1024, 8, []string{"batch"}},
		{"backup", workload.Batch, 1, 512, 32, []string{"infra"}},
		{"dev-1", workload.Idle, 4, 4096, 16, []string{"dev"}},
		{"dev-2", workload.Idle, 2, 2048, 8, []string{"dev"}},
		{"staging", workload.Idle, 4, 4096, 16, []string{"dev"}},
		{"mail", workload.Steady, 1, 1024, 8, nil},
		{"dns", workload.Idle, 1, 512, 4, []string{"infra"}},
		{"ci-runner", workload.Batch, 2, 2048, 32, []string{"recommend"}},
		{"wiki", workload.Diurnal, 1, 1024, 8, nil},
	}
	nodes := []string{"pve1", "pve2", "pve3"}
	specs := make([]pvesim.ContainerSpec, 0, len(cts))
	for i, c := range cts {
		specs = append(specs, pvesim.ContainerSpec{
			VMID:      101 + i,
			Node:      nodes[i%len(nodes)],
			Name:      c.name,
			Cores:     c.cores,
			MemoryMiB: c.mem,
			SwapMiB:   512,
			DiskGiB:   c.disk,
			Workload:  c.kind,
			Tags:      append([]string{string(c.kind)}, c.tags...),
		})
	}
	return specs
}
