package controller

import (
	"cmp"

	"github.com/lxc-autoscale/lxc-autoscale/controller/audit"
	"github.com/lxc-autoscale/lxc-autoscale/controller/notify"
)

// maxAnomalyNotices are the containers turning anomalous that one pass
// tells one by one; the rest are counted in one event, so that the first
// model (or a cluster-wide surge) does not fill the webhooks' queues.
const maxAnomalyNotices = 10

// ChangeEvent is the event of a resource change's record; false for one
// nobody is told of (skipped, a task started).
func ChangeEvent(r audit.Record) (notify.Event, bool) {
	kind, ok := notify.KindOfResult(r.Result)
	return notify.Event{
		Kind: kind, VMID: r.VMID, Node: r.Node, Resource: r.Resource, Direction: r.Direction, From: r.From, To: r.To,
		Result: r.Result, Reason: r.Reason, Mode: r.Mode, Policy: r.Policy, Source: r.Source, Error: r.Error,
	}, ok
}

// tell hands ev to Options.Notify, if any, with the container's name and
// node; loop goroutine only (it reads Tracked).
func (c *Controller) tell(ev notify.Event) {
	if c.opts.Notify == nil {
		return
	}
	if tr := c.Tracked[ev.VMID]; tr != nil {
		ev.Name = tr.Name
		ev.Node = cmp.Or(ev.Node, tr.Node)
	}
	c.opts.Notify(ev)
}

// notifyAnomalous is the engine's Anomalous hook.
func (c *Controller) notifyAnomalous(vmid int, score float64) {
	if c.anomalies++; c.anomalies <= maxAnomalyNotices {
		c.tell(notify.AnomalyEvent(vmid, score))
	}
}

// endAnomalies tells how many more containers turned anomalous in the
// pass than were told one by one.
func (c *Controller) endAnomalies() {
	if more := c.anomalies - maxAnomalyNotices; more > 0 {
		c.tell(notify.AnomalySummary(more))
	}
	c.anomalies = 0
}
