package resizes

import (
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// Note notes the changes between two allocations of a container observed
// at prevAt and at (the later one) in its state, which state gives (made
// when missing: asked for only when a change is to be noted).
func Note(state func() *scaling.ContainerState, prev, cur scaling.Allocation, prevAt, at time.Time) {
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
		st := state()
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
