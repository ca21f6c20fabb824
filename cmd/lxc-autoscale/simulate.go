package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/lxc-autoscale/lxc-autoscale/config"
	"github.com/lxc-autoscale/lxc-autoscale/controller/lxcmetrics"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/controller/sim"
	"github.com/lxc-autoscale/lxc-autoscale/controller/sim/timeline"
)

// traceFormatHelp documents the trace CSV in the command's help.
const traceFormatHelp = `
Trace CSV (--trace): one row per container and sample, any number of
containers, rows of different containers in any order. The first line names
the columns, in any order:
  timestamp         RFC 3339, like 2026-01-05T13:00:00Z (required)
  vmid              100 to 999999999 (required)
  cpu_cores         cores busy, 0 to 1024 (required)
  memory_mb         memory used, MiB, 0 to 16777216 (required)
  disk_gb           root filesystem used, GiB, 0 to 1048576 (optional;
                    without it the disk is unknown: neither measured nor grown)
  io_bytes_per_s    disk read+write, 0 to 1e12 (optional)
  net_bytes_per_s   network in+out, 0 to 1e12 (optional)
  pressure          CPU PSI some avg10, percent, 0 to 100 (optional; or pressure_cpu)
  pressure_memory   memory PSI some avg10, percent, 0 to 100 (optional)
  pressure_io       IO PSI some avg10, percent, 0 to 100 (optional)
  name              container name (optional, first row of a vmid only)
  cores             initial cores, 1 to 1024 (optional, first row only)
  memory_limit_mb   initial memory limit, MiB, 16 to 16777216 (optional, first row only)
  disk_size_gb      initial root filesystem size, GiB, 0.01 to 1048576 (optional, first row only, with disk_gb)
A container's timestamps must increase; a gap over twice its usual interval
is a stopped container, which no policy observes or resizes (it is measured
at its latest row). The allocation columns give the
allocation the simulation starts from on a container's first row and must be
empty on its later rows; an empty or missing one is --cores, --memory-mb or
--disk-gb; a disk of unknown size (--disk-gb 0) is neither measured nor
grown. Lines starting with # are comments. Every policy is simulated as in
enforce mode, whatever mode the configuration gives.`

func simulateCommand() command {
	var f simulateFlags
	return command{
		name:    "simulate",
		summary: "Replay usage through the decision code and compare policies: static, legacy (the original's), ours",
		usage:   "(--trace FILE.csv | --metrics lxc_metrics.json | --scenario NAME | --all-scenarios)" + traceFormatHelp,
		flags: func(fs *pflag.FlagSet) {
			fs.StringP("config", "c", "", `YAML configuration giving "ours" its rules (default: $LXCA_CONFIG, else built-in defaults)`)
			fs.Duration("interval", 0, "decision interval of ours, like 10s (monitor.interval)")
			fs.StringVar(&f.trace, "trace", "", "trace CSV to replay (format above)")
			fs.StringVar(&f.metrics, "metrics", "", "lxc_metrics.json to replay; its CPU use is observed, so capped by the allocation of the time")
			fs.StringVar(&f.scenario, "scenario", "", `built-in scenario to generate ("list" lists them)`)
			fs.BoolVar(&f.allScenarios, "all-scenarios", false, "run every built-in scenario and print ours against legacy")
			fs.Uint64Var(&f.generate.seed, "seed", 1, "seed of the generated scenario (--scenario, --all-scenarios)")
			fs.DurationVar(&f.generate.duration, "duration", 24*time.Hour, "length of the generated scenario, 1h to 720h")
			fs.IntVar(&f.generate.containers, "containers", 0, "containers in the generated scenario (0: the scenario's default)")
			fs.IntVar(&f.cores, "cores", 2, "initial cores of a container whose trace or export gives none")
			fs.IntVar(&f.memoryMiB, "memory-mb", 2048, "initial memory limit (MiB) of a container whose trace or export gives none")
			fs.Float64Var(&f.diskGiB, "disk-gb", 0, "initial root filesystem size (GiB) of a container whose trace or export gives none (0: unknown, neither measured nor grown)")
			fs.StringSliceVar(&f.policyNames, "policies", sim.Policies(), "policies to compare: static, legacy, ours")
			fs.BoolVar(&f.json, "json", false, "print the results as JSON instead of a table")
			fs.BoolVar(&f.compareModel, "compare-model", false, "run ours twice, with the anomaly model on and off (model.enabled), and report both")
			fs.StringVar(&f.writeTrace, "write-trace", "", "also write the trace replayed as a trace CSV (format above, PSI columns included) to this file")
			fs.StringVar(&f.svgDir, "svg", "", "write one SVG timeline per container (demand against each policy's allocation) into this directory")
			fs.BoolVarP(&f.verbose, "verbose", "v", false, "print a table per container too")
		},
		exec: func(ctx context.Context, env *environment, fs *pflag.FlagSet) error {
			return runSimulate(ctx, env, fs, f)
		},
	}
}

