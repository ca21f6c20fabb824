package controller

import (
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/policies"
	"github.com/lxc-autoscale/lxc-autoscale/controller/takeover"
)

// noteUnseen starts the cooldowns of a replica that starts to lead from
// when its knowledge of each listed container begins
// (takeover.NoteUnseen), and moves them back when history it folds
// reaches further. It runs before the engine observes t: a container t
// lists for the first time (or one without samples: stopped) was not
// known before t's end. A replica that watched a container for longer
// than its cooldowns notes nothing; nor does a full window, which has let
// older samples go (what a window cannot hold, no replica can tell).
func (c *Controller) noteUnseen(t engine.Tick, sel policies.Selection) {
	longest := max(sel.Default.CooldownUp, sel.Default.CooldownDown)
	for _, p := range sel.Policies {
		longest = max(longest, p.Rules.CooldownUp, p.Rules.CooldownDown)
	}
	full := t.End.Add(2*c.opts.Interval - c.opts.Window)
	for i := range t.Containers {
		ct := &t.Containers[i]
		tr, at := c.Tracked[ct.VMID], t.End
		switch {
		case ct.Template:
			continue
		case tr == nil:
			tr = &engine.Container{Last: *ct}
		case tr.Window.Len() == 0:
		case !tr.Window.At(0).Time.After(full):
			at = time.Time{} // drops an unseen change noted before, notes none
		case tr.Window.At(0).Time.Add(tr.Window.Resolution()).Before(at):
			// The oldest sample was taken before its rounded time's next step.
			at = tr.Window.At(0).Time.Add(tr.Window.Resolution())
		}
		if st := takeover.NoteUnseen(c.States[ct.VMID], c.AllocationOf(tr), at, t.End, longest); st != nil {
			c.States[ct.VMID] = st
		}
	}
}
