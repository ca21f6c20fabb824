package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/pflag"

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
	return command{
		name:    "demo",
		summary: "Run against an embedded simulated cluster, no configuration needed",
		flags: func(fs *pflag.FlagSet) {
			fs.Duration("for", 0, "exit after this long, with a summary (0: until Ctrl-C)")
			fs.Float64("speed", 60, "simulated seconds per real second")
			fs.Duration("every", 2*time.Second, "real time between two passes over the cluster")
			fs.Uint64("seed", 1, "seed of the simulated workloads")
			fs.String("sim-listen", "127.0.0.1:0", "address of the embedded Proxmox VE simulator")
		},
		exec: runDemo,
	}
}

type demoOptions struct {
	duration, every time.Duration
	speed           float64
	seed            uint64
	simListen       string
}

func runDemo(ctx context.Context, env *environment, fs *pflag.FlagSet, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	var o demoOptions
	o.duration, _ = fs.GetDuration("for")
	o.speed, _ = fs.GetFloat64("speed")
	o.every, _ = fs.GetDuration("every")
	o.seed, _ = fs.GetUint64("seed")
	o.simListen, _ = fs.GetString("sim-listen")
	switch {
	case o.duration < 0:
		return usageErrorf("--for: %s is negative; use 0 to run until interrupted", o.duration)
	case o.speed < 1 || o.speed > 100000:
		return usageErrorf("--speed: %g is out of range [1, 100000]", o.speed)
	case o.every < 100*time.Millisecond || o.every > time.Minute:
		return usageErrorf("--every: %s is out of range [100ms, 1m]", o.every)
	}

	logger := zerolog.New(zerolog.ConsoleWriter{Out: env.stderr, TimeFormat: "15:04:05"}).Level(zerolog.InfoLevel).With().Timestamp().Logger()
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

	client, err := proxmox.New(proxmox.Options{
		Endpoints:   []string{simURL},
		TokenID:     demoTokenID,
		TokenSecret: demoTokenSecret,
		Timeout:     5 * time.Second,
		Logger:      logger.With().Str("component", "proxmox").Logger(),
	})
	if err != nil {
		return fmt.Errorf("connect to simulator: %w", err)
	}

	fmt.Fprintf(env.stdout, "Simulated Proxmox VE cluster: %s/api2/json (3 nodes, %d containers, clock x%g)\n", simURL, len(demoContainers()), o.speed)
	fmt.Fprintf(env.stdout, "Try: curl -s -H 'Authorization: PVEAPIToken=%s=%s' %s/api2/json/cluster/resources?type=vm\n", demoTokenID, demoTokenSecret, simURL)
	fmt.Fprintln(env.stdout, "Automated scaling, the REST API and the status page join the demo as they land; today it shows live collection.")
	fmt.Fprintln(env.stdout)

	stats, err := watchCluster(ctx, client, sim, o.every, env.stdout, logger)
	fmt.Fprintf(env.stdout, "\nDemo summary: %d passes over the cluster, %d API calls (%.1f per pass for %d nodes), %d failed passes, simulated time %s.\n",
		stats.passes, stats.calls, stats.callsPerPass(), 3, stats.failed, stats.simulated.Round(time.Second))
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

type watchStats struct {
	passes, failed, calls int
	simulated             time.Duration
}

func (s watchStats) callsPerPass() float64 {
	if s.passes == 0 {
		return 0
	}
	return float64(s.calls) / float64(s.passes)
}

// watchCluster lists the cluster once per tick, the way the controller's
// collector does (one call for the nodes, one per online node), and prints
// what it sees. It returns when ctx is done.
func watchCluster(ctx context.Context, client *proxmox.Client, sim *pvesim.Sim, every time.Duration, out io.Writer, logger zerolog.Logger) (watchStats, error) {
	var stats watchStats
	start := sim.Clock().Now()
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	for {
		before := len(sim.Requests())
		cts, err := listCluster(ctx, client)
		if ctx.Err() != nil {
			return stats, ctx.Err() // an interrupted pass counts for nothing
		}
		stats.calls += len(sim.Requests()) - before
		stats.simulated = sim.Clock().Now().Sub(start)
		switch {
		case err != nil:
			stats.failed++
			logger.Warn().Err(err).Msg("list cluster")
		default:
			stats.passes++
			printContainers(out, sim.Clock().Now(), cts)
		}
		select {
		case <-ctx.Done():
			return stats, ctx.Err()
		case <-ticker.C:
		}
	}
}

// listCluster returns every container of the online nodes, sorted by vmid.
func listCluster(ctx context.Context, client *proxmox.Client) ([]proxmox.Container, error) {
	nodes, err := client.Nodes(ctx)
	if err != nil {
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	var all []proxmox.Container
	for _, n := range nodes {
		if !n.Online {
			continue
		}
		cts, err := client.Containers(ctx, n.Name)
		if err != nil {
			return nil, fmt.Errorf("list containers of %s: %w", n.Name, err)
		}
		all = append(all, cts...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].VMID < all[j].VMID })
	return all, nil
}

func printContainers(out io.Writer, now time.Time, cts []proxmox.Container) {
	fmt.Fprintf(out, "── simulated %s ──\n", now.UTC().Format("2006-01-02 15:04"))
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "VMID\tNODE\tNAME\tSTATUS\tCPUS\tCPU%\tMEM MiB\tMEM%\tSWAP MiB\tDISK GiB\tDISK%\tPSI CPU\t")
	for _, c := range cts {
		psi := "-"
		if c.Pressure != nil {
			psi = fmt.Sprintf("%.1f", c.Pressure.CPUSome)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%g\t%.0f\t%d/%d\t%.0f\t%d\t%.1f/%.0f\t%.0f\t%s\t\n",
			c.VMID, c.Node, c.Name, c.Status, c.CPUs, 100*c.CPU,
			c.Mem>>20, c.MaxMem>>20, percent(c.Mem, c.MaxMem), c.Swap>>20,
			float64(c.Disk)/(1<<30), float64(c.MaxDisk)/(1<<30), percent(c.Disk, c.MaxDisk), psi)
	}
	_ = tw.Flush()
}

func percent(used, limit uint64) float64 {
	if limit == 0 {
		return 0
	}
	return 100 * float64(used) / float64(limit)
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
		{"cache", workload.Leak, 1, 1024, 8, []string{"prod"}},
		{"worker", workload.Leak, 2, 2048, 8, nil},
		{"logs", workload.DiskFill, 1, 1024, 8, []string{"infra"}},
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
