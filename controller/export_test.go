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

	"github.com/lxc-autoscale/lxc-autoscale/controller/export"
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

func newTestExporter(t *testing.T, path string, maxEntries int) *export.File {
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

// appendAll appends the cycles to e, failing the test on an error.
func appendAll(t *testing.T, e *export.File, cycles ...lxcmetrics.Cycle) {
	t.Helper()
	for _, c := range cycles {
		if err := e.Append(c); err != nil {
			t.Fatalf("Append() = %v", err)
		}
	}
}

// encodedCycles is what Encode writes for cycles as a file gives them back.
func encodedCycles(t *testing.T, cycles []lxcmetrics.Cycle) []byte {
	t.Helper()
	var want []lxcmetrics.Cycle
	for _, c := range cycles {
		want = append(want, exportNormalized(c))
	}
	var b bytes.Buffer
	if _, err := lxcmetrics.Encode(&b, want); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// recent reads every cycle a reader from Load gives.
func recent(t *testing.T, r *export.Reader) []lxcmetrics.Cycle {
	t.Helper()
	var got []lxcmetrics.Cycle
	if err := r.Recent(time.Time{}, func(c lxcmetrics.Cycle) bool { got = append(got, c); return true }); err != nil {
		t.Fatalf("Recent() = %v", err)
	}
	return got
}

func TestExportRoundTrip(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "lxc_metrics.json")
	in := exportTestCycles()
	e := newTestExporter(t, path, 10)
	appendAll(t, e, in...)
	var want []lxcmetrics.Cycle
	for _, c := range in {
		want = append(want, exportNormalized(c))
	}
	if d := lxcmetrics.Diff(decodeFile(t, path), want); d != "" {
		t.Errorf("Decode after Append: %s", d)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(raw) || !bytes.Equal(raw, encodedCycles(t, in)) {
		t.Errorf("the appended file is not what Encode writes:\n%s", raw)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != export.FileMode {
		t.Errorf("file mode %o, want %o", perm, export.FileMode)
	}

	// A new File reads it back newest first and appends after it.
	again := newTestExporter(t, path, 10)
	r, err := again.Load()
	if err != nil {
		t.Fatalf("Load() = %v", err)
	}
	defer r.Close()
	if d := lxcmetrics.Diff(recent(t, r), []lxcmetrics.Cycle{want[2], want[1], want[0]}); d != "" {
		t.Errorf("Recent: %s", d)
	}
	appendAll(t, again, in[0])
	if got, _ := os.ReadFile(path); !bytes.Equal(got, encodedCycles(t, append(in, in[0]))) {
		t.Errorf("Load then Append:\n%s", got)
	}
}

func TestExportGolden(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "lxc_metrics.json")
	appendAll(t, newTestExporter(t, path, 10), exportTestCycles()[0])
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
		t.Errorf("Append() wrote\n%s\nwant (%s)\n%s", got, golden, want)
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
	if d := lxcmetrics.Diff(got, want); d != "" {
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

// TestExportLoadCorrupt: a file that is not an export is moved aside at
// Load, and the next Append starts a new one.
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
		{"empty", nil},
		{"not an array", []byte(`{"101": {}}`)},
		{"array of numbers", []byte(`[1, 2]`)},
		{"number for a timestamp", []byte(`[{"101": {"timestamp": 5}}]`)},
		{"bad timestamp", []byte(`[{"101": {"timestamp": "2025-02-30T00:00:00"}}]`)},
		{"negative size", []byte(`[{"101": {"memory_usage_mb": -1}}]`)},
		{"fractional counter", []byte(`[{"101": {"io_stats": {"reads": 1.5}}}]`)},
		{"unknown cycle key", []byte(`[{"meta": {}}]`)},
		{"data after the array", append(bytes.Clone(valid.Bytes()), "[]"...)},
		{"NaN", []byte(`[{"101": {"cpu_usage_percent": NaN}}]`)},
		{"not UTF-8 JSON", []byte{0xff, 0xfe, '[', ']'}},
		{"other layout cut short", []byte("[\n    {\n        \"101\": {}\n    },\n    {\n        \"102\"")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "lxc_metrics.json")
			if err := os.WriteFile(path, tt.content, 0o640); err != nil {
				t.Fatal(err)
			}
			e := newTestExporter(t, path, 10)
			r, err := e.Load()
			var corrupt *CorruptFileError
			if !errors.As(err, &corrupt) {
				t.Fatalf("Load() = %v, %v; want a *CorruptFileError", r, err)
			}
			if r != nil {
				t.Error("Load() returned a reader with the error")
			}
			checkMovedAside(t, path, corrupt, tt.content)

			// The exporter starts a new file.
			next := exportTestCycles()[2]
			appendAll(t, e, next)
			if d := lxcmetrics.Diff(decodeFile(t, path), []lxcmetrics.Cycle{exportNormalized(next)}); d != "" {
				t.Errorf("new file: %s", d)
			}
		})
	}
}

