package urgency

import (
	"cmp"
	"slices"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// Order puts idx, indices into ds, in the order scaling.Pass.Admit should
// see the decisions they name, most urgent first. It sorts by the most
// urgent change of each decision: a disk growing (a full disk
// stops the container), then memory up (the OOM killer), cores up, swap
// up, any decrease, and last decisions without changes. Within a class the
// higher pressure(i, d) goes first (e.g. the utilisation of the resource;
// nil: no such order), then the lower VMID, so that the order is stable
// from pass to pass.
//
// Decreases come after every increase although they free room: a
// container short of resources should not wait for the budget that a
// reclaim took, and the room a decrease frees serves the next pass.
//
// The decisions do not move: a pass orders thousands of them and guards
// them from where they are. pressure is given the index of the decision
// in ds, for a caller that has it at hand.
func Order(ds []scaling.Decision, idx []int, pressure func(i int, d *scaling.Decision) float64) {
	type keyed struct {
		class    int
		pressure float64
		vmid, i  int
	}
	keys := make([]keyed, len(idx))
	for k, i := range idx {
		d := &ds[i]
		keys[k] = keyed{class: class(d), vmid: d.VMID, i: i}
		if pressure != nil {
			keys[k].pressure = pressure(i, d)
		}
	}
	// The keys are sorted rather than the decisions: smaller to move, and
	// compared without a lookup. The index keeps the sort stable.
	// Compared field by field as needed (cmp.Or would compare all four).
	slices.SortFunc(keys, func(a, b keyed) int {
		if a.class != b.class {
			return cmp.Compare(a.class, b.class)
		}
		if c := cmp.Compare(b.pressure, a.pressure); c != 0 {
			return c
		}
		if a.vmid != b.vmid {
			return cmp.Compare(a.vmid, b.vmid)
		}
		return cmp.Compare(a.i, b.i)
	})
	for k := range keys {
		idx[k] = keys[k].i
	}
}

// class ranks a decision by its most urgent change; lower is more
// urgent.
func class(d *scaling.Decision) int {
	most := 5 // no change
	for i := range d.Changes {
		// Not a copy of the change: it carries its reason's numbers.
		c, k := &d.Changes[i], 4 // 4: any decrease
		if c.Direction == scaling.Up {
			switch c.Resource {
			case scaling.ResourceDisk:
				k = 0
			case scaling.ResourceMemory:
				k = 1
			case scaling.ResourceCores:
				k = 2
			case scaling.ResourceSwap:
				k = 3
			}
		}
		most = min(most, k)
	}
	return most
}
