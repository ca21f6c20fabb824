package controller

import (
	"context"
	"flag"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
)

var (
	benchProfile = flag.String("bench.cpuprofile", "", "write a CPU profile of the pass benchmarks' timed loop alone (not their fill) to this file")
	benchWarmup  = flag.Int("bench.warmup", 720, "BenchmarkTickEnforce's passes with the write limit raised, before the default limit's passes that work off the rest")
)

// profileLoop starts a CPU profile of a benchmark's timed loop when
// -bench.cpuprofile is set (go test's -cpuprofile would count the fill,
// an hour of listings, which is most of the run). It returns the stop.
func profileLoop(b *testing.B) func() {
	if *benchProfile == "" {
		return func() {}
	}
	f, err := os.Create(*benchProfile)
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			b.Error(err)
		}
	}
}

// finishingTasks is a cluster on which the task waited for has finished:
// pvesim's clock stands still between passes (Speed 0), so that a disk
// resize's task (2 s of simulated time) would never end. The wait moves
// it to the task's end, within the pass's interval (passBench.advance).
type finishingTasks struct {
	Cluster
	sim *pvesim.Sim
}

func (f finishingTasks) WaitTask(ctx context.Context, t proxmox.Task, timeout time.Duration) (proxmox.Task, error) {
	f.sim.FinishTasks()
	return f.Cluster.WaitTask(ctx, t, timeout)
}

// counts sums a counter vector's children by the values of labels,
// joined by "-" in the order given.
func counts(vec *prometheus.CounterVec, labels ...string) map[string]float64 {
	ch := make(chan prometheus.Metric, 64)
	go func() { vec.Collect(ch); close(ch) }()
	sums := map[string]float64{}
	for m := range ch {
		var d dto.Metric
		if err := m.Write(&d); err != nil {
			continue
		}
		values := make([]string, len(labels))
		for _, l := range d.GetLabel() {
			if i := slices.Index(labels, l.GetName()); i >= 0 {
				values[i] = l.GetValue()
			}
		}
		sums[strings.Join(values, "-")] += d.GetCounter().GetValue()
	}
	return sums
}

// sub is a - b, label by label.
func sub(a, b map[string]float64) map[string]float64 {
	d := map[string]float64{}
	for k, v := range a {
		if v != b[k] {
			d[k] = v - b[k]
		}
	}
	return d
}

// BenchmarkTickEnforce is BenchmarkTick in enforce mode, the steady state
// a production user meets: pvesim applies the writes (its digests, locks
// and async tasks as always) and the pass runs past the right-sizing
// backlog before the timer starts. The backlog is worked off with the
// write limit raised to every container (-bench.warmup passes, two hours
// at 10 s by default: the 45-minute down cooldown and stabilisation let a
// container take a second and a third step down), as an operator who
// raises it for the first day would; then the default limit (10) is put
// back through Reload and passes run until one holds no change for the
// write limit. It reports, per pass of the timed loop, the changes
// applied (applied/pass) and those held back by reason and resource
// (held-REASON-RESOURCE/pass): write_limit near 0 says the backlog is gone.
func BenchmarkTickEnforce(b *testing.B) {
	pb := newPassBenchWith(b, func(pb *passBench, o *Options) {
		o.Selection.Default.Mode = scaling.ModeEnforce
		o.Cluster = finishingTasks{o.Cluster, pb.sim}
	})
	ctx := context.Background()
	guard := pb.c.opts.Guard
	raised := guard
	raised.MaxWritesPerPass = len(pb.c.Tracked)
	pb.c.Reload(pb.c.opts.Selection, raised)
	for range *benchWarmup {
		pb.advance()
		pb.c.pass(ctx)
	}
	pb.c.Reload(pb.c.opts.Selection, guard)
	extra := 0
	for ; extra < 360; extra++ {
		held := counts(pb.c.metrics.skipped, "reason")[string(scaling.SkipWriteLimit)]
		pb.advance()
		pb.c.pass(ctx)
		if counts(pb.c.metrics.skipped, "reason")[string(scaling.SkipWriteLimit)] == held {
			break
		}
	}
	if extra == 360 {
		b.Logf("backlog: still held for the write limit after %d passes at %d and %d at %d", *benchWarmup, raised.MaxWritesPerPass, extra, guard.MaxWritesPerPass)
	} else {
		b.Logf("backlog: %d passes at a write limit of %d, then %d at %d until a pass held none for it",
			*benchWarmup, raised.MaxWritesPerPass, extra+1, guard.MaxWritesPerPass)
	}
	timePasses(b, pb)
}

// timePasses times whole passes on pb and reports them per container, with
// the changes the passes made (applied/pass; dry_run/pass in dry-run) and
// held back by reason and resource (held-REASON-RESOURCE/pass), read from
// the pass's metrics.
func timePasses(b *testing.B, pb *passBench) {
	ctx := context.Background()
	actions, skipped := counts(pb.c.metrics.actions, "result"), counts(pb.c.metrics.skipped, "reason", "resource")
	b.ReportAllocs()
	own := pb.ownSeconds(b)
	cpu := cpuTime()
	stop := profileLoop(b)
	for b.Loop() {
		pb.advance()
		pb.c.pass(ctx)
	}
	stop()
	reportPerContainer(b, cpu)
	b.ReportMetric((pb.ownSeconds(b)-own)*1e9/float64(b.N)/float64(*benchContainers), "own-ns/container")
	for result, n := range sub(counts(pb.c.metrics.actions, "result"), actions) {
		b.ReportMetric(n/float64(b.N), result+"/pass")
	}
	for reason, n := range sub(counts(pb.c.metrics.skipped, "reason", "resource"), skipped) {
		b.ReportMetric(n/float64(b.N), "held-"+reason+"/pass")
	}
}