func checkMovedAside(t *testing.T, path string, corrupt *CorruptFileError, content []byte) {
	t.Helper()
	if corrupt.Path != path || !strings.HasPrefix(corrupt.MovedTo, path+".corrupt-") {
		t.Errorf("CorruptFileError{Path: %q, MovedTo: %q}", corrupt.Path, corrupt.MovedTo)
	}
	kept, err := os.ReadFile(corrupt.MovedTo)
	if err != nil || !bytes.Equal(kept, content) {
		t.Errorf("moved-aside file: %v, same bytes %v", err, bytes.Equal(kept, content))
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the corrupt file is still at %s: %v", path, err)
	}
}

// TestExportOtherLayoutBrokenLater: a file in the original's layout whose
// first cycle reads is taken at Load; one that breaks further on is found
// by the first Append, which moves it aside and starts a new file.
func TestExportOtherLayoutBrokenLater(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "lxc_metrics.json")
	content := []byte(`[{"101": {"cores": 1}}, {"101": {"cores": "two"}}]`)
	if err := os.WriteFile(path, content, 0o640); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	e := NewExporter(ExporterOptions{Path: path, MaxEntries: 10, Logger: zerolog.New(&logs), Now: func() time.Time { return exportT0 }})
	r, err := e.Load()
	if err != nil {
		t.Fatalf("Load() = %v", err)
	}
	defer r.Close()
	if err := r.Recent(time.Time{}, func(lxcmetrics.Cycle) bool { return true }); err == nil {
		t.Error("Recent() of the broken file = nil")
	}
	next := exportTestCycles()[0]
	appendAll(t, e, next)
	if d := lxcmetrics.Diff(decodeFile(t, path), []lxcmetrics.Cycle{exportNormalized(next)}); d != "" {
		t.Errorf("new file: %s", d)
	}
	asides, _ := filepath.Glob(path + ".corrupt-*")
	if len(asides) != 1 {
		t.Fatalf("moved aside: %v", asides)
	}
	if kept, _ := os.ReadFile(asides[0]); !bytes.Equal(kept, content) || !strings.Contains(logs.String(), "moved aside") {
		t.Errorf("moved-aside file %q; log %s", kept, logs.String())
	}
}