// simulateFlags are simulate's flags as given, bound by simulateCommand
// (--config and --interval are the configuration's, loadSimulationConfig).
type simulateFlags struct {
	simulateRequest
	cores, memoryMiB int
	diskGiB          float64
	policyNames      []string // --policies, checked into simulateRequest.policies
}

// simulateRequest is the command line of simulate, checked.
type simulateRequest struct {
	trace, metrics, scenario string
	allScenarios             bool
	generate                 scenarioOptions
	defaults                 scaling.Allocation
	policies                 []string
	json, verbose            bool
	compareModel             bool
	svgDir, writeTrace       string
}

func runSimulate(ctx context.Context, env *environment, fs *pflag.FlagSet, f simulateFlags) error {
	req, err := simulateRequestFrom(fs, f)
	if err != nil {
		return err
	}
	if req.scenario == "list" {
		printScenarios(env.stdout)
		return nil
	}
	// A replay is a batch job with a small live heap (tens of MiB) that
	// allocates a pass's decisions every tick: collecting a quarter as often
	// as Go's default costs some MiB and saves about a sixth of its CPU
	// time. GOGC, when set, is the operator's choice.
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	cfg, err := loadSimulationConfig(env, fs)
	if err != nil {
		return err
	}
	opts := simOptions(cfg, req)

	if req.allScenarios {
		return runAllScenarios(ctx, env.stdout, req, opts)
	}

	var tr sim.Trace
	var notes []string
	switch {
	case req.trace != "":
		tr, err = readTraceFile(req.trace, req.defaults)
	case req.metrics != "":
		tr, notes, err = readMetricsFile(req.metrics, req.defaults)
	default:
		tr, err = scenarioTrace(req.scenario, req.generate)
		notes = append(notes, fmt.Sprintf("scenario %s, seed %d: rerun with the same flags to get the same trace", req.scenario, req.generate.seed))
	}
	if err != nil {
		return err
	}

	if req.writeTrace != "" {
		if err := writeTraceFile(req.writeTrace, tr); err != nil {
			return err
		}
		notes = append(notes, "wrote the trace to "+req.writeTrace)
	}
	if ours := sim.Interval(tr, opts.Interval); ours > opts.Interval && slices.Contains(req.policies, sim.PolicyOurs) {
		notes = append(notes, fmt.Sprintf("the trace's samples are %s apart: ours decides at each new sample, its stabilisation periods counted in samples (a %s one needs %d samples)",
			ours, opts.Selection.Default.StabilizationUp, int((opts.Selection.Default.StabilizationUp+opts.Interval-1)/opts.Interval)+1))
	}
	if n, d := sim.Gaps(tr); n > 0 {
		which := fmt.Sprintf("%d containers have gaps in their rows", n)
		if n == 1 {
			which = "1 container has gaps in its rows"
		}
		notes = append(notes, which+", "+d.String()+" in all: read as stopped, no policy observes or resizes a container there")
	}
	if slices.Contains(req.policies, sim.PolicyLegacy) {
		notes = append(notes, "legacy is the mean of 4 runs with its 600-s check shifted by 0, 150, 300 and 450 s (its timeline is the first)")
	}
	results, err := simulateCompared(tr, opts, req.compareModel)
	if err != nil {
		return err // says "simulate: " and what in the trace it refused
	}
	if req.svgDir != "" {
		files, err := timeline.Write(req.svgDir, tr, results)
		if err != nil {
			return err
		}
		notes = append(notes, fmt.Sprintf("wrote %d SVG timelines to %s", files, req.svgDir))
	}
	if req.json {
		return writeResultsJSON(env.stdout, results)
	}
	var target *traceTarget
	if slices.Contains(req.policies, sim.PolicyLegacy) && slices.Contains(req.policies, sim.PolicyOurs) {
		whole, per, err := sim.CompareTrace(tr, opts, results)
		if err != nil {
			return err
		}
		target = &traceTarget{whole: whole, per: per}
	}
	writeResultsTable(env.stdout, tr, opts, results, notes, target, req.verbose)
	return nil
}

