package admission

import (
	"github.com/lxc-autoscale/lxc-autoscale/controller/chunks"
	"github.com/lxc-autoscale/lxc-autoscale/controller/engine/listing"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/urgency"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// Admit orders the decisions of all that want a change by urgency (the
// pressure of all[i] given by pressure) and passes them through the
// guard, with the room of the nodes and what cts, their listing,
// allocates on them. It returns the decisions that want nothing (idle)
// and the others as admitted, most urgent first, and puts the admitted
// ones back into all. w goroutines guard what follows a spent budget.
func Admit(nodes []proxmox.Node, cts []proxmox.Container, all []scaling.Decision, guard *scaling.Guard, w int, pressure func(i int, d *scaling.Decision) float64) (idle, admitted []scaling.Decision) {
	// Most containers need nothing: only decisions with changes go
	// through the ordering and the guard, ordered and guarded where they
	// are in all.
	changing := 0
	for i := range all {
		if len(all[i].Changes) > 0 {
			changing++
		}
	}
	order := make([]int, 0, changing)
	idle = make([]scaling.Decision, 0, len(all)-changing)
	for i := range all {
		if len(all[i].Changes) > 0 {
			order = append(order, i)
		} else {
			idle = append(idle, all[i])
		}
	}
	urgency.Order(all, order, pressure)
	capacity := make([]scaling.NodeCapacity, 0, len(nodes))
	for _, n := range nodes {
		capacity = append(capacity, scaling.NodeCapacity{Node: n.Name, CPUs: n.CPUs, MemoryBytes: n.MemoryBytes})
	}
	pass := guard.NewPass(capacity, listing.AllocatedOf(cts))
	admitted = make([]scaling.Decision, len(order))
	settled := 0
	for ; settled < len(order) && !pass.Settled(); settled++ {
		i := order[settled]
		admitted[settled] = pass.Admit(all[i])
		// The snapshot shows what the guard made of each decision.
		all[i] = admitted[settled]
	}
	// Once the write budget is spent (a dry run's thousands held back),
	// what the guard makes of a decision is its own: the rest in ranges on
	// w goroutines (controller/chunks), each with a Fork of the pass.
	rest := order[settled:]
	chunks.Run(len(rest), w, func(from, to int) {
		fork := pass.Fork()
		for k := from; k < to; k++ {
			admitted[settled+k] = fork.Admit(all[rest[k]])
			all[rest[k]] = admitted[settled+k]
		}
	})
	return idle, admitted
}
