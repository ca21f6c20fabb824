package controller

import (
	"context"
	"fmt"
	"strings"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// apply carries out the admitted decisions, in order, through the
// Actuator, journals them and records their outcomes; of the idle ones (no
// change wanted) only the holds are counted.
func (c *Controller) apply(ctx context.Context, idle, admitted []scaling.Decision) {
	var held tally[[2]string] // resource, reason
	defer held.Each(c.metrics.skip)
	for i := range idle {
		d := &idle[i]
		for j := range d.Holds {
			c.recordHold(&held, d, &d.Holds[j])
		}
		c.unrecommend(d.VMID)
	}
	for i := range admitted {
		d := &admitted[i] // not a copy of each of the pass's decisions
		for j := range d.Holds {
			c.recordHold(&held, d, &d.Holds[j])
		}
		if len(d.Changes) == 0 {
			c.unrecommend(d.VMID)
			continue
		}
		tr := c.Tracked[d.VMID]
		if ctx.Err() != nil {
			c.log.Warn().Int("vmid", d.VMID).Msg("pass deadline reached or shutting down; leaving the remaining decisions to the next tick")
			return
		}
		if d.Mode == scaling.ModeRecommend {
			// A recommendation repeats every tick until acted on: report
			// it when it changes, not every tick.
			key := recommendationKey(d.Changes)
			if key == tr.Recommended {
				continue
			}
			tr.Recommended = key
			if c.recommending == nil {
				c.recommending = map[int]bool{}
			}
			c.recommending[d.VMID] = true
		}
		c.Protect(d.VMID, func() {
			intent := c.journalIntent(*d)
			outcomes := c.actuator.Apply(ctx, *d, tr.Alloc)
			now := c.now()
			c.Engine.Record(d.VMID, outcomes, now)
			c.journalOutcome(*d, intent, outcomes, now)
			c.stateDirty = true
		})
	}
}

// unrecommend forgets the recommendation reported for vmid, if any. Few
// containers have one (recommend mode's, until their decision changes
// nothing): the set of those spares a lookup of each container a pass.
func (c *Controller) unrecommend(vmid int) {
	if c.recommending[vmid] {
		if tr := c.Tracked[vmid]; tr != nil {
			tr.Recommended = ""
		}
		delete(c.recommending, vmid)
	}
}

// recordHold counts a wanted change that was held back into held. Holds
// that are not a wanted change (disabled, no data) are not counted, nor a
// resource left to the administrator: that is a standing verdict, logged
// once when it starts (learnConfigs), not a change held back every pass.
func (c *Controller) recordHold(held *tally[[2]string], d *scaling.Decision, h *scaling.Hold) {
	switch h.Reason {
	case scaling.SkipDisabled, scaling.SkipNoData, scaling.SkipNotRunning, scaling.SkipAtLimit, scaling.SkipUnmanaged:
		return
	}
	held.Add([2]string{string(h.Resource), string(h.Reason)})
	// The detail is formatted only when the line is written.
	if ev := c.log.Debug(); ev.Enabled() {
		ev.Int("vmid", d.VMID).Str("node", d.Node).Str("resource", string(h.Resource)).
			Str("reason", string(h.Reason)).Str("detail", h.Detail()).Msg("change held back")
	}
}

// recommendationKey identifies what a recommendation asks for, without its
// reason (whose durations change every tick).
func recommendationKey(changes []scaling.Change) string {
	var b strings.Builder
	for _, ch := range changes {
		fmt.Fprintf(&b, "%s %s %d>%d;", ch.Resource, ch.Direction, ch.From, ch.To)
	}
	return b.String()
}
