package controller

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/lxc-autoscale/lxc-autoscale/controller/durable"
	"github.com/lxc-autoscale/lxc-autoscale/controller/export"
	"github.com/lxc-autoscale/lxc-autoscale/controller/lxcmetrics"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// The size the codec benchmarks handle: 1,000 containers x 1,000 cycles.
const (
	benchExportContainers = 1000
	benchExportCycles     = 1000
)

var benchExportHistory = sync.OnceValue(func() []lxcmetrics.Cycle {
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	cycles := make([]lxcmetrics.Cycle, benchExportCycles)
	for i := range cycles {
		cycles[i] = benchCycle(rng, benchExportContainers, 3, i, start.Add(time.Duration(i)*time.Minute))
	}
	return cycles
})

// benchCycle is the i-th cycle of containers on nodes nodes, at at, with
// every field filled as a live export fills it.
func benchCycle(rng *rand.Rand, containers, nodes, i int, at time.Time) lxcmetrics.Cycle {
	entries := make([]lxcmetrics.Entry, containers)
	pressures := make([]proxmox.Pressure, containers)
	for j := range entries {
		pressures[j] = proxmox.Pressure{
			CPUSome: rng.Float64() * 10, IOSome: rng.Float64() * 5, IOFull: rng.Float64(),
			MemorySome: rng.Float64(), MemoryFull: rng.Float64() / 10,
		}
		entries[j] = lxcmetrics.Entry{
			VMID: 100 + j, Node: "pve-" + strconv.Itoa(1+j%nodes), Time: at.Add(time.Duration(rng.IntN(2e9))),
			CPUPercent: rng.Float64() * 100, Cores: float64(1 + j%8),
			MemUsed: rng.Uint64N(4 << 30), MemLimit: uint64(1+j%8) << 30,
			SwapUsed: rng.Uint64N(256 << 20), SwapLimit: 512 << 20,
			DiskRead: uint64(i)<<20 + rng.Uint64N(1<<30), DiskWrite: uint64(i)<<21 + rng.Uint64N(1<<30),
			NetIn: uint64(i)<<22 + rng.Uint64N(1<<30), NetOut: uint64(i)<<20 + rng.Uint64N(1<<30),
			DiskUsed: rng.Uint64N(8 << 30), DiskSize: 8 << 30,
			Pressure: &pressures[j], Score: 0.3 + rng.Float64()/2,
		}
	}
	return lxcmetrics.Cycle{
		Start: at, End: at.Add(800 * time.Millisecond), Total: containers + 20,
		Entries: entries, MonitorCPUPercent: rng.Float64() * 5, MonitorMemoryBytes: 90 << 20,
	}
}

