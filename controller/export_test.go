package controller

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/controller/lxcmetrics"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

var updateExportGolden = flag.Bool("update-export", false, "rewrite controller/testdata/export_golden.json")

// exportSectorBytes is the unit of io_stats: counters lose their remainder.
const exportSectorBytes = 512

var exportT0 = time.Date(2026, 3, 29, 0, 59, 58, 123456789, time.UTC)

// exportTestCycles is a small history with every kind of value: pressure
// or not, score or not, sizes that are not whole MiB, counters that are
// not whole sectors, nanosecond times, entries out of VMID order.
func exportTestCycles() []lxcmetrics.Cycle {
	var cycles []lxcmetrics.Cycle
	for i := range 3 {
		at := exportT0.Add(time.Duration(i) * time.Minute)
		cycles = append(cycles, lxcmetrics.Cycle{
			Start: at, End: at.Add(1500 * time.Millisecond), Total: 4,
			MonitorCPUPercent: 1.25 + float64(i), MonitorMemoryBytes: 41_234_567,
			Entries: []lxcmetrics.Entry{
				{
					VMID: 1000, Node: "pve-2", Time: at.Add(time.Second),
					CPUPercent: 12.345678901234, Cores: 2,
					MemUsed: 123_456_789, MemLimit: 2 << 30, SwapUsed: 7, SwapLimit: 512 << 20,
					DiskRead: 1_000_003, DiskWrite: 5 << 30, NetIn: 99, NetOut: 1 << 40,
					DiskUsed: 1_234_567_890, DiskSize: 8 << 30,
					Score: math.NaN(),
				},
				{
					VMID: 101, Node: "pve-1", Time: at.Add(500 * time.Millisecond),
					CPUPercent: 0.00001, Cores: 1.5,
					MemUsed: 1 << 20, MemLimit: 1 << 30,
					DiskRead: 512, DiskWrite: 511,
					DiskUsed: 3, DiskSize: 10,
					Pressure: &proxmox.Pressure{CPUSome: 0.5, CPUFull: 0.25, IOSome: 12.01, IOFull: 0, MemorySome: 1e-9, MemoryFull: 100},
					Score:    0.62 + float64(i)/100,
				},
			},
		})
	}
	return cycles
}

// exportNormalized is what the file gives back for c: times in UTC
// microseconds, I/O in whole sectors, entries in VMID order.
func exportNormalized(c lxcmetrics.Cycle) lxcmetrics.Cycle {
	c.Start, c.End = c.Start.UTC().Truncate(time.Microsecond), c.End.UTC().Truncate(time.Microsecond)
	entries := make([]lxcmetrics.Entry, len(c.Entries))
	copy(entries, c.Entries)
	for i := range entries {
		en := &entries[i]
		en.Time = en.Time.UTC().Truncate(time.Microsecond)
		en.DiskRead -= en.DiskRead % exportSectorBytes
		en.DiskWrite -= en.DiskWrite % exportSectorBytes
	}
	for i := 1; i < len(entries); i++ { // insertion sort: tiny slices
		for j := i; j > 0 && entries[j].VMID < entries[j-1].VMID; j-- {
			entries[j], entries[j-1] = entries[j-1], entries[j]
		}
	}
	c.Entries = entries
	return c
}

func sameFloat(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }

// diffCycles describes the first difference between two histories, "" when
// there is none.
func diffCycles(got, want []lxcmetrics.Cycle) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d cycles, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if !g.Start.Equal(w.Start) || !g.End.Equal(w.End) || g.Start.Location() != time.UTC || g.End.Location() != time.UTC {
			return fmt.Sprintf("cycle %d: start, end %v, %v; want %v, %v", i, g.Start, g.End, w.Start, w.End)
		}
		if g.Total != w.Total || !sameFloat(g.MonitorCPUPercent, w.MonitorCPUPercent) || g.MonitorMemoryBytes != w.MonitorMemoryBytes {
			return fmt.Sprintf("cycle %d: summary %d %v %d, want %d %v %d", i,
				g.Total, g.MonitorCPUPercent, g.MonitorMemoryBytes, w.Total, w.MonitorCPUPercent, w.MonitorMemoryBytes)
		}
		if len(g.Entries) != len(w.Entries) {
			return fmt.Sprintf("cycle %d: %d entries, want %d", i, len(g.Entries), len(w.Entries))
		}
		for j := range g.Entries {
			ge, we := g.Entries[j], w.Entries[j]
			gp, wp := ge.Pressure, we.Pressure
			ge.Pressure, we.Pressure = nil, nil
			samePressure := (gp == nil) == (wp == nil) && (gp == nil || *gp == *wp)
			timeOK := ge.Time.Equal(we.Time) && ge.Time.Location() == time.UTC
			ge.Time, we.Time = time.Time{}, time.Time{}
			scoreOK := sameFloat(ge.Score, we.Score)
			ge.Score, we.Score = 0, 0
			if !samePressure || !timeOK || !scoreOK || ge != we {
				return fmt.Sprintf("cycle %d entry %d:\n got %+v %v %v %+v\nwant %+v %v %v %+v", i, j,
					ge, g.Entries[j].Time, g.Entries[j].Score, gp, we, w.Entries[j].Time, w.Entries[j].Score, wp)
			}
		}
	}
	return ""
}

