package sim

import (
	"math"
	"slices"

	"github.com/lxc-autoscale/lxc-autoscale/controller/lxcmetrics"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// TraceFromExport converts export cycles (oldest first) into a trace. The
// initial allocation is the first sample's cores and memory limit, which
// our exporter writes and the original's does not; rates are the growth of
// the cumulative counters between two samples (0 after a counter reset).
// It returns how many samples it dropped for not being later than the
// previous sample of their container.
func TraceFromExport(cycles []lxcmetrics.Cycle, defaults scaling.Allocation) (Trace, int) {
	type last struct {
		entry lxcmetrics.Entry
		index int
	}
	var tr Trace
	seen := make(map[int]*last)
	dropped := 0
	for _, cy := range cycles {
		for _, en := range cy.Entries {
			cores := en.Cores
			prev := seen[en.VMID]
			if prev == nil {
				c := TraceContainer{VMID: en.VMID, Initial: defaults}
				if en.Cores > 0 {
					c.Initial.Cores = int(math.Ceil(en.Cores))
				}
				if en.MemLimit > 0 {
					c.Initial.MemoryMiB = int((en.MemLimit + bytesPerMiBFloat - 1) / bytesPerMiBFloat)
				}
				if en.DiskSize > 0 {
					c.Initial.DiskBytes = en.DiskSize
				}
				tr.Containers = append(tr.Containers, c)
				prev = &last{index: len(tr.Containers) - 1}
				seen[en.VMID] = prev
			} else if !en.Time.After(prev.entry.Time) {
				dropped++
				continue
			}
			c := &tr.Containers[prev.index]
			if cores <= 0 {
				cores = float64(c.Initial.Cores)
			}
			pt := TracePoint{
				Time:        en.Time,
				CPUCores:    en.CPUPercent * cores / 100,
				MemoryBytes: en.MemUsed,
				DiskBytes:   en.DiskUsed,
			}
			if psi := en.Pressure; psi != nil {
				pt.PressureCPU, pt.PressureMemory, pt.PressureIO = psi.CPUSome, psi.MemorySome, psi.IOSome
			}
			if len(c.Points) > 0 {
				seconds := en.Time.Sub(prev.entry.Time).Seconds()
				pt.NetRate = counterRate(prev.entry.NetIn+prev.entry.NetOut, en.NetIn+en.NetOut, seconds)
				pt.IORate = counterRate(prev.entry.DiskRead+prev.entry.DiskWrite, en.DiskRead+en.DiskWrite, seconds)
			}
			c.Points = append(c.Points, pt)
			prev.entry = en
		}
	}
	slices.SortFunc(tr.Containers, func(a, b TraceContainer) int { return a.VMID - b.VMID })
	return tr, dropped
}

func counterRate(before, after uint64, seconds float64) float64 {
	if after < before || seconds <= 0 {
		return 0 // the container restarted: its counters began again
	}
	return float64(after-before) / seconds
}
