package main

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/config"
	"github.com/lxc-autoscale/lxc-autoscale/controller"
	"github.com/lxc-autoscale/lxc-autoscale/controller/audit"
	"github.com/lxc-autoscale/lxc-autoscale/controller/manual"
	"github.com/lxc-autoscale/lxc-autoscale/controller/notify"
)

// notifyDrain is how long a stopping daemon lets the webhooks take the
// events still queued (the last changes' among them).
const notifyDrain = 10 * time.Second

// newNotifier starts the webhooks of notify.webhooks; nil when there are
// none. An event a webhook did not get goes to the audit record, if any.
func newNotifier(n config.Notify, log zerolog.Logger, reg prometheus.Registerer, rec *audit.Log) (*notify.Notifier, error) {
	if len(n.Webhooks) == 0 {
		return nil, nil
	}
	o := notify.Options{Logger: log, Registerer: reg}
	for i, w := range n.Webhooks {
		hook := notify.Webhook{Name: w.Name, URL: w.URL.Value(), Format: notify.Format(w.Format)}
		if !w.Secret.IsZero() {
			hook.Secret = []byte(w.Secret.Value())
		}
		for _, e := range w.Events {
			kind, err := notify.ParseKind(e)
			if err != nil { // Validate has refused it already
				return nil, usageErrorf("notify.webhooks[%d].events: %v", i, err)
			}
			hook.Events = append(hook.Events, kind)
		}
		o.Webhooks = append(o.Webhooks, hook)
	}
	if rec != nil {
		o.Failed = func(f notify.Failure) { auditFailure(rec, log, f) }
	}
	return notify.New(o)
}

// auditFailure appends the record of an event a webhook did not get, or
// of those it dropped: the webhook by name (never its URL), the event's
// container and change (the first dropped), and why.
func auditFailure(rec *audit.Log, log zerolog.Logger, f notify.Failure) {
	ev, result := f.Event, "failed"
	reason := fmt.Sprintf("%s event %s given up after %d attempts", ev.Kind, ev.ID, f.Attempts)
	if f.Dropped > 0 {
		result = "dropped"
		reason = fmt.Sprintf("%d events dropped unsent, the first %s event %s", f.Dropped, ev.Kind, ev.ID)
	}
	err := rec.Append(audit.Record{
		Source: "notify:" + f.Webhook, Operation: "notify", VMID: ev.VMID, Node: ev.Node, Resource: ev.Resource,
		Direction: ev.Direction, From: ev.From, To: ev.To, Result: result, Error: f.Err.Error(), Reason: reason,
	})
	if err != nil {
		log.Error().Err(err).Str("webhook", f.Webhook).Msg("append audit record")
	}
}

// notifyFunc is what the controller and the Actuators call: nil without
// webhooks, so that they build no event.
func (d *daemon) notifyFunc() func(notify.Event) {
	if d.notifier == nil {
		return nil
	}
	return d.notifier.Notify
}

// notifyManual is manual.Options.Recorded: it tells a disk grown through
// the API, whose end a task watcher records (the API's other resource
// changes are told by their Actuator).
func (d *daemon) notifyManual() func(audit.Record) {
	if d.notifier == nil {
		return nil
	}
	return func(r audit.Record) {
		if ev, ok := controller.ChangeEvent(r); ok && r.Operation == manual.OpResize {
			d.notifier.Notify(ev)
		}
	}
}

// closeNotifier lets the webhooks take what is queued, for notifyDrain at
// most.
func (d *daemon) closeNotifier() {
	ctx, cancel := context.WithTimeout(context.Background(), notifyDrain)
	defer cancel()
	d.notifier.Close(ctx)
}

// notifyLeader is the lease's OnChange: the webhooks hear when this
// replica becomes leader or stops leading. The new leader's event names
// it; the old one's names none, since it may not know who took over.
func (d *daemon) notifyLeader(leading bool, holder, why string) {
	if leading {
		d.notifier.LeaderChanged(holder, "acquired")
		return
	}
	d.notifier.LeaderChanged("", why)
}
