package controller

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/controller/lxcmetrics"
)

// TestExportTornAtEveryByte cuts the file at every byte of its last
// append, the cycle and the closing bracket, as a kill -9 or a power loss
// (the page cache lost past some point) leaves it. Every cut loads: the
// cycles before the append, or all of them once the cycle is whole; the
// torn end is reported and dropped, and the next append goes after the
// last whole cycle.
func TestExportTornAtEveryByte(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "whole.json")
	in := exportTestCycles()
	e := newTestExporter(t, path, 10)
	appendAll(t, e, in[:2]...)
	before, _ := os.ReadFile(path)
	appendAll(t, e, in[2])
	whole, _ := os.ReadFile(path)
	start := len(before) - len(lxcmetrics.Closing) // where the append began
	cycleEnd := len(whole) - len(lxcmetrics.Closing)
	next := in[0]
	next.Total = 99
	for cut := start; cut <= len(whole); cut++ {
		cutPath := filepath.Join(dir, "cut.json")
		if err := os.WriteFile(cutPath, whole[:cut], 0o640); err != nil {
			t.Fatal(err)
		}
		m, err := NewMetrics(nil)
		if err != nil {
			t.Fatal(err)
		}
		ce := NewExporter(ExporterOptions{Path: cutPath, MaxEntries: 10, Logger: zerolog.Nop(), Metrics: m})
		r, err := ce.Load()
		if err != nil {
			t.Fatalf("cut at %d (append %d..%d): Load() = %v", cut, start, len(whole), err)
		}
		kept := in[:2]
		if cut >= cycleEnd {
			kept = in
		}
		got := recent(t, r)
		r.Close()
		if len(got) != len(kept) {
			t.Fatalf("cut at %d: Recent() gave %d cycles, want %d", cut, len(got), len(kept))
		}
		torn := cut < len(whole)-1 // "\n]" without the last newline is closed
		if repairs := testutil.ToFloat64(m.exportRepairs); repairs != map[bool]float64{true: 1, false: 0}[torn] {
			t.Errorf("cut at %d: export_repairs_total = %v, torn %v", cut, repairs, torn)
		}
		if d := lxcmetrics.Diff(decodeFile(t, cutPath), normalizedAll(kept)); d != "" {
			t.Fatalf("cut at %d, after Load: %s", cut, d)
		}
		appendAll(t, ce, next)
		if d := lxcmetrics.Diff(decodeFile(t, cutPath), normalizedAll(append(kept[:len(kept):len(kept)], next))); d != "" {
			t.Fatalf("cut at %d, after the next append: %s", cut, d)
		}
	}
}

func normalizedAll(cycles []lxcmetrics.Cycle) []lxcmetrics.Cycle {
	var out []lxcmetrics.Cycle
	for _, c := range cycles {
		out = append(out, exportNormalized(c))
	}
	return out
}

// TestExportBytesPerExport: over 5,000 exports with MaxEntries 1,000, the
// bytes written (appends and compactions, as the metric counts them) per
// export stay under two cycles. Per MaxEntries+1 appends, one compaction
// writes MaxEntries cycles: (2M+1)/(M+1) cycles per export, plus the
// closing bracket each append writes again.
func TestExportBytesPerExport(t *testing.T) {
	if testing.Short() {
		t.Skip("5,000 fsynced appends")
	}
	t.Parallel()
	const (
		exports    = 5000
		maxEntries = 1000
	)
	m, err := NewMetrics(nil)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "lxc_metrics.json")
	e := NewExporter(ExporterOptions{Path: path, MaxEntries: maxEntries, Logger: zerolog.Nop(), Metrics: m})
	c := lxcmetrics.Cycle{Total: 10}
	for i := range 10 {
		c.Entries = append(c.Entries, exportTestCycles()[0].Entries[0])
		c.Entries[i].VMID = 1000 + i
	}
	cycleBytes := len(lxcmetrics.AppendText(nil, &c, false)) - len(lxcmetrics.Closing)
	at := exportT0
	for range exports {
		at = at.Add(time.Minute)
		c.Start, c.End = at, at
		for i := range c.Entries {
			c.Entries[i].Time = at
		}
		appendAll(t, e, c)
	}
	written := testutil.ToFloat64(m.exportWritten)
	ratio := written / exports / float64(cycleBytes)
	t.Logf("%d exports of %d-byte cycles, MaxEntries %d: %.0f bytes written, %.4f cycles per export; the file holds %d cycles",
		exports, cycleBytes, maxEntries, written, ratio, len(decodeFile(t, path)))
	if ratio > 2 {
		t.Errorf("%.4f cycles written per export, want at most 2", ratio)
	}
	if n := len(decodeFile(t, path)); n < maxEntries || n > 2*maxEntries {
		t.Errorf("the file holds %d cycles, want %d to %d", n, maxEntries, 2*maxEntries)
	}
}

