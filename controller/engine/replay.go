package engine

import (
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// Observed is what one running container got at a tick: the usage the
// loop would have listed (demand clipped by the allocation) and rates, as
// a replay measures them rather than as counters.
type Observed struct {
	VMID  int
	Name  string
	Alloc scaling.Allocation
	// Stopped lists the container as stopped (a trace's gap): no usage,
	// no sample, no decision but the hold.
	Stopped bool
	// CPUCores are the cores used; MemoryBytes and DiskBytes what is used.
	CPUCores                                float64
	MemoryBytes                             uint64
	DiskBytes                               uint64
	NetRate, IORate                         float64 // bytes per second
	PressureCPU, PressureMemory, PressureIO float64 // PSI some avg10, percent
}

// TickOf is the listing the loop would have collected at now: node, and
// every observed container running on it with what it got (controller/
// engine/replay). The samples are measured, not derived from counters: a
// replay has rates.
func TickOf(now time.Time, node scaling.NodeCapacity, observed []Observed) Tick {
	t := Tick{
		Start: now, End: now,
		Nodes:      []proxmox.Node{{Name: node.Node, Status: "online", Online: true, CPUs: node.CPUs, MemoryBytes: node.MemoryBytes}},
		Containers: make([]proxmox.Container, 0, len(observed)),
		Measured:   make([]Sample, 0, len(observed)),
	}
	for _, o := range observed {
		maxMem, maxSwap := uint64(o.Alloc.MemoryMiB)*mib, uint64(o.Alloc.SwapMiB)*mib
		ct := proxmox.Container{
			VMID: o.VMID, Node: node.Node, Name: o.Name, Status: "running",
			CPUs: float64(o.Alloc.Cores), CPU: o.CPUCores / float64(o.Alloc.Cores),
			Mem: o.MemoryBytes, MaxMem: maxMem, MaxSwap: maxSwap,
			Disk: o.DiskBytes, MaxDisk: o.Alloc.DiskBytes,
		}
		s := Sample{
			Time: now,
			CPU:  o.CPUCores, Cores: float64(o.Alloc.Cores),
			Mem: o.MemoryBytes, MaxMem: maxMem, MaxSwap: maxSwap,
			Disk: o.DiskBytes, MaxDisk: o.Alloc.DiskBytes,
			NetIn: o.NetRate, NetOut: 0, DiskRead: o.IORate, DiskWrite: 0,
			PressureCPU: o.PressureCPU, PressureMemory: o.PressureMemory, PressureIO: o.PressureIO,
		}
		if o.Stopped {
			// Listed without usage, as PVE lists one; fold adds no sample.
			ct.Status, ct.CPU, ct.Mem, ct.Disk, s = "stopped", 0, 0, 0, Sample{}
		}
		t.Containers, t.Measured = append(t.Containers, ct), append(t.Measured, s)
	}
	return t
}

// mib is a mebibyte in bytes.
const mib = 1 << 20
