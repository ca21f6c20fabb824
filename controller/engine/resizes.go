package engine

import (
	"math"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// Resizes made by someone else (another replica that led before, an
// operator in the PVE UI) start the cooldowns as the engine's own do, so
// that a new leader never changes a resource sooner after anyone's change
// than the cooldown allows. The time of such a change is not known, only
// the two observations it lies between: the later one is taken, the
// conservative choice. A change that the engine's own last action on the
// resource explains (same target, made since the earlier observation, and
// known to have landed) is left alone; an own write of unknown outcome
// explains nothing, since another writer may have made the same change
// after it.

// noteResizes compares two allocations of a container observed at prevAt
// and at (the later one).
func (e *Engine) noteResizes(vmid int, prev, cur scaling.Allocation, prevAt, at time.Time) {
	if prev == cur {
		return
	}
	changes := [...]struct {
		res      scaling.Resource
		from, to int64
	}{
		{scaling.ResourceCores, int64(prev.Cores), int64(cur.Cores)},
		{scaling.ResourceMemory, int64(prev.MemoryMiB), int64(cur.MemoryMiB)},
		{scaling.ResourceSwap, int64(prev.SwapMiB), int64(cur.SwapMiB)},
		{scaling.ResourceDisk, int64(prev.DiskBytes), int64(cur.DiskBytes)},
	}
	for _, c := range changes {
		if c.from == c.to || c.from <= 0 && c.res != scaling.ResourceSwap {
			continue // unchanged, or not known before
		}
		st := e.containerState(vmid)
		last, ok := st.LastAction[c.res]
		if ok && (!last.Time.Before(at) || last.To == c.to && !last.Unknown && !last.Time.Before(prevAt)) {
			continue // already counted from as late, or our own change
		}
		dir := scaling.Up
		if c.to < c.from {
			dir = scaling.Down
		}
		if st.LastAction == nil {
			st.LastAction = map[scaling.Resource]scaling.Action{}
		}
		st.LastAction[c.res] = scaling.Action{Time: at, Direction: dir, From: c.from, To: c.to}
	}
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
