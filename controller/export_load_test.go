package controller

import (
	"context"
	"math"
	"path/filepath"
	"runtime/debug"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine"
	"github.com/lxc-autoscale/lxc-autoscale/controller/export"
	"github.com/lxc-autoscale/lxc-autoscale/controller/lxcmetrics"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/workload"
)

// TestExistingExportFillsTheWindows: the cycles of the last window are
// read in the background and folded into the windows of the containers
// the next pass finds running, counters turned into rates; older cycles,
// and containers no longer running, are left out. The collector's target
// is low from the read to the end of the fold, then back.
func TestExistingExportFillsTheWindows(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	gcIs := func(want int, when string) {
		t.Helper()
		if got := debug.SetGCPercent(want); got != want {
			t.Errorf("GOGC %d %s, want %d", got, when, want)
		}
	}
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	client, path, old := restartWithExport(t, now)
	// Two hours ago: outside the one-hour window.
	ancient := now.Add(-2 * time.Hour)
	appendAll(t, old, lxcmetrics.Cycle{Start: ancient, End: ancient, Total: 1, Entries: []lxcmetrics.Entry{
		{VMID: 150, Node: "pve1", Time: ancient, Cores: 1, MemLimit: 1 << 30, Score: math.NaN()},
	}})
	for i := range 10 {
		at := now.Add(time.Duration(i-10)*time.Minute + 30*time.Second)
		appendAll(t, old, lxcmetrics.Cycle{Start: at, End: at, Total: 2, Entries: []lxcmetrics.Entry{{
			VMID: 150, Node: "pve1", Time: at, CPUPercent: 50, Cores: 2,
			MemUsed: 512 << 20, MemLimit: 1 << 30, DiskUsed: 1 << 30, DiskSize: 8 << 30,
			NetIn: uint64(i) * 60_000, DiskWrite: uint64(i) * 6_144, Score: math.NaN(), // io_stats are 512-byte sectors
		}, {VMID: 151, Node: "pve1", Time: at, Cores: 1, MemLimit: 1 << 30, Score: math.NaN()}}})
	}
	m, err := NewMetrics(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := newLoop(t, client, func(o *Options) {
		o.ExportFile = path
		o.Metrics = m
		o.Scale = false
		o.Now = func() time.Time { return now }
	})
	c.loadExport(context.Background())
	if len(c.Tracked) != 0 {
		t.Fatal("loadExport filled windows before a pass")
	}
	c.exportLoading.Wait()
	gcIs(loadGCPercent, "between the read and the fold")
	c.pass(context.Background())
	c.exporting.Wait() // the pass's own export, before the directory goes
	gcIs(100, "after the fold")
	tr := c.Tracked[150]
	if tr == nil || tr.Window.Len() != 11 {
		t.Fatalf("container 150 after the first pass: %+v; want 10 exported samples and the pass's", tr)
	}
	last := tr.Window.At(9)
	if !last.Time.Equal(now.Add(-30*time.Second)) || last.CPU != 1 || last.Cores != 2 {
		t.Errorf("newest exported sample at %v: %v busy of %v cores, want 1 of 2 (50 %%)", last.Time, last.CPU, last.Cores)
	}
	// The window keeps the totals (in+out, read+write) to 1/16 B/s.
	if math.Abs(last.NetIn-1000) > 1.0/16 || math.Abs(last.DiskRead-102.4) > 1.0/16 {
		t.Errorf("rates from the cumulative counters: net %v B/s, disk %v B/s; want 1000 and 102.4", last.NetIn, last.DiskRead)
	}
	if first := tr.Window.At(0); !math.IsNaN(first.NetIn) {
		t.Errorf("the oldest exported sample has a rate (%v) without one before it", first.NetIn)
	}
	if c.Tracked[151] != nil {
		t.Error("a container the pass did not find running was given a window")
	}
	if got := testutil.ToFloat64(m.backfilled); got != 10 {
		t.Errorf("backfill_samples_total = %v, want 10", got)
	}
}

// restartWithExport is a cluster of one running container, 150, at now,
// and an export at path for the test to fill with its past, as a restart
// finds them.
func restartWithExport(t *testing.T, now time.Time) (*proxmox.Client, string, *export.File) {
	t.Helper()
	_, client := newLoopSim(t, pvesim.Options{Nodes: 1, Speed: 0, Start: now, Specs: []pvesim.ContainerSpec{
		{VMID: 150, Node: "pve1", Cores: 2, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Steady},
	}})
	path := filepath.Join(t.TempDir(), "lxc_metrics.json")
	return client, path, NewExporter(ExporterOptions{Path: path, Logger: zerolog.Nop()})
}

// TestExportQueueKeepsTheNewest: while the writer is busy (a slow disk, a
// compaction), the loop goes on; the newest cycle waits and replaces an
// older waiting one, which is counted dropped; the writer then writes it.
func TestExportQueueKeepsTheNewest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lxc_metrics.json")
	m, err := NewMetrics(nil)
	if err != nil {
		t.Fatal(err)
	}
	_, client := newLoopSim(t, pvesim.Options{Nodes: 1, Speed: 0})
	c := newLoop(t, client, func(o *Options) {
		o.ExportFile, o.ExportInterval, o.Metrics = path, time.Second, m
	})
	tick := func(i int) engine.Tick {
		at := exportT0.Truncate(time.Microsecond).Add(time.Duration(i) * time.Minute)
		return engine.Tick{Start: at, End: at, Containers: []proxmox.Container{{VMID: 101, Node: "pve1", Status: "running", CPUs: 1}}}
	}
	q := &c.exportQueue
	q.busy = true // a writer is at work (a slow disk, a compaction)
	c.export(tick(0))
	c.export(tick(1))
	c.export(tick(2)) // replaces tick 1
	if q.next == nil || !q.next.End.Equal(tick(2).End) {
		t.Fatalf("waiting: %+v; want tick 2", q.next)
	}
	q.busy = false // the writer is done with its cycle, and takes the waiting one
	c.exporting.Go(c.writeExports)
	c.exporting.Wait()
	got := decodeFile(t, path)
	if len(got) != 1 || !got[0].End.Equal(tick(2).End) {
		t.Errorf("the file holds %d cycles %v; want tick 2", len(got), got)
	}
	if dropped := testutil.ToFloat64(m.exports.WithLabelValues("dropped")); dropped != 2 {
		t.Errorf("exports_total{result=dropped} = %v, want 2 (ticks 0 and 1)", dropped)
	}
}

// A controller that stops before folding what it read puts the
// collector's target back.
func TestExportReadNeverFoldedRestoresGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	client, path, old := restartWithExport(t, now)
	appendAll(t, old, lxcmetrics.Cycle{Start: now, End: now, Total: 1, Entries: []lxcmetrics.Entry{
		{VMID: 150, Node: "pve1", Time: now, Cores: 1, MemLimit: 1 << 30, Score: math.NaN()},
	}})
	c := newLoop(t, client, func(o *Options) {
		o.ExportFile = path
		o.Now = func() time.Time { return now }
	})
	c.loadExport(context.Background())
	c.closeExport()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC %d after a close without a fold, want 100 back", got)
	}
}

// lowGC never raises a target set lower (or turns a collector off on).
func TestLowGCNeverRaises(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	for _, set := range []int{10, loadGCPercent, -1} {
		debug.SetGCPercent(set)
		restore := lowGC()
		if got := debug.SetGCPercent(set); got != set {
			t.Errorf("GOGC %d became %d", set, got)
		}
		restore()
	}
}