func newTestExporter(t *testing.T, path string, maxEntries int) *Exporter {
	t.Helper()
	return NewExporter(ExporterOptions{
		Path: path, MaxEntries: maxEntries, Logger: zerolog.New(zerolog.NewTestWriter(t)),
		Now: func() time.Time { return exportT0 },
	})
}

func decodeFile(t *testing.T, path string) []lxcmetrics.Cycle {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cycles, err := lxcmetrics.Decode(f)
	if err != nil {
		t.Fatalf("DecodeExport(%s) = %v", path, err)
	}
	return cycles
}

func TestExportRoundTrip(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "lxc_metrics.json")
	in := exportTestCycles()
	e := newTestExporter(t, path, 10)
	for _, c := range in {
		e.Add(c)
	}
	if err := e.Write(); err != nil {
		t.Fatalf("Write() = %v", err)
	}
	var want []lxcmetrics.Cycle
	for _, c := range in {
		want = append(want, exportNormalized(c))
	}
	if d := diffCycles(decodeFile(t, path), want); d != "" {
		t.Errorf("DecodeExport after Write: %s", d)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(raw) {
		t.Errorf("written file is not valid JSON:\n%s", raw)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != exportFileMode {
		t.Errorf("file mode %o, want %o", perm, exportFileMode)
	}

	// A new Exporter loads what the first wrote and writes it again unchanged.
	again := newTestExporter(t, path, 10)
	loaded, err := again.Load()
	if err != nil {
		t.Fatalf("Load() = %v", err)
	}
	if d := diffCycles(loaded, want); d != "" {
		t.Errorf("Load: %s", d)
	}
	if err := again.Write(); err != nil {
		t.Fatalf("Write() after Load = %v", err)
	}
	rewritten, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rewritten, raw) {
		t.Errorf("Load then Write changed the file:\n%s\nwant\n%s", rewritten, raw)
	}
}

func TestExportGolden(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "lxc_metrics.json")
	e := newTestExporter(t, path, 10)
	e.Add(exportTestCycles()[0])
	if err := e.Write(); err != nil {
		t.Fatalf("Write() = %v", err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "export_golden.json")
	if *updateExportGolden {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Write() wrote\n%s\nwant (%s)\n%s", got, golden, want)
	}
}

