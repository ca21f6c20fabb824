package lxcmetrics

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

var exportT0 = time.Date(2026, 3, 29, 0, 59, 58, 123456789, time.UTC)

// exportTestCycles is a small history with every kind of value: pressure
// or not, score or not, sizes that are not whole MiB, counters that are
// not whole sectors, nanosecond times, entries out of VMID order.
func exportTestCycles() []Cycle {
	var cycles []Cycle
	for i := range 3 {
		at := exportT0.Add(time.Duration(i) * time.Minute)
		cycles = append(cycles, Cycle{
			Start: at, End: at.Add(1500 * time.Millisecond), Total: 4,
			MonitorCPUPercent: 1.25 + float64(i), MonitorMemoryBytes: 41_234_567,
			Entries: []Entry{
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
func exportNormalized(c Cycle) Cycle {
	c.Start, c.End = truncateTimestamp(c.Start), truncateTimestamp(c.End)
	entries := make([]Entry, len(c.Entries))
	copy(entries, c.Entries)
	for i := range entries {
		en := &entries[i]
		en.Time = truncateTimestamp(en.Time)
		en.DiskRead -= en.DiskRead % bytesPerSector
		en.DiskWrite -= en.DiskWrite % bytesPerSector
	}
	for i := 1; i < len(entries); i++ { // insertion sort: tiny slices
		for j := i; j > 0 && entries[j].VMID < entries[j-1].VMID; j-- {
			entries[j], entries[j-1] = entries[j-1], entries[j]
		}
	}
	c.Entries = entries
	return c
}

func TestDecodeExportAccepts(t *testing.T) {
	t.Parallel()
	utc := func(y int, mo time.Month, d, h, mi, s, us int) time.Time {
		return time.Date(y, mo, d, h, mi, s, us*1000, time.UTC)
	}
	tests := []struct {
		name  string
		input string
		want  []Cycle
	}{
		{"empty array", " [ ] \n", []Cycle{}},
		{"empty cycle", `[{}]`, []Cycle{{Entries: []Entry{}}}},
		{
			"timestamp forms", `[{"summary": {"collection_start_time": "2026-01-02T03:04:05Z",
				"collection_end_time": "2026-01-02 03:04:05.1234567-01:30"}}]`,
			[]Cycle{{Start: utc(2026, 1, 2, 3, 4, 5, 0), End: utc(2026, 1, 2, 4, 34, 5, 123456), Entries: []Entry{}}},
		},
		{
			"nulls, unknown keys, escapes, duplicates", `[{"10\u0031": {"node": "p\u00e9\ud83d\ude00\ud800", "cores": null,
				"anomaly_score": null, "pressure": null, "io_stats": null, "extra": [1, {"a": [true, false, null]}, "x", -0.5e-3]},
				"7": {"cores": 1}, "7": {"cores": 2}, "101": {"cores": 4.0, "process_count": 3, "filesystem_free_gb": "n/a"}}]`,
			[]Cycle{{Entries: []Entry{
				{VMID: 7, Cores: 2, Score: math.NaN()},
				{VMID: 101, Cores: 4, Score: math.NaN()},
			}}},
		},
		{
			"integral floats for counters", `[{"5": {"io_stats": {"reads": 2e0, "writes": -0}, "network_usage": {"rx_bytes": 1.0E3}},
				"summary": {"total_containers": 3.0}}]`,
			[]Cycle{{Total: 3, Entries: []Entry{{VMID: 5, DiskRead: 1024, NetIn: 1000, Score: math.NaN()}}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Decode(strings.NewReader(tt.input))
			if err != nil {
				t.Fatalf("DecodeExport = %v", err)
			}
			if d := Diff(got, tt.want); d != "" {
				t.Error(d)
			}
		})
	}
	// The node with escapes decodes to UTF-8, a lone surrogate to U+FFFD.
	got, err := Decode(strings.NewReader(`[{"1": {"node": "p\u00e9\ud83d\ude00\ud800\/"}}]`))
	if err != nil || got[0].Entries[0].Node != "pé😀\ufffd/" {
		t.Errorf("escaped node = %+v, %v", got, err)
	}
}

func TestDecodeExportRejects(t *testing.T) {
	t.Parallel()
	tests := []string{
		``, ` `, `[`, `[{`, `[{"1"`, `[{"1":`, `[{"1":{`, `[{"1":{}`, `[{"1":{}}`, `[{"1":{}},]`, `[,]`,
		`[{"1":{}} {}]`, `[{"1" {}}]`, `[{1: {}}]`, `[{"1": []}]`, `[{"1": null}]`, `[{"summary": 3}]`,
		`[{"1": {"cores": 01}}]`, `[{"1": {"cores": 1.}}]`, `[{"1": {"cores": .5}}]`, `[{"1": {"cores": +1}}]`,
		`[{"1": {"cores": 1e}}]`, `[{"1": {"cores": 1e400}}]`, `[{"1": {"cores": tru}}]`, `[{"1": {"x": nul}}]`,
		`[{"1": {"node": "a` + "\n" + `"}}]`, `[{"1": {"node": "\x"}}]`, `[{"1": {"node": "\u12"}}]`,
		`[{"1": {"node": 5}}]`, `[{"1": {"io_stats": {"reads": -1}}}]`, `[{"1": {"io_stats": {"reads": 1e30}}}]`,
		`[{"1": {"io_stats": {"reads": 36028797018963968}}}]`, `[{"1": {"io_stats": []}}]`,
		`[{"1": {"memory_usage_mb": 1e300}}]`, `[{"summary": {"total_containers": 1.5}}]`,
		`[{"summary": {"total_containers": 1e19}}]`, `[{"1": {"timestamp": "2026-01-01T00:00:00+24:00"}}]`,
		`[{"1": {"timestamp": "0001-01-01T00:00:00+00:01"}}]`, `[{"1": {"timestamp": "2026-01-01T00:00:00.1234567890"}}]`,
		`[{"1": {"timestamp": "2026-01-01T00:00:00."}}]`, `[{"1": {"x": ` + strings.Repeat("[", 600) + strings.Repeat("]", 600) + `}}]`,
		`[] x`, `{}`, `"[]"`, `[{"1": {}}}]`,
	}
	for _, input := range tests {
		if got, err := Decode(strings.NewReader(input)); err == nil {
			t.Errorf("Decode(%q) = %+v, nil; want an error", input, got)
		}
	}
}

// TestDecodeExportSmallReads decodes through a reader that returns one byte
// at a time, so that every token crosses a buffer refill.
func TestDecodeExportSmallReads(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	in := exportTestCycles()
	if _, err := Encode(&buf, in); err != nil {
		t.Fatal(err)
	}
	var got []Cycle
	err := Stream(oneByteReader{bytes.NewReader(buf.Bytes())}, func(c Cycle) bool { got = append(got, c); return true })
	if err != nil {
		t.Fatalf("decode one byte at a time: %v", err)
	}
	var want []Cycle
	for _, c := range in {
		want = append(want, exportNormalized(c))
	}
	if diff := Diff(got, want); diff != "" {
		t.Error(diff)
	}
}

type oneByteReader struct{ r *bytes.Reader }

func (o oneByteReader) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return o.r.Read(p)
}

func TestParseTimestamp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Time // zero: an error
	}{
		{"2025-12-24T13:33:20.628660", time.Date(2025, 12, 24, 13, 33, 20, 628660000, time.UTC)},
		{"2025-12-24T13:33:20", time.Date(2025, 12, 24, 13, 33, 20, 0, time.UTC)},
		{"2025-12-24T13:33:20.5Z", time.Date(2025, 12, 24, 13, 33, 20, 500000000, time.UTC)},
		{"2025-12-24T13:33:20.123456999+02:00", time.Date(2025, 12, 24, 11, 33, 20, 123456000, time.UTC)},
		{"2024-02-29T00:00:00", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
		{"9999-12-31T23:59:59.999999", time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)},
		{"2025-02-29T00:00:00", time.Time{}},
		{"2025-12-24T24:00:00", time.Time{}},
		{"2025-12-24T13:33:60", time.Time{}},
		{"2025-13-01T00:00:00", time.Time{}},
		{"0000-01-01T00:00:00", time.Time{}},
		{"9999-12-31T23:59:59-00:01", time.Time{}},
		{"2025-12-24", time.Time{}},
		{"2025-12-24T13:33:20+0200", time.Time{}},
		{"2025-12-24T13:33:20 ", time.Time{}},
		{"2025-12-24t13:33:20", time.Time{}},
	}
	for _, tt := range tests {
		got, err := parseTimestamp([]byte(tt.in))
		if tt.want.IsZero() {
			if err == nil {
				t.Errorf("parseTimestamp(%q) = %v, nil; want an error", tt.in, got)
			}
			continue
		}
		if err != nil || !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("parseTimestamp(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

// TestAppendPyFloat checks the float text against Python's repr of the
// same values.
func TestAppendPyFloat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0.0"}, {math.Copysign(0, -1), "-0.0"}, {512, "512.0"}, {-3, "-3.0"},
		{5.706906759562669, "5.706906759562669"}, {497.236328125, "497.236328125"}, {0.1, "0.1"},
		{1e-4, "0.0001"}, {1e-5, "1e-05"}, {1.5e-7, "1.5e-07"}, {123456789012345.0, "123456789012345.0"},
		{1e15, "1000000000000000.0"}, {1234567890123456.7, "1234567890123456.8"}, {1e16, "1e+16"},
		{1.7976931348623157e308, "1.7976931348623157e+308"}, {5e-324, "5e-324"}, {math.NaN(), "0.0"},
	}
	for _, tt := range tests {
		if got := string(appendPyFloat(nil, tt.in)); got != tt.want {
			t.Errorf("appendPyFloat(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