// TestExportDamagedOldCycle: a damaged cycle deeper than the end is not
// looked for at start (that would read the whole file); a reader that
// gets to it stops there, with the newer cycles.
func TestExportDamagedOldCycle(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "lxc_metrics.json")
	e := newTestExporter(t, path, 10)
	appendAll(t, e, exportTestCycles()...)
	raw, _ := os.ReadFile(path)
	damaged := bytes.Replace(raw, []byte(`"cores":2.0`), []byte(`"cores":"2"`), 1)
	if err := os.WriteFile(path, damaged, 0o640); err != nil {
		t.Fatal(err)
	}
	r, err := newTestExporter(t, path, 10).Load()
	if err != nil {
		t.Fatalf("Load() = %v", err)
	}
	defer r.Close()
	n := 0
	if err := r.Recent(time.Time{}, func(lxcmetrics.Cycle) bool { n++; return true }); err == nil || n != 2 {
		t.Errorf("Recent() gave %d cycles, then %v; want the 2 newer ones, then an error", n, err)
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
	if err := e.Append(exportTestCycles()[0]); err == nil {
		t.Error("Append() = nil after a failed move aside; want an error")
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, content) {
		t.Errorf("the unreadable file was changed: %q", got)
	}

	// Once the file reads again (repaired by hand), Load takes it and
	// Append writes to it.
	if err := os.WriteFile(path, []byte("[]"), 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Load(); err != nil {
		t.Fatalf("Load() of a repaired file = %v", err)
	}
	if err := e.Append(exportTestCycles()[0]); err != nil {
		t.Errorf("Append() after a successful Load = %v", err)
	}
	if got := decodeFile(t, path); len(got) != 1 {
		t.Errorf("%d cycles after the append, want 1", len(got))
	}
}

// numbered is n cycles told apart by Total.
func numbered(n int) []lxcmetrics.Cycle {
	var out []lxcmetrics.Cycle
	for i := range n {
		c := exportTestCycles()[i%3]
		c.Total = i
		out = append(out, c)
	}
	return out
}

func totals(cycles []lxcmetrics.Cycle) string {
	var out []int
	for _, c := range cycles {
		out = append(out, c.Total)
	}
	return fmt.Sprint(out)
}

// TestExportCompactsKeepingNewest: the file grows to twice MaxEntries, then
// the append past that keeps the newest MaxEntries, as Encode would write
// them.
func TestExportCompactsKeepingNewest(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "lxc_metrics.json")
	in := numbered(12)
	e := newTestExporter(t, path, 3)
	appendAll(t, e, in[:6]...)
	if got := totals(decodeFile(t, path)); got != "[0 1 2 3 4 5]" {
		t.Fatalf("6 appends with MaxEntries 3: %s", got)
	}
	appendAll(t, e, in[6])
	raw, _ := os.ReadFile(path)
	if !bytes.Equal(raw, encodedCycles(t, in[4:7])) {
		t.Errorf("after the compaction:\n%s\nwant the newest 3 as Encode writes them", raw)
	}
	appendAll(t, e, in[7:12]...)
	if got := totals(decodeFile(t, path)); got != "[8 9 10 11]" { // compacted again at 10
		t.Errorf("5 more appends: %s", got)
	}
}