// simulateRequestFrom checks f; fs tells which flags were given.
func simulateRequestFrom(fs *pflag.FlagSet, f simulateFlags) (simulateRequest, error) {
	r := f.simulateRequest
	r.generate.durationSet = fs.Changed("duration")

	inputs := 0
	for _, set := range []bool{r.trace != "", r.metrics != "", r.scenario != "", r.allScenarios} {
		if set {
			inputs++
		}
	}
	if inputs != 1 {
		return r, usageErrorf("give exactly one of --trace, --metrics, --scenario and --all-scenarios")
	}
	generated := r.scenario != "" || r.allScenarios
	for _, name := range []string{"seed", "duration", "containers"} {
		if fs.Changed(name) && !generated {
			return r, usageErrorf("--%s applies only to --scenario and --all-scenarios", name)
		}
	}
	for _, name := range []string{"cores", "memory-mb", "disk-gb"} {
		if fs.Changed(name) && generated {
			return r, usageErrorf("--%s applies only to --trace and --metrics: scenarios draw their allocations from the seed", name)
		}
	}
	if r.allScenarios {
		for _, name := range []string{"policies", "svg", "verbose", "write-trace"} {
			if fs.Changed(name) {
				return r, usageErrorf("--%s does not apply to --all-scenarios, which compares ours with legacy in one table", name)
			}
		}
	}
	if r.scenario != "" && r.scenario != "list" {
		if _, ok := findScenario(r.scenario); !ok {
			return r, usageErrorf("--scenario: unknown scenario %q; want one of %s (or list)", r.scenario, strings.Join(scenarioNames(), ", "))
		}
	}
	if generated {
		if err := r.generate.check(); err != nil {
			return r, err
		}
	}

	cores, memoryMiB, diskGiB := f.cores, f.memoryMiB, f.diskGiB
	switch {
	case cores < 1 || cores > sim.MaxCores:
		return r, usageErrorf("--cores: %d is out of range [1, %d]", cores, sim.MaxCores)
	case memoryMiB < sim.MinMemoryMiB || memoryMiB > sim.MaxMemoryMiB:
		return r, usageErrorf("--memory-mb: %d is out of range [%d, %d]", memoryMiB, sim.MinMemoryMiB, sim.MaxMemoryMiB)
	case diskGiB != 0 && !(diskGiB >= sim.MinDiskSizeGiB && diskGiB <= sim.MaxDiskGiB):
		return r, usageErrorf("--disk-gb: %g is out of range [%g, %d], or 0 for unknown", diskGiB, sim.MinDiskSizeGiB, sim.MaxDiskGiB)
	}
	r.defaults = scaling.Allocation{Cores: cores, MemoryMiB: memoryMiB, DiskBytes: uint64(math.Round(diskGiB * (1 << 30)))}

	known := sim.Policies()
	seen := make(map[string]bool)
	for _, p := range f.policyNames {
		p = strings.TrimSpace(p)
		if !slices.Contains(known, p) {
			return r, usageErrorf("--policies: unknown policy %q; want some of %s", p, strings.Join(known, ", "))
		}
		if seen[p] {
			return r, usageErrorf("--policies: %s is given twice", p)
		}
		seen[p] = true
	}
	// The table's column order, whatever the order on the command line.
	for _, p := range known {
		if seen[p] {
			r.policies = append(r.policies, p)
		}
	}
	if len(r.policies) == 0 {
		return r, usageErrorf("--policies: name at least one of %s", strings.Join(known, ", "))
	}
	if r.allScenarios {
		r.policies = []string{sim.PolicyLegacy, sim.PolicyOurs}
	}
	if r.compareModel && !slices.Contains(r.policies, sim.PolicyOurs) {
		return r, usageErrorf("--compare-model compares ours with and without the model: --policies must include ours")
	}
	return r, nil
}

