package controller

import (
	"context"
	"flag"
	"io"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/policies"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
)

// The steady-state pass as a user meets it: 10,000 containers of pvesim's
// realistic workload mix on 32 nodes, every window full (an hour of 10 s
// samples), the default settings, a clock that moves one interval per op.
// -args -bench.containers N takes fewer, for an instruction count under
// valgrind (callgrind), which does not depend on the machine's load.
const benchNodes = 32

var benchContainers = flag.Int("bench.containers", 10_000, "containers of the pass benchmarks")

// -args -bench.workers N shards a pass's walk over N goroutines (0: the
// engine's choice, one per CPU at 10,000 containers), to compare 1 and 2.
var benchWorkers = flag.Int("bench.workers", 0, "goroutines a pass's walk is sharded over (0: auto)")

// defaultSettings are config.Default()'s monitor, model and scaling
// settings as cmd maps them (controllerOptions), which a controller test
// cannot import: the defaults a user runs with, mode dry-run, so that
// every decision is made and none is written; but the model retrains
// every 10 minutes (the default is 30), so that BenchmarkTick -benchtime
// 60x still includes one retraining.
func defaultSettings(o *Options) {
	o.Interval, o.Window = 10*time.Second, time.Hour
	o.Model = engine.ModelOptions{
		Enabled: true, RetrainInterval: 10 * time.Minute, Trees: 100, SampleSize: 256,
		Seed: 42, TrainingWindow: time.Hour, Threshold: 0.65,
	}
	o.Scale = true
	o.Selection = policies.Selection{OptOutTag: "autoscale-off", Default: scaling.Rules{
		Mode:              scaling.ModeDryRun,
		CPU:               scaling.CPURules{Enabled: true, Up: 0.90, Down: 0.45, Step: 1, Min: 1, Max: 8, Target: 0.80},
		Memory:            scaling.MemoryRules{Enabled: true, Up: 0.85, Down: 0.45, Step: 512 << 20, Min: 512 << 20, Max: 8 << 30, Margin: 256 << 20, Target: 0.70},
		Swap:              scaling.SwapRules{Ratio: 0.5, Max: 4 << 30},
		Disk:              scaling.DiskRules{Enabled: true, Threshold: 0.85, Step: 2 << 30, Max: 64 << 30},
		CooldownUp:        2 * time.Minute,
		CooldownDown:      45 * time.Minute,
		StabilizationUp:   30 * time.Second,
		StabilizationDown: 45 * time.Minute,
	}}
	o.Guard = scaling.GuardOptions{OvercommitCPU: 4, OvercommitMemory: 1, ReserveCores: 1, ReserveMemory: 2 << 30, MaxWritesPerPass: 10}
	o.TaskTimeout = 5 * time.Minute
	o.Workers = *benchWorkers
	// Info, as the default logging level, so that what a pass would log at
	// debug costs what it costs when disabled.
	o.Logger = zerolog.New(io.Discard).Level(zerolog.InfoLevel)
	// The RRD backfill would fill the hour at 60 s; the windows are filled
	// at 10 s by the listings instead. No export, state or audit file: the
	// export has its own benchmarks, and files would measure the disk.
	o.Backfill = false
}

// passBench is a controller on a pvesim cluster whose windows are full.
type passBench struct {
	sim *pvesim.Sim
	c   *Controller
	now time.Time
}

// newPassBench fills every window with an hour of listings (collected,
// observed and scored at 10 s, without deciding) and runs a few whole
// passes, so that the model is trained, the configs a decision needs have
// been read, and dry-run's cooldowns run as they do in a steady state.
func newPassBench(b testing.TB) *passBench { return newPassBenchWith(b, nil) }

// newPassBenchWith is newPassBench with mutate applied to the default
// settings (nil: none).
func newPassBenchWith(b testing.TB, mutate func(*passBench, *Options)) *passBench {
	sim, client := newLoopSim(b, pvesim.Options{Nodes: benchNodes, Containers: *benchContainers, Speed: 0,
		Start: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)})
	pb := &passBench{sim: sim, now: sim.Clock().Now()}
	pb.c = newLoop(b, client, func(o *Options) {
		defaultSettings(o)
		o.Now = func() time.Time { return pb.now }
		if mutate != nil {
			mutate(pb, o)
		}
	})
	ctx := context.Background()
	samples := int(pb.c.opts.Window / pb.c.opts.Interval)
	for range samples {
		pb.advance()
		t, err := pb.c.collect(ctx)
		if err != nil {
			b.Fatal(err)
		}
		pb.c.Observe(t)
		// Scored as a pass scores them (no container is selected, so
		// nothing is decided): the model's training set then covers the
		// training window, as it does after an hour of passes, and a
		// retraining draws its rows from it instead of rescanning every
		// window (what only the first hour after a start does).
		pb.c.Engine.ScoreAndDecide(t, policies.Selection{OptInTag: "bench-fill-selects-none"})
	}
	for range 3 {
		pb.advance()
		pb.c.pass(ctx)
	}
	for _, tr := range pb.c.Tracked {
		if tr.Status == "running" && tr.Window.Len() < samples {
			b.Fatalf("container %d holds %d samples, want a full window of %d", tr.VMID, tr.Window.Len(), samples)
		}
	}
	return pb
}

