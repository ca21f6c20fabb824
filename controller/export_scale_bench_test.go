package controller

import (
	"bufio"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine"
	"github.com/lxc-autoscale/lxc-autoscale/controller/lxcmetrics"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
)

// The scale of issue 14: 10,000 containers on 32 nodes, a cycle of about
// 6.5 MB.
const (
	scaleContainers = 10_000
	scaleNodes      = 32
)

// scaleCycles are n cycles of 10,000 containers, a minute apart, the last
// ending at end.
func scaleCycles(n int, end time.Time) []lxcmetrics.Cycle {
	rng := rand.New(rand.NewPCG(5, 6))
	cycles := make([]lxcmetrics.Cycle, n)
	for i := range cycles {
		cycles[i] = benchCycle(rng, scaleContainers, scaleNodes, i, end.Add(time.Duration(i-n+1)*time.Minute))
	}
	return cycles
}

// BenchmarkExportAppend10k appends one cycle of 10,000 containers to a
// file, fsync included: the cost of one export. B/export is what it
// writes (export_written_bytes_total over the appends).
func BenchmarkExportAppend10k(b *testing.B) {
	cycles := scaleCycles(4, time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC))
	m, err := NewMetrics(nil)
	if err != nil {
		b.Fatal(err)
	}
	e := NewExporter(ExporterOptions{Path: filepath.Join(b.TempDir(), "lxc_metrics.json"), MaxEntries: 1 << 20, Logger: zerolog.Nop(), Metrics: m})
	if err := e.Append(cycles[0]); err != nil {
		b.Fatal(err)
	}
	before := testutil.ToFloat64(m.exportWritten)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if err := e.Append(cycles[n%len(cycles)]); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric((testutil.ToFloat64(m.exportWritten)-before)/float64(n), "B/export")
}

// writeScaleFile writes a file of the first cycles copies of filler, then
// the cycles of tail, as appends would have left it, and returns its size.
func writeScaleFile(tb testing.TB, path string, filler lxcmetrics.Cycle, copies int, tail []lxcmetrics.Cycle) int64 {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	text := lxcmetrics.AppendText(nil, &filler, false)
	text = text[1 : len(text)-len(lxcmetrics.Closing)] // the cycle without its separator and the closing
	var size int64
	put := func(b []byte) {
		n, err := w.Write(b)
		size += int64(n)
		if err != nil {
			tb.Fatal(err)
		}
	}
	put([]byte{'['})
	for i := range copies {
		if i > 0 {
			put([]byte{','})
		}
		put(text)
	}
	for i := range tail {
		t := lxcmetrics.AppendText(nil, &tail[i], copies == 0 && i == 0)
		put(t[:len(t)-len(lxcmetrics.Closing)])
	}
	put([]byte(lxcmetrics.Closing))
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return size
}

// BenchmarkExportCompact10k is the export that compacts a file of 10,000
// containers holding 2 x 50 cycles, down to the newest 50: the append,
// then, as it is the first compaction since start, the count of the
// cycles (their marks, back to the start of the file), then the copy of
// the newest 50 (325 MB). Its cost grows with MaxEntries x the cycle's
// size: at 1,000 cycles, 20 times this. The file was just written, so it
// is read from the page cache.
func BenchmarkExportCompact10k(b *testing.B) {
	const keep = 50
	cycle := scaleCycles(1, time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC))[0]
	path := filepath.Join(b.TempDir(), "lxc_metrics.json")
	m, err := NewMetrics(nil)
	if err != nil {
		b.Fatal(err)
	}
	var written float64
	for b.Loop() {
		b.StopTimer()
		writeScaleFile(b, path, cycle, 2*keep, nil)
		e := NewExporter(ExporterOptions{Path: path, MaxEntries: keep, Logger: zerolog.Nop(), Metrics: m})
		if _, err := e.Load(); err != nil {
			b.Fatal(err)
		}
		before := testutil.ToFloat64(m.exportWritten)
		b.StartTimer()
		if err := e.Append(cycle); err != nil {
			b.Fatal(err)
		}
		if n, counted := e.Cycles(); n != keep || !counted {
			b.Fatalf("after the append: %d cycles (counted %v), want %d", n, counted, keep)
		}
		written = testutil.ToFloat64(m.exportWritten) - before
		e.Close()
	}
	b.ReportMetric(written/1e6, "MB/compaction")
	b.ReportMetric(written/(keep+1), "B/export-amortised")
}

// BenchmarkExportLoadTail10k reads back, at start, a file of 10,000
// containers x 1,000 cycles (6.5 GB): an export every minute, a window of
// an hour. open is the part before the first pass (Load: the newest
// cycle); read is the background read of the hour (60 cycles) from the
// end of the file; fold is what the loop then does, once, to put them in
// 10,000 windows.
func BenchmarkExportLoadTail10k(b *testing.B) {
	const window = time.Hour
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	recent := scaleCycles(60, now.Add(-30*time.Second))
	filler := scaleCycles(1, now.Add(-48*time.Hour))[0]
	path := filepath.Join(b.TempDir(), "lxc_metrics.json")
	size := writeScaleFile(b, path, filler, 1000-len(recent), recent)
	b.Logf("file: %.2f GB, %d cycles", float64(size)/1e9, 1000)

	_, client := newLoopSim(b, pvesim.Options{Nodes: 1, Speed: 0})
	newController := func() *Controller {
		return newLoop(b, client, func(o *Options) {
			o.Logger = zerolog.Nop()
			o.Window, o.ExportFile = window, path
			o.Now = func() time.Time { return now }
		})
	}
	b.Run("open", func(b *testing.B) {
		for b.Loop() {
			r, err := NewExporter(ExporterOptions{Path: path, Logger: zerolog.Nop()}).Load()
			if err != nil {
				b.Fatal(err)
			}
			r.Close()
		}
	})
	var read exportedWindows
	b.Run("read", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c := newController()
			c.loadExport(context.Background())
			c.exportLoading.Wait()
			read = <-c.exportLoaded
			if read.err != nil || read.cycles != len(recent) || len(read.entries) != scaleContainers {
				b.Fatalf("read %d cycles of %d containers: %v", read.cycles, len(read.entries), read.err)
			}
		}
	})
	tick := engine.Tick{Start: now, End: now}
	for j := range scaleContainers {
		tick.Containers = append(tick.Containers, proxmox.Container{VMID: 100 + j, Node: "pve-1", Status: "running"})
	}
	b.Run("fold", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			c := newController()
			loaded := make(chan exportedWindows, 1)
			loaded <- read
			c.exportLoaded = loaded
			b.StartTimer()
			c.foldExport(tick)
			if n := c.Tracked[100].Window.Len(); n != len(recent) {
				b.Fatalf("container 100 holds %d samples, want %d", n, len(recent))
			}
		}
	})
}
