package listing

import (
	"math"
	"slices"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// AllocationOf reads the allocation from a listing entry.
func AllocationOf(c proxmox.Container) scaling.Allocation {
	return scaling.Allocation{
		Cores:     int(math.Ceil(c.CPUs)),
		MemoryMiB: int(c.MaxMem >> 20),
		SwapMiB:   int(c.MaxSwap >> 20),
		DiskBytes: c.MaxDisk,
	}
}

// AllocatedOf sums what each node gives its running containers. A
// listing comes node by node: a run of one node's containers is summed
// before it goes into the map, one lookup per run instead of per
// container. The sums are the same, added in the same order.
func AllocatedOf(cts []proxmox.Container) map[string]scaling.Allocated {
	allocated := map[string]scaling.Allocated{}
	var node string
	var a scaling.Allocated
	have := false
	for i := range cts {
		ct := &cts[i]
		if ct.Status != "running" {
			continue
		}
		if !have || ct.Node != node {
			if have {
				allocated[node] = a
			}
			node, a, have = ct.Node, allocated[ct.Node], true
		}
		a.Cores += ct.CPUs
		a.MemoryBytes += ct.MaxMem
	}
	if have {
		allocated[node] = a
	}
	return allocated
}

// VMIDs tells whether a listing names a VMID twice, with memory kept from
// listing to listing. The zero VMIDs is ready.
type VMIDs struct {
	bits []uint64
	ids  []int // sorted copy, when two VMIDs share a bit
}

// Fusable reports whether the engine may fold, score and decide each
// entry of cts in one walk and decide what folding them all first decides:
// every VMID listed once (one listed twice is decided at its last listing,
// with both samples) and none that tracked says is followed listed as a
// template (the fold skips a template, and a followed one is decided until
// the fold forgets it).
func (v *VMIDs) Fusable(cts []proxmox.Container, tracked func(vmid int) bool) bool {
	for i := range cts {
		if cts[i].Template && tracked(cts[i].VMID) {
			return false
		}
	}
	return v.Distinct(cts)
}

// Distinct reports whether no VMID is listed twice in cts. Each VMID sets
// the bit of its low bits in a set of at least 64 bits per container
// (4,096 at least, a power of two): PVE hands VMIDs out in sequence, so
// that a cluster's rarely share one, and the check is a bit a container.
// Only when two share a bit are the VMIDs sorted and compared: the answer
// is always exact.
func (v *VMIDs) Distinct(cts []proxmox.Container) bool {
	words := 64 // 4,096 bits
	for words*64 < 64*len(cts) {
		words *= 2
	}
	if len(v.bits) != words {
		v.bits = make([]uint64, words)
	} else {
		clear(v.bits)
	}
	mask := uint(words*64 - 1)
	for i := range cts {
		b := uint(cts[i].VMID) & mask
		if v.bits[b/64]&(1<<(b%64)) != 0 {
			return v.sorted(cts)
		}
		v.bits[b/64] |= 1 << (b % 64)
	}
	return true
}

// sorted is Distinct by sorting a copy of the VMIDs.
func (v *VMIDs) sorted(cts []proxmox.Container) bool {
	v.ids = v.ids[:0]
	for i := range cts {
		v.ids = append(v.ids, cts[i].VMID)
	}
	slices.Sort(v.ids)
	for i := 1; i < len(v.ids); i++ {
		if v.ids[i] == v.ids[i-1] {
			return false
		}
	}
	return true
}

// CPUFraction is PVE's cpu as the share of the allocation it means, 0 to 1.
// PVE divides a cgroup usage delta by a wall-clock interval that is never
// exact, so a container pinned at its limit reads a few % above 1.0 now and
// then; it cannot use more than it has, and neither the window nor the
// export's cpu_usage_percent (0-100 in the original format) should say so.
func CPUFraction(v float64) float64 {
	if !(v > 0) { // negative or NaN
		return 0
	}
	return min(v, 1)
}