// ownSeconds is the time the passes so far spent on their own work, as
// lxc_autoscale_pass_phase_seconds tells it and test/scale reads it:
// every phase but the listings (collect: the requests, pvesim's serving
// and the decoding) and the config reads. Decoding the listings is ours
// too: proxmox's BenchmarkDecodeContainers measures it alone.
func (pb *passBench) ownSeconds(b testing.TB) float64 {
	own := 0.0
	for _, phase := range passPhases {
		if phase == "collect" || phase == "config_reads" {
			continue
		}
		var m dto.Metric
		if err := pb.c.metrics.phases.WithLabelValues(phase).(prometheus.Metric).Write(&m); err != nil {
			b.Fatal(err)
		}
		own += m.GetHistogram().GetSampleSum()
	}
	return own
}

// advance moves the controller's clock by one interval and the cluster's
// to the same time: a pass that waited for a task moved the cluster's
// within the interval (finishingTasks).
func (pb *passBench) advance() {
	pb.now = pb.now.Add(pb.c.opts.Interval)
	if d := pb.now.Sub(pb.sim.Clock().Now()); d > 0 {
		pb.sim.Clock().Advance(d)
	}
}

// heapInUse is the heap in use after a collection.
func heapInUse() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// reportPerContainer reports the time per container, and the CPU time
// the process spent from cpuFrom (cpuTime before the loop) per
// container: on a machine shared with other work the wall clock counts
// the waits for a core too, the CPU time much less so (the garbage
// collector's workers and, for BenchmarkTick, pvesim's serving included).
func reportPerContainer(b *testing.B, cpuFrom time.Duration) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(*benchContainers), "ns/container")
	b.ReportMetric(float64((cpuTime()-cpuFrom).Nanoseconds())/float64(b.N)/float64(*benchContainers), "cpu-ns/container")
}

// cpuTime is the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkTick is one steady-state pass (pvesim's serving cost
// included: it runs in-process behind an httptest server). The model is
// retrained every 60 passes, as every 10 minutes at 10 s: run it with
// -benchtime 60x (or a multiple) for the training's share. It reports the
// heap in use after the windows are full.
func BenchmarkTick(b *testing.B) {
	pb := newPassBench(b)
	before := heapInUse()
	timePasses(b, pb)
	after := heapInUse()
	runtime.KeepAlive(pb)
	b.ReportMetric(float64(int64(after)-int64(before))/(1<<20), "heap-growth-MiB")
	b.ReportMetric(float64(after)/(1<<20), "heap-inuse-MiB")
	history, most := 0, 0
	for _, tr := range pb.c.Tracked {
		history += tr.HistoryBytes()
		most = max(most, tr.HistoryBytes())
	}
	b.ReportMetric(float64(history)/float64(len(pb.c.Tracked)), "history-B/container")
	b.ReportMetric(float64(most), "history-B-max")
}

// BenchmarkCollect is the listing fetch of a pass alone (the pvesim
// serving it included): what BenchmarkTick spends waiting for the API.
func BenchmarkCollect(b *testing.B) {
	pb := newPassBench(b)
	ctx := context.Background()
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		pb.advance()
		if _, err := pb.c.collect(ctx); err != nil {
			b.Fatal(err)
		}
	}
	reportPerContainer(b, cpu)
}

// engineTicks are the ticks BenchmarkEngineStep replays: one retraining
// interval's worth, collected ahead.
const engineTicks = 60

// BenchmarkEngineStep is Engine.Step alone (observe, train when due,
// features, scores, select, decide, order, guard) on ticks collected
// ahead, with dry-run's outcomes recorded as the Actuator records them.
// Past the ticks collected it replays them an interval later each round,
// so time keeps moving (the counters then go back once per round: one
// sample without rates). One op in 60 trains.
func BenchmarkEngineStep(b *testing.B) {
	pb := newPassBench(b)
	ctx := context.Background()
	ticks := make([]engine.Tick, engineTicks)
	for i := range ticks {
		pb.advance()
		t, err := pb.c.collect(ctx)
		if err != nil {
			b.Fatal(err)
		}
		ticks[i] = t
	}
	sel, guard := pb.c.policies()
	e := pb.c.Engine
	period := time.Duration(engineTicks) * pb.c.opts.Interval
	i := 0
	b.ReportAllocs()
	cpu := cpuTime()
	stop := profileLoop(b)
	for b.Loop() {
		t := ticks[i%engineTicks]
		shift := time.Duration(i/engineTicks) * period
		t.Start, t.End = t.Start.Add(shift), t.End.Add(shift)
		r := e.Step(t, sel, guard, nil)
		for _, d := range r.Admitted {
			if len(d.Changes) == 0 || d.Mode != scaling.ModeDryRun {
				continue
			}
			outcomes := make([]scaling.Outcome, len(d.Changes))
			for j, ch := range d.Changes {
				outcomes[j] = scaling.Outcome{Change: ch, Result: scaling.ResultDryRun}
			}
			e.Record(d.VMID, outcomes, t.End)
		}
		i++
	}
	stop()
	reportPerContainer(b, cpu)
}
