package engine

import (
	"math"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine/resizes"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// noteResizes notes the changes between two allocations of a container
// observed at prevAt and at (controller/engine/resizes).
func (e *Engine) noteResizes(vmid int, prev, cur scaling.Allocation, prevAt, at time.Time) {
	resizes.Note(func() *scaling.ContainerState { return e.containerState(vmid) }, prev, cur, prevAt, at)
}

// NoteResizesFromWindows notes the changes of limits each window holds
// (listings, lxc_metrics.json and the RRD backfill, whose maxcpu and
// maxmem carry them), each at the end of the time unit of the first sample
// under the new limits (the window keeps times rounded down): the changes made before this instance watched the container,
// for a replica that starts to lead. Cheap: a window keeps its limits once
// per change.
func (e *Engine) NoteResizesFromWindows() {
	for vmid, tr := range e.Tracked {
		w := tr.Window
		for k := 1; k < len(w.lims); k++ {
			i := int(w.lims[k].from - w.first)
			if i <= 0 || i >= w.n {
				continue
			}
			// A stored time is its sample's, rounded down to the window's
			// unit: the sample was taken before the next unit began.
			unit := time.Duration(max(w.unit, 1)) * time.Second
			e.noteResizes(vmid, limitsAllocation(w.lims[k-1]), limitsAllocation(w.lims[k]), w.timeAt(i-1), w.timeAt(i).Add(unit))
		}
	}
}

func limitsAllocation(l limits) scaling.Allocation {
	return scaling.Allocation{
		Cores: int(math.Ceil(float64(l.cores))), MemoryMiB: int(l.maxMemKiB >> 10),
		SwapMiB: int(l.maxSwapKiB >> 10), DiskBytes: uint64(l.maxDiskMiB) << 20,
	}
}