// TestExportOtherLayoutRewritten: the original's indent=4 file is read
// whole at start, in file order; the first append rewrites it in our
// layout, its cycles then the new one.
func TestExportOtherLayoutRewritten(t *testing.T) {
	t.Parallel()
	python, err := os.ReadFile(filepath.Join("testdata", "export_python.json"))
	if err != nil {
		t.Fatal(err)
	}
	old, err := lxcmetrics.Decode(bytes.NewReader(python))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "lxc_metrics.json")
	if err := os.WriteFile(path, python, 0o644); err != nil {
		t.Fatal(err)
	}
	e := newTestExporter(t, path, 10)
	r, err := e.Load()
	if err != nil {
		t.Fatalf("Load() = %v", err)
	}
	defer r.Close()
	if d := lxcmetrics.Diff(recent(t, r), old); d != "" {
		t.Errorf("Recent() of the original's file: %s", d)
	}
	next := exportTestCycles()[0]
	appendAll(t, e, next)
	raw, _ := os.ReadFile(path)
	if !bytes.HasPrefix(raw, []byte("[\n{\n\"")) || !bytes.Equal(raw, encodedCycles(t, append(old, next))) {
		t.Errorf("after the first append:\n%s\nwant its cycles, then the new one, in our layout", raw)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o644 {
		t.Errorf("mode %o after the rewrite, want the file's 644 kept", info.Mode().Perm())
	}
	appendAll(t, e, next)
	if got := len(decodeFile(t, path)); got != len(old)+2 {
		t.Errorf("%d cycles after a second append, want %d", got, len(old)+2)
	}
}

// TestExportCloseStopsCompaction: after Close no compaction runs (it would
// hold up the shutdown); an append still lands. (One in progress stops:
// export's TestCompactionStopsOnClose.)
func TestExportCloseStopsCompaction(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "lxc_metrics.json")
	e := newTestExporter(t, path, 2)
	appendAll(t, e, numbered(4)...)
	e.Close()
	appendAll(t, e, numbered(5)[4])
	if got := totals(decodeFile(t, path)); got != "[0 1 2 3 4]" {
		t.Errorf("after Close: %s; want the append and no compaction", got)
	}
}

// TestExportFileMovedAway: an export moved away (an operator, logrotate)
// is left alone; the next append starts a file at the path.
func TestExportFileMovedAway(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "lxc_metrics.json")
	e := newTestExporter(t, path, 10)
	appendAll(t, e, numbered(2)...)
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	appendAll(t, e, numbered(3)[2])
	if got := totals(decodeFile(t, path)); got != "[2]" {
		t.Errorf("new file at the path: %s", got)
	}
	if got := totals(decodeFile(t, path+".1")); got != "[0 1]" {
		t.Errorf("moved file: %s", got)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	appendAll(t, e, numbered(4)[3])
	if got := totals(decodeFile(t, path)); got != "[3]" {
		t.Errorf("after a removal: %s", got)
	}
}

// TestExportEmptyArrayAppended: an empty array (as an older version wrote
// with nothing to export) takes the first cycle in place.
func TestExportEmptyArrayAppended(t *testing.T) {
	t.Parallel()
	for _, content := range []string{"[]\n", "[]", "[\n]\n"} {
		path := filepath.Join(t.TempDir(), "lxc_metrics.json")
		if err := os.WriteFile(path, []byte(content), 0o640); err != nil {
			t.Fatal(err)
		}
		e := newTestExporter(t, path, 10)
		if _, err := e.Load(); err != nil {
			t.Fatalf("Load() of %q = %v", content, err)
		}
		c := exportTestCycles()[1]
		c.Entries[0].Score = math.NaN()
		appendAll(t, e, c)
		if raw, _ := os.ReadFile(path); !bytes.Equal(raw, encodedCycles(t, []lxcmetrics.Cycle{c})) {
			t.Errorf("%q after an append:\n%s", content, raw)
		}
	}
}
