package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// options are the command line.
type options struct {
	sizes    []int
	nodes    int
	duration time.Duration
	interval time.Duration // 0: the controller's default
	speed    float64
	seed     uint64
	export   bool
	// exportEvery and maxEntries override monitor.export_interval and
	// monitor.max_metrics_entries (0: the defaults), so that a run of
	// minutes can reach the export's compaction.
	exportEvery time.Duration
	maxEntries  int
	scrape      time.Duration
	// settle is how long after start a pass must come, besides after the
	// backfill, to count as steady: past monitor.window every window is
	// full, which the first hour's passes do not see.
	settle  time.Duration
	jsonOut string
	keep    bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func parseArgs(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("scale", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: go run ./test/scale [flags]

Runs cmd/pvesim and `+"`lxc-autoscale run`"+` (default settings, dry-run, export on) as
separate processes, one cluster size after the other, and reports per size:
the listing fetch and the pass's own work (min/median/max over the passes),
the controller's CPU time per pass and container once the backfill is done,
the time to the first decision pass, the controller's RSS (max and final) and
CPU, the bytes written per export, and the machine's load at start and end.

Example:
  go run ./test/scale -containers 1000,10000,50000 -nodes 32 -for 10m -json scale.json

Flags:
`)
		fs.PrintDefaults()
	}
	sizes := fs.String("containers", "1000,10000", "cluster sizes to run, comma-separated, one after the other")
	fs.IntVar(&o.nodes, "nodes", 32, "nodes of the simulated cluster")
	fs.DurationVar(&o.duration, "for", 10*time.Minute, "how long the controller runs at each size, start-up included")
	fs.DurationVar(&o.interval, "interval", 0, "monitor.interval of the controller (default: its default, 10s)")
	fs.Float64Var(&o.speed, "speed", 1, "pvesim's clock: simulated seconds per real second")
	fs.Uint64Var(&o.seed, "seed", 1, "pvesim's seed")
	fs.BoolVar(&o.export, "export", true, "write lxc_metrics.json (monitor.export_file); -export=false turns it off")
	fs.DurationVar(&o.exportEvery, "export-interval", 0, "monitor.export_interval of the controller (default: its default, 60s)")
	fs.IntVar(&o.maxEntries, "max-metrics-entries", 0, "monitor.max_metrics_entries of the controller (default: its default, 1000); a small value makes the export compact within the run")
	fs.DurationVar(&o.scrape, "scrape", 2*time.Second, "how often /metrics is read once the first pass is done (each pass must fall between two reads to be measured alone)")
	fs.DurationVar(&o.settle, "settle", 0, "passes count as steady once the backfill is done and this long after start; past monitor.window (1h) the windows are full, e.g. -for 75m -settle 65m")
	fs.StringVar(&o.jsonOut, "json", "", `also write the results as JSON to this file ("-": standard output)`)
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory (binaries, configuration, logs, state and export)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.ReplaceAll(strings.TrimSpace(s), "_", ""))
		if err != nil || n < 1 || n > 1_000_000 {
			return o, fmt.Errorf("-containers %q: want whole numbers from 1 to 1000000, comma-separated", s)
		}
		o.sizes = append(o.sizes, n)
	}
	switch {
	case o.nodes < 1 || o.nodes > 1000:
		return o, fmt.Errorf("-nodes %d: want 1 to 1000", o.nodes)
	case o.duration < 30*time.Second:
		return o, fmt.Errorf("-for %s: want at least 30s", o.duration)
	case o.interval != 0 && (o.interval < time.Second || o.interval > time.Hour):
		return o, fmt.Errorf("-interval %s: want 1s to 1h (the controller's range)", o.interval)
	case o.speed <= 0:
		return o, fmt.Errorf("-speed %v: want above 0", o.speed)
	case o.exportEvery != 0 && (o.exportEvery < time.Second || o.exportEvery > 24*time.Hour):
		return o, fmt.Errorf("-export-interval %s: want 1s to 24h", o.exportEvery)
	case o.maxEntries < 0 || o.maxEntries > 1_000_000:
		return o, fmt.Errorf("-max-metrics-entries %d: want 0 (the default) to 1000000", o.maxEntries)
	case o.scrape < 250*time.Millisecond:
		return o, fmt.Errorf("-scrape %s: want at least 250ms", o.scrape)
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseArgs(args, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case err != nil:
		fmt.Fprintf(stderr, "scale: %v\n", err)
		return 2
	}
	results, err := measure(ctx, o, stderr)
	if len(results) > 0 {
		printTable(stdout, o, results)
		if o.jsonOut != "" {
			if jerr := writeJSON(o, results, stdout); jerr != nil {
				fmt.Fprintf(stderr, "scale: %v\n", jerr)
				return 1
			}
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "scale: %v\n", err)
		return 1
	}
	return 0
}

// measure builds the binaries and runs each size in turn.
func measure(ctx context.Context, o options, logw io.Writer) ([]*result, error) {
	dir, err := os.MkdirTemp("", "lxca-scale-")
	if err != nil {
		return nil, err
	}
	if o.keep {
		fmt.Fprintf(logw, "scale: keeping %s\n", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	bins, err := build(ctx, dir, logw)
	if err != nil {
		return nil, err
	}
	var results []*result
	for _, n := range o.sizes {
		sizeDir := filepath.Join(dir, strconv.Itoa(n))
		if err := os.Mkdir(sizeDir, 0o700); err != nil {
			return results, err
		}
		fmt.Fprintf(logw, "scale: %d containers on %d nodes for %s (files in %s)\n", n, o.nodes, o.duration, sizeDir)
		r, err := runSize(ctx, o, bins, sizeDir, n, logw)
		if r != nil {
			results = append(results, r)
		}
		if err != nil {
			return results, fmt.Errorf("%d containers: %w", n, err)
		}
	}
	return results, nil
}

// binaries are the built commands.
type binaries struct{ pvesim, controller string }

// build compiles both commands from the module the working directory is in.
func build(ctx context.Context, dir string, logw io.Writer) (binaries, error) {
	b := binaries{pvesim: filepath.Join(dir, "pvesim"), controller: filepath.Join(dir, "lxc-autoscale")}
	for out, pkg := range map[string]string{b.pvesim: "./cmd/pvesim", b.controller: "./cmd/lxc-autoscale"} {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
		cmd.Dir, cmd.Stdout, cmd.Stderr = moduleRoot(), logw, logw
		if err := cmd.Run(); err != nil {
			return b, fmt.Errorf("go build %s: %w", pkg, err)
		}
	}
	return b, nil
}

// moduleRoot is the directory of the go.mod above the working directory.
func moduleRoot() string {
	dir, _ := os.Getwd()
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

// writeJSON writes the results with the run's settings.
func writeJSON(o options, results []*result, stdout io.Writer) error {
	doc := struct {
		Nodes    int       `json:"nodes"`
		Duration string    `json:"duration"`
		Export   bool      `json:"export"`
		CPUs     int       `json:"cpus"`
		Results  []*result `json:"results"`
	}{o.nodes, o.duration.String(), o.export, runtime.NumCPU(), results}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if o.jsonOut == "-" {
		_, err = stdout.Write(b)
		return err
	}
	return os.WriteFile(o.jsonOut, b, 0o644)
}