// TestExportLoadPythonLayout loads a file as the original monitor wrote it:
// indent=4, sort_keys (so "1000" before "113"), naive local timestamps, a
// v1.0 cycle without collected_containers and with keys in insertion order,
// a timestamp without microseconds (Python's isoformat drops ".000000").
func TestExportLoadPythonLayout(t *testing.T) {
	t.Parallel()
	f, err := os.Open(filepath.Join("testdata", "export_python.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := lxcmetrics.Decode(f)
	if err != nil {
		t.Fatalf("DecodeExport = %v", err)
	}
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse("2006-01-02T15:04:05.999999", s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	want := []lxcmetrics.Cycle{
		{
			Start: at("2025-12-24T13:33:14.601210"), End: at("2025-12-24T13:33:20.640118"), Total: 3,
			MonitorCPUPercent: 3.1, MonitorMemoryBytes: 43_201_331, // 41.2 MiB, truncated to bytes
			Entries: []lxcmetrics.Entry{
				{
					VMID: 113, Time: at("2025-12-24T13:33:20.628660"), CPUPercent: 5.706906759562669,
					MemUsed: 521_390_080, SwapUsed: 363_417_600, SwapLimit: 512 << 20,
					DiskRead: 4_405_620_829 * 512, DiskWrite: 842_586_379 * 512,
					DiskUsed: 1_712_324_608, DiskSize: 19_900_923_904, Score: math.NaN(),
				},
				{
					VMID: 1000, Time: at("2025-12-24T13:33:19.000001"), CPUPercent: 12.5,
					MemUsed: 269_484_032, SwapLimit: 512 << 20,
					DiskRead: 2048 * 512, DiskWrite: 1024 * 512, NetIn: 123_456, NetOut: 654_321,
					DiskUsed: 1 << 30, DiskSize: 8 << 30, Score: math.NaN(),
				},
			},
		},
		{
			Start: at("2025-12-24T13:34:20.5"), End: at("2025-12-24T13:34:21"), Total: 1,
			MonitorCPUPercent: 0.0, MonitorMemoryBytes: 40 << 20,
			Entries: []lxcmetrics.Entry{{
				VMID: 113, Time: at("2025-12-24T13:34:21"), CPUPercent: 100,
				MemUsed: 512 << 20, DiskRead: 512, DiskUsed: 2 << 30, DiskSize: 18 << 30, Score: math.NaN(),
			}},
		},
	}
	if d := diffCycles(got, want); d != "" {
		t.Error(d)
	}
}

func TestExportLoadMissing(t *testing.T) {
	t.Parallel()
	e := newTestExporter(t, filepath.Join(t.TempDir(), "lxc_metrics.json"), 10)
	cycles, err := e.Load()
	if cycles != nil || err != nil {
		t.Errorf("Load() of a missing file = %v, %v; want nil, nil", cycles, err)
	}
}

func TestExportLoadCorrupt(t *testing.T) {
	t.Parallel()
	var valid bytes.Buffer
	if _, err := lxcmetrics.Encode(&valid, exportTestCycles()); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		content []byte
	}{
		{"truncated", valid.Bytes()[:valid.Len()/2]},
		{"empty", nil},
		{"not an array", []byte(`{"101": {}}`)},
		{"array of numbers", []byte(`[1, 2]`)},
		{"string for a number", bytes.Replace(valid.Bytes(), []byte(`"cores":2.0`), []byte(`"cores":"2"`), 1)},
		{"number for a timestamp", []byte(`[{"101": {"timestamp": 5}}]`)},
		{"bad timestamp", []byte(`[{"101": {"timestamp": "2025-02-30T00:00:00"}}]`)},
		{"negative size", []byte(`[{"101": {"memory_usage_mb": -1}}]`)},
		{"fractional counter", []byte(`[{"101": {"io_stats": {"reads": 1.5}}}]`)},
		{"unknown cycle key", []byte(`[{"meta": {}}]`)},
		{"data after the array", append(bytes.Clone(valid.Bytes()), "[]"...)},
		{"NaN", []byte(`[{"101": {"cpu_usage_percent": NaN}}]`)},
		{"not UTF-8 JSON", []byte{0xff, 0xfe, '[', ']'}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "lxc_metrics.json")
			if err := os.WriteFile(path, tt.content, 0o640); err != nil {
				t.Fatal(err)
			}
			e := newTestExporter(t, path, 10)
			cycles, err := e.Load()
			var corrupt *CorruptFileError
			if !errors.As(err, &corrupt) {
				t.Fatalf("Load() = %v, %v; want a *CorruptFileError", cycles, err)
			}
			if cycles != nil {
				t.Errorf("Load() returned %d cycles with the error", len(cycles))
			}
			if corrupt.Path != path || !strings.HasPrefix(corrupt.MovedTo, path+".corrupt-") {
				t.Errorf("CorruptFileError{Path: %q, MovedTo: %q}", corrupt.Path, corrupt.MovedTo)
			}
			kept, err := os.ReadFile(corrupt.MovedTo)
			if err != nil || !bytes.Equal(kept, tt.content) {
				t.Errorf("moved-aside file: %v, same bytes %v", err, bytes.Equal(kept, tt.content))
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the corrupt file is still at %s: %v", path, err)
			}

			// The exporter starts empty and writes a fresh file.
			next := exportTestCycles()[2]
			e.Add(next)
			if err := e.Write(); err != nil {
				t.Fatalf("Write() = %v", err)
			}
			if d := diffCycles(decodeFile(t, path), []lxcmetrics.Cycle{exportNormalized(next)}); d != "" {
				t.Errorf("fresh file: %s", d)
			}
		})
	}
}

