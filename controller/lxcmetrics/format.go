package lxcmetrics

import (
	"cmp"
	"io"
	"slices"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// Unit sizes of the format.
const (
	bytesPerMiB    = 1 << 20
	bytesPerGiB    = 1 << 30
	bytesPerSector = 512
)

// Entry is one container in one cycle. Byte counts are bytes; counters
// are cumulative since the container started, as Proxmox reports them.
//
// It takes 160 bytes (plus 48 for a Pressure, which the listing already
// allocated): 160 MB for 1,000 containers x 1,000 cycles.
type Entry struct {
	VMID       int
	Node       string
	Time       time.Time
	CPUPercent float64 // utilisation of the allocated cores, 0..100 (PVE cpu x 100)
	Cores      float64 // allocated (cpus)
	// Memory and swap use and limits.
	MemUsed, MemLimit, SwapUsed, SwapLimit uint64
	// DiskRead and DiskWrite are cumulative bytes, written as io_stats in
	// 512-byte sectors.
	DiskRead, DiskWrite uint64
	// NetIn and NetOut are cumulative bytes: network_usage rx_bytes and
	// tx_bytes.
	NetIn, NetOut uint64
	// DiskUsed and DiskSize are the root filesystem's: filesystem_usage_gb,
	// filesystem_total_gb and filesystem_free_gb.
	DiskUsed, DiskSize uint64
	Pressure           *proxmox.Pressure // nil when absent
	Score              float64           // anomaly score; NaN when none (then omitted)
}

// Cycle is one collection cycle: the running containers collected and the
// summary of the pass.
type Cycle struct {
	Start, End time.Time
	// Total is the number of containers listed (total_containers);
	// len(Entries) is the number collected (collected_containers).
	Total   int
	Entries []Entry
	// MonitorCPUPercent and MonitorMemoryBytes are this process's CPU use
	// over the cycle and its memory (summary.monitor_cpu_percent and
	// summary.monitor_memory_usage_mb).
	MonitorCPUPercent  float64
	MonitorMemoryBytes uint64
}

// SortEntries puts entries in VMID order and keeps the last entry of a
// VMID given more than once, as Python's json does with a repeated key.
func SortEntries(entries []Entry) []Entry {
	// IsSortedFunc asks whether each entry compares below the one before
	// it: "not above" is below, so that a repeated VMID needs the work.
	strictlyIncreasing := func(a, b Entry) int {
		if a.VMID > b.VMID {
			return 1
		}
		return -1
	}
	if slices.IsSortedFunc(entries, strictlyIncreasing) {
		return entries
	}
	slices.SortStableFunc(entries, func(a, b Entry) int { return cmp.Compare(a.VMID, b.VMID) })
	kept := entries[:0]
	for i := range entries {
		if i+1 < len(entries) && entries[i+1].VMID == entries[i].VMID {
			continue
		}
		kept = append(kept, entries[i])
	}
	clear(entries[len(kept):])
	return kept
}

// Decode parses an lxc_metrics.json: ours or the original monitor's.
// It reads r in blocks; the whole input is never held at once, but every
// cycle it holds is returned.
func Decode(r io.Reader) ([]Cycle, error) {
	cycles := []Cycle{}
	if err := Stream(r, func(c Cycle) bool { cycles = append(cycles, c); return true }); err != nil {
		return nil, err
	}
	return cycles, nil
}