// policyOursModelOff names the results of ours with the model off.
const policyOursModelOff = "ours-model-off"

// simulateCompared is sim.Simulate; with compare, ours runs with the
// model on (whatever model.enabled says) and once more with it off,
// reported after the others as ours-model-off.
func simulateCompared(tr sim.Trace, opts sim.Options, compare bool) ([]sim.PolicyResult, error) {
	if !compare {
		return sim.Simulate(tr, opts)
	}
	opts.Model.Enabled = true
	results, err := sim.Simulate(tr, opts)
	if err != nil {
		return nil, err
	}
	opts.Model.Enabled = false
	opts.Policies = []string{sim.PolicyOurs}
	off, err := sim.Simulate(tr, opts)
	if err != nil {
		return nil, err
	}
	off[0].Policy = policyOursModelOff
	return append(results, off[0]), nil
}

// Placeholders for the Proxmox section, which a simulation never uses but
// the configuration's validation requires. They go in only where that
// section is what fails, so they never hide another problem.
var simulationPlaceholders = struct{ endpoints, tokenID, tokenSecret []string }{
	endpoints:   []string{"LXCA_PROXMOX_ENDPOINTS=https://simulation.invalid:8006"},
	tokenID:     []string{"LXCA_PROXMOX_TOKEN_ID=simulate@pve!simulate"},
	tokenSecret: []string{"LXCA_PROXMOX_TOKEN_SECRET=unused-by-a-simulation"},
}

// loadSimulationConfig is loadConfig for a command that talks to no
// Proxmox: built-in defaults, else the file, environment and flags, with
// the Proxmox connection allowed to be missing.
func loadSimulationConfig(env *environment, fs *pflag.FlagSet) (*config.Config, error) {
	cfg, _, err := loadConfig(env, fs)
	if err == nil {
		return cfg, nil
	}
	var endpointsMissing, authMissing bool
	for _, problem := range flattenErrors(err) {
		var fe *config.FieldError
		if !errors.As(problem, &fe) {
			continue
		}
		switch {
		case fe.Key == "proxmox.endpoints" && strings.Contains(fe.Problem, "required"):
			endpointsMissing = true
		case fe.Key == "proxmox" && strings.Contains(fe.Problem, "is required"):
			authMissing = true
		}
	}
	if !endpointsMissing && !authMissing {
		return nil, err
	}
	environ := slices.Clone(env.environ)
	if endpointsMissing {
		environ = append(environ, simulationPlaceholders.endpoints...)
	}
	if authMissing {
		environ = append(environ, simulationPlaceholders.tokenID...)
		environ = append(environ, simulationPlaceholders.tokenSecret...)
	}
	// The problems left, if any, are the user's own.
	cfg, _, err = loadConfig(&environment{environ: environ, stdout: env.stdout, stderr: env.stderr}, fs)
	return cfg, err
}