// TestExportCountsBeforeCompacting: after a restart the count of cycles
// is estimated from the newest one's size; the first compaction counts
// them, and leaves a file that holds no more than twice MaxEntries as it
// is, however large its older cycles made the estimate.
func TestExportCountsBeforeCompacting(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "lxc_metrics.json")
	big := exportTestCycles()[0]
	for i := range 200 {
		big.Entries = append(big.Entries, lxcmetrics.Entry{VMID: 2000 + i, Score: math.NaN()})
	}
	small := exportTestCycles()[1]
	small.Entries = nil
	appendAll(t, newTestExporter(t, path, 100), big, big, big, small)

	e := newTestExporter(t, path, 2)
	if _, err := e.Load(); err != nil {
		t.Fatal(err)
	}
	if n, counted := e.Cycles(); n <= 4 || counted {
		t.Fatalf("estimated %d cycles (counted %v); the test wants an estimate above 2 x MaxEntries", n, counted)
	}
	appendAll(t, e, small) // counted: 5 cycles, more than 4
	if got := len(decodeFile(t, path)); got != 2 {
		t.Errorf("%d cycles after the first compaction, want 2", got)
	}

	again := newTestExporter(t, filepath.Join(dir, "four.json"), 10)
	appendAll(t, again, big, big, small, small)
	e = newTestExporter(t, filepath.Join(dir, "four.json"), 2)
	if _, err := e.Load(); err != nil {
		t.Fatal(err)
	}
	appendAll(t, e, small) // an estimate of many, but 5 cycles: compacted to 2
	if got := len(decodeFile(t, filepath.Join(dir, "four.json"))); got != 2 {
		t.Errorf("%d cycles, want 2", got)
	}
	third := newTestExporter(t, filepath.Join(dir, "three.json"), 10)
	appendAll(t, third, big, big, small)
	e = newTestExporter(t, filepath.Join(dir, "three.json"), 2)
	if _, err := e.Load(); err != nil {
		t.Fatal(err)
	}
	appendAll(t, e, small) // 4 cycles: not more than 2 x 2, left alone
	if got, n, counted := len(decodeFile(t, filepath.Join(dir, "three.json"))), 0, false; got != 4 {
		t.Errorf("%d cycles, want 4", got)
	} else if n, counted = e.Cycles(); n != 4 || !counted {
		t.Errorf("Cycles() = %d, %v; want 4 counted", n, counted)
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
			c := lxcmetrics.Cycle{}
			for i, vmid := range tt.vmids {
				c.Entries = append(c.Entries, lxcmetrics.Entry{VMID: vmid, MemUsed: uint64(i), Score: math.NaN()})
			}
			appendAll(t, newTestExporter(t, path, 10), c)
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
	appendAll(t, newTestExporter(t, path, 10), lxcmetrics.Cycle{
		Start: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		Total: -1, MonitorCPUPercent: math.Inf(1), MonitorMemoryBytes: math.MaxUint64,
		Entries: []lxcmetrics.Entry{{
			VMID: -7, Node: "a\"b\\c\nd\x01\xffé😀", Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("x", 3600)),
			CPUPercent: math.NaN(), Cores: math.Inf(-1), MemUsed: math.MaxUint64, MemLimit: 1<<53 + 1,
			DiskRead: math.MaxUint64, DiskWrite: math.MaxUint64, NetIn: math.MaxUint64,
			DiskUsed: 10, DiskSize: 5, Score: math.Inf(1),
		}},
	})
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

// TestExportConcurrentAppends appends from several goroutines while a
// reader from Load reads (under -race), with compactions: the file always
// holds whole cycles, MaxEntries to twice as many.
func TestExportConcurrentAppends(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "lxc_metrics.json")
	e := newTestExporter(t, path, 5)
	appendAll(t, e, numbered(3)...)
	r, err := newTestExporter(t, path, 5).Load()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var wg sync.WaitGroup
	for g := range 3 {
		wg.Go(func() {
			for i := range 40 {
				c := exportTestCycles()[i%3]
				c.Total = 100*g + i
				if err := e.Append(c); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			if got := recent(t, r); len(got) != 3 {
				t.Errorf("the reader from Load gave %d cycles, want the 3 it was opened on", len(got))
			}
		}
	})
	wg.Wait()
	if got := decodeFile(t, path); len(got) < 5 || len(got) > 10 {
		t.Errorf("%d cycles, want 5 to 10", len(got))
	}
}

func TestExportMetrics(t *testing.T) {
	t.Parallel()
	m, err := NewMetrics(nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := NewExporter(ExporterOptions{Path: filepath.Join(dir, "ok.json"), Metrics: m})
	if err := good.Append(exportTestCycles()[0]); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dir, "ok.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got := testutil.ToFloat64(m.exportWritten); got != float64(info.Size()) {
		t.Errorf("export_written_bytes_total = %v after the first append, want the file's %d bytes", got, info.Size())
	}
	bad := NewExporter(ExporterOptions{Path: filepath.Join(dir, "missing", "x.json"), Metrics: m})
	if err := bad.Append(exportTestCycles()[0]); err == nil {
		t.Error("Append() into a missing directory = nil")
	}
	if ok, failed := testutil.ToFloat64(m.exports.WithLabelValues("ok")), testutil.ToFloat64(m.exports.WithLabelValues("failed")); ok != 1 || failed != 1 {
		t.Errorf("exports_total ok=%v failed=%v, want 1 and 1", ok, failed)
	}
	if n := testutil.CollectAndCount(m.exportDuration); n != 1 {
		t.Errorf("export_duration_seconds has %d series", n)
	}
}