// TestExportLoadCannotMoveAside: an unreadable file that cannot be moved
// aside is never overwritten.
func TestExportLoadCannotMoveAside(t *testing.T) {
	t.Parallel()
	// A name that leaves no room for the moved-aside suffix under NAME_MAX
	// (255) makes every move fail, even for root.
	path := filepath.Join(t.TempDir(), strings.Repeat("m", 230)+".json")
	content := []byte("[{")
	if err := os.WriteFile(path, content, 0o640); err != nil {
		t.Fatal(err)
	}
	e := newTestExporter(t, path, 10)
	_, err := e.Load()
	var corrupt *CorruptFileError
	if err == nil || errors.As(err, &corrupt) {
		t.Fatalf("Load() = %v; want an error that is not a *CorruptFileError", err)
	}
	e.Add(exportTestCycles()[0])
	if err := e.Write(); err == nil {
		t.Error("Write() = nil after a failed move aside; want an error")
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, content) {
		t.Errorf("the unreadable file was changed: %q", got)
	}

	// Once the file reads again (repaired by hand), Load takes it and
	// Write may replace it.
	if err := os.WriteFile(path, []byte("[]"), 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Load(); err != nil {
		t.Fatalf("Load() of a repaired file = %v", err)
	}
	if err := e.Write(); err != nil {
		t.Errorf("Write() after a successful Load = %v", err)
	}
}

func TestExportKeepsNewest(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "lxc_metrics.json")
	cycles := exportTestCycles()
	var want []lxcmetrics.Cycle
	for _, c := range cycles {
		want = append(want, exportNormalized(c))
	}

	e := newTestExporter(t, path, 2)
	for _, c := range cycles {
		e.Add(c)
	}
	if err := e.Write(); err != nil {
		t.Fatal(err)
	}
	if d := diffCycles(decodeFile(t, path), want[1:]); d != "" {
		t.Errorf("Add past MaxEntries: %s", d)
	}

	// A file longer than MaxEntries (written with a larger one) loads its
	// newest cycles; a cycle added after Load pushes the oldest out.
	full := filepath.Join(dir, "full.json")
	big := newTestExporter(t, full, 10)
	for _, c := range cycles {
		big.Add(c)
	}
	if err := big.Write(); err != nil {
		t.Fatal(err)
	}
	small := newTestExporter(t, full, 2)
	loaded, err := small.Load()
	if err != nil {
		t.Fatal(err)
	}
	if d := diffCycles(loaded, want[1:]); d != "" {
		t.Errorf("Load with MaxEntries 2: %s", d)
	}
	small.Add(cycles[0])
	if err := small.Write(); err != nil {
		t.Fatal(err)
	}
	if d := diffCycles(decodeFile(t, full), []lxcmetrics.Cycle{want[2], want[0]}); d != "" {
		t.Errorf("Add after Load: %s", d)
	}
}

// TestExportAddCopiesEntries: the caller may reuse its slice after Add.
func TestExportAddCopiesEntries(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "lxc_metrics.json")
	e := newTestExporter(t, path, 10)
	c := exportTestCycles()[0]
	want := exportNormalized(c)
	e.Add(c)
	for i := range c.Entries {
		c.Entries[i].VMID += 5000
		c.Entries[i].MemUsed = 1
	}
	if err := e.Write(); err != nil {
		t.Fatal(err)
	}
	if d := diffCycles(decodeFile(t, path), []lxcmetrics.Cycle{want}); d != "" {
		t.Error(d)
	}
}

// TestExportAddRepeatedVMID: a VMID given twice in a cycle keeps its last
// entry, like the loader, so that a written file loads to what was added.
func TestExportAddRepeatedVMID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		vmids []int
		want  []int // MemUsed of the kept entries, in order
	}{
		{"adjacent", []int{5, 5, 6}, []int{1, 2}},
		{"apart", []int{5, 6, 5}, []int{2, 1}},
		{"sorted", []int{4, 5, 6}, []int{0, 1, 2}},
		{"reversed", []int{6, 5, 4}, []int{2, 1, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "lxc_metrics.json")
			e := newTestExporter(t, path, 10)
			c := lxcmetrics.Cycle{}
			for i, vmid := range tt.vmids {
				c.Entries = append(c.Entries, lxcmetrics.Entry{VMID: vmid, MemUsed: uint64(i), Score: math.NaN()})
			}
			e.Add(c)
			if err := e.Write(); err != nil {
				t.Fatal(err)
			}
			got := decodeFile(t, path)[0].Entries
			var mem []int
			for _, en := range got {
				mem = append(mem, int(en.MemUsed))
			}
			if fmt.Sprint(mem) != fmt.Sprint(tt.want) {
				t.Errorf("kept entries %v, want %v", mem, tt.want)
			}
		})
	}
}