// BenchmarkExportEncode is the CPU part of an export: 1,000 containers x
// 1,000 cycles encoded to io.Discard (strconv appends into a reused
// buffer).
func BenchmarkExportEncode(b *testing.B) {
	cycles := benchExportHistory()
	b.ReportAllocs()
	var n int64
	for b.Loop() {
		var err error
		if n, err = lxcmetrics.Encode(io.Discard, cycles); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(n)
	b.ReportMetric(float64(unsafe.Sizeof(lxcmetrics.Entry{})), "B/entry")
}

// BenchmarkExportEncodeEncodingJSON is the same through encoding/json
// reflection (a map per cycle, a struct per entry), the alternative to
// the hand-written encoder.
func BenchmarkExportEncodeEncodingJSON(b *testing.B) {
	cycles := benchExportHistory()
	b.ReportAllocs()
	for b.Loop() {
		if err := encodeExportJSON(io.Discard, cycles); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExportDecode decodes that history from memory: the CPU part of
// reading an export.
func BenchmarkExportDecode(b *testing.B) {
	var buf bytes.Buffer
	if _, err := lxcmetrics.Encode(&buf, benchExportHistory()); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		cycles, err := lxcmetrics.Decode(bytes.NewReader(buf.Bytes()))
		if err != nil || len(cycles) != benchExportCycles {
			b.Fatalf("Decode = %d cycles, %v", len(cycles), err)
		}
	}
}

// BenchmarkExportDecodeEncodingJSON decodes the same bytes with
// encoding/json (a RawMessage per cycle key, then a struct per entry), the
// alternative to the decoder on jsontext tokens.
func BenchmarkExportDecodeEncodingJSON(b *testing.B) {
	var buf bytes.Buffer
	if _, err := lxcmetrics.Encode(&buf, benchExportHistory()); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		cycles, err := decodeExportJSON(bytes.NewReader(buf.Bytes()))
		if err != nil || len(cycles) != benchExportCycles {
			b.Fatalf("decode = %d cycles, %v", len(cycles), err)
		}
	}
}

// The encoding/json shape of the format, for the comparison benchmarks.
type (
	jsonExportEntry struct {
		AnomalyScore      *float64            `json:"anomaly_score,omitempty"`
		Cores             float64             `json:"cores"`
		CPUUsagePercent   float64             `json:"cpu_usage_percent"`
		FilesystemFreeGB  float64             `json:"filesystem_free_gb"`
		FilesystemTotalGB float64             `json:"filesystem_total_gb"`
		FilesystemUsageGB float64             `json:"filesystem_usage_gb"`
		IOStats           jsonIOStats         `json:"io_stats"`
		MemoryLimitMB     float64             `json:"memory_limit_mb"`
		MemoryUsageMB     float64             `json:"memory_usage_mb"`
		NetworkUsage      jsonNetworkUsage    `json:"network_usage"`
		Node              string              `json:"node"`
		Pressure          *jsonExportPressure `json:"pressure,omitempty"`
		ProcessCount      int                 `json:"process_count"`
		SwapTotalMB       float64             `json:"swap_total_mb"`
		SwapUsageMB       float64             `json:"swap_usage_mb"`
		Timestamp         string              `json:"timestamp"`
	}
	jsonIOStats struct {
		Reads  uint64 `json:"reads"`
		Writes uint64 `json:"writes"`
	}
	jsonNetworkUsage struct {
		RxBytes uint64 `json:"rx_bytes"`
		TxBytes uint64 `json:"tx_bytes"`
	}
	jsonExportPressure struct {
		CPUFull    float64 `json:"cpu_full"`
		CPUSome    float64 `json:"cpu_some"`
		IOFull     float64 `json:"io_full"`
		IOSome     float64 `json:"io_some"`
		MemoryFull float64 `json:"memory_full"`
		MemorySome float64 `json:"memory_some"`
	}
	jsonExportSummary struct {
		CollectedContainers  int     `json:"collected_containers"`
		CollectionEndTime    string  `json:"collection_end_time"`
		CollectionStartTime  string  `json:"collection_start_time"`
		MonitorCPUPercent    float64 `json:"monitor_cpu_percent"`
		MonitorMemoryUsageMB float64 `json:"monitor_memory_usage_mb"`
		TotalContainers      int     `json:"total_containers"`
		TotalDurationSeconds float64 `json:"total_duration_seconds"`
	}
)

const jsonTimeLayout = "2006-01-02T15:04:05.000000-07:00"

func encodeExportJSON(w io.Writer, cycles []lxcmetrics.Cycle) error {
	enc := json.NewEncoder(w)
	if _, err := io.WriteString(w, "[\n"); err != nil {
		return err
	}
	for i, c := range cycles {
		if i > 0 {
			if _, err := io.WriteString(w, ","); err != nil {
				return err
			}
		}
		obj := make(map[string]any, len(c.Entries)+1)
		for _, en := range c.Entries {
			je := jsonExportEntry{
				Cores: en.Cores, CPUUsagePercent: en.CPUPercent,
				FilesystemFreeGB:  float64(en.DiskSize-min(en.DiskUsed, en.DiskSize)) / bytesPerGiB,
				FilesystemTotalGB: float64(en.DiskSize) / bytesPerGiB, FilesystemUsageGB: float64(en.DiskUsed) / bytesPerGiB,
				IOStats:       jsonIOStats{en.DiskRead / exportSectorBytes, en.DiskWrite / exportSectorBytes},
				MemoryLimitMB: float64(en.MemLimit) / mib, MemoryUsageMB: float64(en.MemUsed) / mib,
				NetworkUsage: jsonNetworkUsage{en.NetIn, en.NetOut}, Node: en.Node,
				SwapTotalMB: float64(en.SwapLimit) / mib, SwapUsageMB: float64(en.SwapUsed) / mib,
				Timestamp: en.Time.UTC().Format(jsonTimeLayout),
			}
			if !math.IsNaN(en.Score) {
				je.AnomalyScore = &en.Score
			}
			if p := en.Pressure; p != nil {
				je.Pressure = &jsonExportPressure{p.CPUFull, p.CPUSome, p.IOFull, p.IOSome, p.MemoryFull, p.MemorySome}
			}
			obj[strconv.Itoa(en.VMID)] = je
		}
		obj["summary"] = jsonExportSummary{
			CollectedContainers: len(c.Entries), CollectionEndTime: c.End.UTC().Format(jsonTimeLayout),
			CollectionStartTime: c.Start.UTC().Format(jsonTimeLayout), MonitorCPUPercent: c.MonitorCPUPercent,
			MonitorMemoryUsageMB: float64(c.MonitorMemoryBytes) / mib, TotalContainers: c.Total,
			TotalDurationSeconds: c.End.Sub(c.Start).Seconds(),
		}
		if err := enc.Encode(obj); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "]\n")
	return err
}

func decodeExportJSON(r io.Reader) ([]lxcmetrics.Cycle, error) {
	dec := json.NewDecoder(bufio.NewReaderSize(r, 256<<10))
	if _, err := dec.Token(); err != nil { // [
		return nil, err
	}
	var cycles []lxcmetrics.Cycle
	for dec.More() {
		var raw map[string]json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		c := lxcmetrics.Cycle{Entries: make([]lxcmetrics.Entry, 0, len(raw))}
		for key, value := range raw {
			if key == "summary" {
				var s jsonExportSummary
				if err := json.Unmarshal(value, &s); err != nil {
					return nil, err
				}
				c.Start, _ = time.Parse(jsonTimeLayout, s.CollectionStartTime)
				c.End, _ = time.Parse(jsonTimeLayout, s.CollectionEndTime)
				c.Total, c.MonitorCPUPercent = s.TotalContainers, s.MonitorCPUPercent
				c.MonitorMemoryBytes = uint64(s.MonitorMemoryUsageMB * mib)
				continue
			}
			vmid, err := strconv.Atoi(key)
			if err != nil {
				return nil, fmt.Errorf("key %q", key)
			}
			var je jsonExportEntry
			if err := json.Unmarshal(value, &je); err != nil {
				return nil, err
			}
			en := lxcmetrics.Entry{
				VMID: vmid, Node: je.Node, CPUPercent: je.CPUUsagePercent, Cores: je.Cores,
				MemUsed: uint64(je.MemoryUsageMB * mib), MemLimit: uint64(je.MemoryLimitMB * mib),
				SwapUsed: uint64(je.SwapUsageMB * mib), SwapLimit: uint64(je.SwapTotalMB * mib),
				DiskRead: je.IOStats.Reads * exportSectorBytes, DiskWrite: je.IOStats.Writes * exportSectorBytes,
				NetIn: je.NetworkUsage.RxBytes, NetOut: je.NetworkUsage.TxBytes,
				DiskUsed: uint64(je.FilesystemUsageGB * bytesPerGiB), DiskSize: uint64(je.FilesystemTotalGB * bytesPerGiB),
			}
			en.Time, _ = time.Parse(jsonTimeLayout, je.Timestamp)
			if je.Pressure != nil {
				p := je.Pressure
				en.Pressure = &proxmox.Pressure{CPUSome: p.CPUSome, CPUFull: p.CPUFull, IOSome: p.IOSome, IOFull: p.IOFull, MemorySome: p.MemorySome, MemoryFull: p.MemoryFull}
			}
			if je.AnomalyScore != nil {
				en.Score = *je.AnomalyScore
			}
			c.Entries = append(c.Entries, en)
		}
		cycles = append(cycles, c)
	}
	return cycles, nil
}

// TestEncodeExportJSONSameData guards the comparison: the encoding/json
// baseline writes a file that decodes to the same cycles.
func TestEncodeExportJSONSameData(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "lxc_metrics.json")
	cycles := exportTestCycles()
	if err := durable.WriteAtomic(path, export.FileMode, func(w io.Writer) error { return encodeExportJSON(w, cycles) }); err != nil {
		t.Fatal(err)
	}
	var want []lxcmetrics.Cycle
	for _, c := range cycles {
		want = append(want, exportNormalized(c))
	}
	if d := lxcmetrics.Diff(decodeFile(t, path), want); d != "" {
		t.Error(d)
	}
}