// flattenErrors returns the leaves of a tree of joined and wrapped errors.
func flattenErrors(err error) []error {
	switch e := err.(type) { //nolint:errorlint // walks the tree itself
	case interface{ Unwrap() []error }:
		var out []error
		for _, inner := range e.Unwrap() {
			out = append(out, flattenErrors(inner)...)
		}
		return out
	case interface{ Unwrap() error }:
		if _, ok := err.(*config.FieldError); !ok {
			if inner := e.Unwrap(); inner != nil {
				return flattenErrors(inner)
			}
		}
	}
	return []error{err}
}

// simOptions gives ours the configuration's rules and model. A simulation
// asks what each policy would have done, so every rule set is enforced:
// dry-run and recommend would leave the allocation alone and measure
// nothing but static.
func simOptions(cfg *config.Config, req simulateRequest) sim.Options {
	co := controllerOptions(cfg)
	sel := co.Selection
	sel.Default.Mode = scaling.ModeEnforce
	sel.Policies = slices.Clone(sel.Policies)
	for i := range sel.Policies {
		sel.Policies[i].Rules.Mode = scaling.ModeEnforce
	}
	// The node is left to the engine: big enough for anything, so that the
	// rules decide, not a capacity the trace does not know.
	return sim.Options{
		Interval:    co.Interval,
		Window:      co.Window,
		ShortPeriod: co.ShortPeriod,
		Selection:   sel,
		Model:       co.Model,
		Guard:       co.Guard,
		Policies:    req.policies,
		Timeline:    req.svgDir != "",
	}
}

func readTraceFile(path string, defaults scaling.Allocation) (sim.Trace, error) {
	f, err := os.Open(path)
	if err != nil {
		return sim.Trace{}, usageErrorf("--trace: %v", err)
	}
	defer f.Close() //nolint:errcheck // read only
	tr, err := sim.ParseTrace(f, defaults)
	if err != nil {
		var te *sim.TraceError
		if errors.As(err, &te) {
			return sim.Trace{}, usageError{fmt.Errorf("%s: %w", path, err)}
		}
		if errors.As(err, new(*os.PathError)) {
			return sim.Trace{}, fmt.Errorf("--trace: %w", err) // says the operation and the file already
		}
		return sim.Trace{}, fmt.Errorf("read trace %s: %w", path, err)
	}
	return tr, nil
}

// readMetricsFile turns an lxc_metrics.json (ours or the original's) into a
// trace. The notes say what the output must be read with.
func readMetricsFile(path string, defaults scaling.Allocation) (sim.Trace, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return sim.Trace{}, nil, usageErrorf("--metrics: %v", err)
	}
	defer f.Close() //nolint:errcheck // read only
	cycles, err := lxcmetrics.Decode(f)
	if err != nil {
		return sim.Trace{}, nil, usageErrorf("--metrics: %s: %v", path, err)
	}
	tr, dropped := sim.TraceFromExport(cycles, defaults)
	if len(tr.Containers) == 0 {
		return sim.Trace{}, nil, usageErrorf("--metrics: %s holds no container sample", path)
	}
	notes := []string{
		"CPU demand is the export's observed use (cpu_usage_percent x cores / 100): it never exceeds the cores allocated then, so CPU starvation is under-counted",
	}
	if dropped > 0 {
		notes = append(notes, fmt.Sprintf("%d samples not later than the one before of their container were left out", dropped))
	}
	return tr, notes, nil
}

func writeTraceFile(path string, tr sim.Trace) error {
	f, err := os.Create(path)
	if err != nil {
		return usageErrorf("--write-trace: %v", err)
	}
	if err := sim.WriteTrace(f, tr); err != nil {
		f.Close() //nolint:errcheck // the write's error is the one to report
		return fmt.Errorf("--write-trace %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("--write-trace %s: %w", path, err)
	}
	return nil
}
