package controller

import (
	"context"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/backfill"
	"github.com/lxc-autoscale/lxc-autoscale/controller/engine"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// backfillRun is the RRD backfill (controller/backfill): an hour of
// history per container (and its week for the coarse tiers), read in the
// background and folded into the windows by the loop, so that the model
// and the decreases need not wait for the live ticks to gather it, and no
// pass waits for it.
type backfillRun struct {
	*backfill.Backfiller           // nil until the first pass that collects
	from                 time.Time // of that pass's tick
	// rest is the first rest of a node whose reads fail; timeout bounds
	// one read.
	rest, timeout time.Duration
}

// askBackfill starts the backfill at the first pass that collected and
// asks for the containers the tick lists running for the first time.
func (c *Controller) askBackfill(ctx context.Context, t engine.Tick) {
	if !c.opts.Backfill {
		return
	}
	b := &c.backfill
	if b.Backfiller == nil {
		b.Backfiller = backfill.New(backfill.Options{
			Read: c.cluster.RRD, Classify: backfillFailure,
			Log: c.log, Pending: c.metrics.backfillLeft, Workers: c.opts.BackfillConcurrency,
			ReadTimeout: b.timeout, Rest: b.rest, MaxRest: 5 * time.Minute,
		})
		b.Start(ctx)
		b.from = t.Start
	}
	sel, _ := c.policies()
	b.AskListed(t.Containers, t.Start.Add(-c.opts.Window), t.Start, func(ct proxmox.Container) backfill.Rank {
		pool := ct.Pool
		if pool == "" {
			pool = c.Pools[ct.VMID]
		}
		_, rules, excluded := sel.Select(ct.VMID, ct.Tags, pool)
		st := c.state.Containers[ct.VMID]
		return backfill.RankFor(ct, rules, excluded == "" && (st == nil || !st.Paused))
	})
}

// pauseBackfill holds the backfill's dispatch for the rest of the pass and
// returns what resumes it: on a cluster's first minutes the backfill's RRD
// decoding is most of the process's CPU (77 % at 10,000 containers on 2
// CPUs), and the pass, which decides for every container, goes first.
func (c *Controller) pauseBackfill() (resume func()) {
	b := c.backfill.Backfiller
	if b == nil {
		return func() {}
	}
	b.Pause()
	return b.Resume
}

// backfillFailure maps a failed read to what the schedule does with it.
func backfillFailure(err error) backfill.Failure {
	switch Classify(err) {
	case ClassUnavailable:
		return backfill.Node
	case ClassNotFound, ClassForbidden, ClassInvalid:
		return backfill.GiveUp
	}
	return backfill.Retry
}

// foldBackfill merges the histories read since the last fold into the
// windows (in time order with the live samples and what lxc_metrics.json
// restored). Once the first pass's containers are all in, a model trained
// before (on a sample or two per container) is made due, so that the next
// pass trains on the hour.
func (c *Controller) foldBackfill() {
	b := &c.backfill
	if b.Backfiller == nil {
		return
	}
	results, firstDone := b.Take()
	samples := 0
	for _, r := range results {
		if tr := c.Tracked[r.Job.Listing.VMID]; tr != nil {
			samples += tr.Window.Merge(r.Samples)
			tr.Window.MergeCoarse(r.Coarse)
			backfill.FeedUsage(&tr.Usage, r.Samples, r.Coarse)
		}
	}
	c.metrics.backfilled.Add(float64(samples))
	c.historyGrew = c.historyGrew || samples > 0
	if firstDone && c.Model != nil && !c.ModelTrainedAt.Before(b.from) {
		c.ModelTrainedAt = c.ModelTrainedAt.Add(-c.opts.Model.RetrainInterval)
	}
}

// sleep waits d, folding the backfill's histories as they come; false when
// ctx was cancelled first.
func (c *Controller) sleep(ctx context.Context, d time.Duration) bool {
	var ready <-chan struct{}
	if c.backfill.Backfiller != nil {
		ready = c.backfill.Ready()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-ready:
			c.foldBackfill()
		case <-timer.C:
			return true
		}
	}
}

// forget drops a container the loop forgot from the queue.
func (b *backfillRun) forget(vmid int) {
	if b.Backfiller != nil {
		b.Forget(vmid)
	}
}

// stopBackfill waits for the backfill to stop once Run's ctx is cancelled.
func (c *Controller) stopBackfill() {
	if c.backfill.Backfiller != nil {
		<-c.backfill.Done()
	}
}