// TestExportWriteAlwaysLoadable: values the format cannot carry are written
// so that the file still loads, never so that the next start moves it aside.
func TestExportWriteAlwaysLoadable(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "lxc_metrics.json")
	e := newTestExporter(t, path, 10)
	e.Add(lxcmetrics.Cycle{
		Start: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		Total: -1, MonitorCPUPercent: math.Inf(1), MonitorMemoryBytes: math.MaxUint64,
		Entries: []lxcmetrics.Entry{{
			VMID: -7, Node: "a\"b\\c\nd\x01\xffé😀", Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("x", 3600)),
			CPUPercent: math.NaN(), Cores: math.Inf(-1), MemUsed: math.MaxUint64, MemLimit: 1<<53 + 1,
			DiskRead: math.MaxUint64, DiskWrite: math.MaxUint64, NetIn: math.MaxUint64,
			DiskUsed: 10, DiskSize: 5, Score: math.Inf(1),
		}},
	})
	if err := e.Write(); err != nil {
		t.Fatal(err)
	}
	got := decodeFile(t, path)
	if len(got) != 1 || len(got[0].Entries) != 1 {
		t.Fatalf("decoded %+v", got)
	}
	c, en := got[0], got[0].Entries[0]
	checks := []struct {
		name string
		ok   bool
	}{
		{"start out of range -> zero", c.Start.IsZero()},
		{"end out of range -> zero", c.End.IsZero()},
		{"negative total kept", c.Total == -1},
		{"infinite monitor CPU -> 0", c.MonitorCPUPercent == 0},
		{"MaxUint64 monitor memory", c.MonitorMemoryBytes == math.MaxUint64},
		{"negative VMID kept", en.VMID == -7},
		{"node escaped, invalid UTF-8 replaced", en.Node == "a\"b\\c\nd\x01\ufffdé😀"},
		{"time in UTC", en.Time.Equal(time.Date(2025, 12, 31, 23, 0, 0, 0, time.UTC))},
		{"NaN CPU -> 0", en.CPUPercent == 0},
		{"infinite cores -> 0", en.Cores == 0},
		{"MaxUint64 memory", en.MemUsed == math.MaxUint64},
		{"2^53+1 rounds to 2^53", en.MemLimit == 1<<53},
		{"MaxUint64 I/O in whole sectors", en.DiskRead == math.MaxUint64-511 && en.DiskWrite == en.DiskRead},
		{"MaxUint64 network", en.NetIn == math.MaxUint64},
		{"infinite score omitted", math.IsNaN(en.Score)},
	}
	for _, check := range checks {
		if !check.ok {
			t.Errorf("%s: got cycle %+v", check.name, got[0])
		}
	}
	raw, _ := os.ReadFile(path)
	if bytes.Contains(raw, []byte("anomaly_score")) || !bytes.Contains(raw, []byte(`"filesystem_free_gb":0.0`)) {
		t.Errorf("score not omitted or used > size gave a free size: %s", raw)
	}
}

// TestExportConcurrentAddWrite runs Add and Write from several goroutines
// (under -race); the file always holds a window of consecutive cycles.
func TestExportConcurrentAddWrite(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "lxc_metrics.json")
	e := newTestExporter(t, path, 5)
	base := exportTestCycles()[0]
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 200 {
			c := base
			c.Total = i
			e.Add(c)
		}
	})
	for range 2 {
		wg.Go(func() {
			for range 20 {
				if err := e.Write(); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if err := e.Write(); err != nil {
		t.Fatal(err)
	}
	got := decodeFile(t, path)
	if len(got) != 5 {
		t.Fatalf("%d cycles, want 5", len(got))
	}
	for i, c := range got {
		if c.Total != 195+i {
			t.Errorf("cycle %d has Total %d, want %d", i, c.Total, 195+i)
		}
	}
}

func TestExportWriteMetrics(t *testing.T) {
	t.Parallel()
	m, err := NewMetrics(nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := NewExporter(ExporterOptions{Path: filepath.Join(dir, "ok.json"), Metrics: m})
	if err := good.Write(); err != nil {
		t.Fatal(err)
	}
	bad := NewExporter(ExporterOptions{Path: filepath.Join(dir, "missing", "x.json"), Metrics: m})
	if err := bad.Write(); err == nil {
		t.Error("Write() into a missing directory = nil")
	}
	if ok, failed := testutil.ToFloat64(m.exports.WithLabelValues("ok")), testutil.ToFloat64(m.exports.WithLabelValues("failed")); ok != 1 || failed != 1 {
		t.Errorf("exports_total ok=%v failed=%v, want 1 and 1", ok, failed)
	}
	if n := testutil.CollectAndCount(m.exportDuration); n != 1 {
		t.Errorf("export_duration_seconds has %d series", n)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "ok.json")); string(got) != "[]\n" {
		t.Errorf("empty export = %q, want \"[]\\n\"", got)
	}
}
