package engine

import (
	"github.com/lxc-autoscale/lxc-autoscale/controller/engine/admission"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// Admit orders the decisions that want a change by urgency and passes
// them through the guard, with the room of the tick's nodes. It returns
// the decisions that want nothing (idle) and the others as admitted, most
// urgent first, and puts the admitted ones back into all
// (controller/engine/admission).
func (e *Engine) Admit(t Tick, all []scaling.Decision, guard *scaling.Guard) (idle, admitted []scaling.Decision) {
	return admission.Admit(t.Nodes, t.Containers, all, guard, e.workers(len(t.Containers)), func(_ int, d *scaling.Decision) float64 {
		return e.Tracked[d.VMID].Window.LastPressure()
	})
}
