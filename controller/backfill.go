package controller

import (
	"context"
	"math"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/backfill"
	"github.com/lxc-autoscale/lxc-autoscale/controller/engine"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// The RRD backfill fills each running container's window with the hour
// Proxmox keeps (one-minute averages), so that the model and the
// decreases, which need a stabilisation window of history, need not wait
// for live ticks to gather it. It reads one container per call, minutes
// at 10,000 containers, so it runs in the background (controller/backfill)
// and never holds a pass back: an increase needs StabilizationUp of
// samples, a decrease a window that covers StabilizationDown
// (scaling.Series.Sustained), so a container whose history has not arrived
// is increased as soon as the live ticks show it must be, and decreased
// only once its history, read or lived, covers the period.
//
// A container is asked for once, the first time a listing shows it running
// (at start, or later: created, started, back from a node that was down),
// for the points before that listing. One the loop forgets leaves the
// queue and is asked for again if it comes back. The loop folds what was
// read (Window.Merge: in time order with the live samples and what
// lxc_metrics.json restored) at the start of a pass and while it waits for
// the next one.
type backfillRun struct {
	*backfill.Backfiller // nil until the first pass that collects
	asked                map[int]bool
	// from is the first pass's tick start; initial how many of its
	// containers are still to come.
	from    time.Time
	initial int
	// rest is the first rest of a node whose reads fail; timeout bounds
	// one read.
	rest, timeout time.Duration
}

// askBackfill starts the backfill at the first pass that collected and
// asks for every container listed running for the first time.
func (c *Controller) askBackfill(ctx context.Context, t engine.Tick) {
	if !c.opts.Backfill {
		return
	}
	b := &c.backfill
	first := b.Backfiller == nil
	if first {
		b.Backfiller = backfill.New(backfill.Options{
			Read: func(ctx context.Context, ref proxmox.Ref) ([]proxmox.RRDPoint, error) {
				return c.cluster.RRD(ctx, ref, proxmox.TimeframeHour, proxmox.CFAverage)
			},
			Classify: backfillFailure,
			Log:      c.log, Pending: c.metrics.backfillLeft, Workers: c.opts.BackfillConcurrency,
			ReadTimeout: b.timeout, Rest: b.rest, MaxRest: 5 * time.Minute,
		})
		b.Start(ctx)
		b.asked, b.from = map[int]bool{}, t.Start
	}
	sel, _ := c.policies()
	var jobs []backfill.Job
	for _, ct := range t.Containers {
		if ct.Status != "running" || ct.Template || b.asked[ct.VMID] {
			continue
		}
		b.asked[ct.VMID] = true
		pool := ct.Pool
		if pool == "" {
			pool = c.Pools[ct.VMID]
		}
		_, rules, excluded := sel.Select(ct.VMID, ct.Tags, pool)
		st := c.state.Containers[ct.VMID]
		var levels []backfill.Level
		if rules.CPU.Enabled {
			levels = append(levels, backfill.Level{Utilisation: engine.CPUFraction(ct.CPU), Up: rules.CPU.Up, Down: rules.CPU.Down})
		}
		if rules.Memory.Enabled && ct.MaxMem > 0 {
			levels = append(levels, backfill.Level{Utilisation: float64(ct.Mem) / float64(ct.MaxMem), Up: rules.Memory.Up, Down: rules.Memory.Down})
		}
		jobs = append(jobs, backfill.Job{
			Listing: ct, Oldest: t.Start.Add(-c.opts.Window), Before: t.Start, Initial: first,
			Rank: backfill.RankOf(excluded == "" && (st == nil || !st.Paused), levels...),
		})
	}
	if first {
		b.initial = len(jobs)
	}
	b.Ask(jobs)
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

// forgetBackfill drops a container the loop forgot from the queue.
func (c *Controller) forgetBackfill(vmid int) {
	if b := &c.backfill; b.Backfiller != nil && b.asked[vmid] {
		delete(b.asked, vmid)
		b.Forget(vmid)
	}
}

// foldBackfill merges the histories read since the last fold into the
// windows. Once the first pass's containers are all done, a model trained
// before their histories were in (on a sample or two per container) is
// made due, so the next pass trains on the hour.
func (c *Controller) foldBackfill() {
	b := &c.backfill
	if b.Backfiller == nil {
		return
	}
	results := b.Take()
	samples, initial := 0, 0
	var rows []engine.Sample
	for _, r := range results {
		if r.Job.Initial {
			initial++
		}
		tr := c.Tracked[r.Job.Listing.VMID]
		if tr == nil || len(r.Points) == 0 {
			continue
		}
		rows = rows[:0]
		for _, p := range r.Points {
			if s, ok := sampleFromRRD(p, r.Job.Listing); ok {
				rows = append(rows, s)
			}
		}
		samples += tr.Window.Merge(rows)
	}
	c.metrics.backfilled.Add(float64(samples))
	if initial > 0 && b.initial > 0 {
		if b.initial -= initial; b.initial <= 0 && c.Model != nil && !c.ModelTrainedAt.Before(b.from) {
			c.ModelTrainedAt = c.ModelTrainedAt.Add(-c.opts.Model.RetrainInterval)
		}
	}
}

// backfillReady is ready when histories may wait to be folded; nil (never
// ready) before the backfill starts.
func (c *Controller) backfillReady() <-chan struct{} {
	if c.backfill.Backfiller == nil {
		return nil
	}
	return c.backfill.Ready()
}

// stopBackfill waits for the backfill to stop once Run's ctx is cancelled.
func (c *Controller) stopBackfill() {
	if c.backfill.Backfiller != nil {
		<-c.backfill.Done()
	}
}

// sampleFromRRD converts an RRD point (rates already per second, averages
// over the step) into a sample; ok is false for a point with no data. RRD
// has no swap: the current listing's swap stands in for it.
func sampleFromRRD(p proxmox.RRDPoint, cur proxmox.Container) (engine.Sample, bool) {
	cpu, mem, ok := rrdUsage(p)
	maxCPU, _ := p.MaxCPU.Get()
	maxMem, ok4 := p.MaxMem.Get()
	if !ok || !ok4 {
		return engine.Sample{}, false
	}
	get := func(o proxmox.OptFloat) float64 {
		if v, ok := o.Get(); ok {
			return v
		}
		return math.NaN()
	}
	bytes := func(o proxmox.OptFloat, fallback uint64) uint64 {
		if v, ok := o.Get(); ok && v >= 0 {
			return uint64(v)
		}
		return fallback
	}
	return engine.Sample{
		Time: p.Time,
		CPU:  cpu, Cores: maxCPU,
		Mem: uint64(mem), MaxMem: uint64(max(0, maxMem)),
		Swap: cur.Swap, MaxSwap: cur.MaxSwap,
		Disk: bytes(p.Disk, cur.Disk), MaxDisk: bytes(p.MaxDisk, cur.MaxDisk),
		NetIn: get(p.NetIn), NetOut: get(p.NetOut), DiskRead: get(p.DiskRead), DiskWrite: get(p.DiskWrite),
		PressureCPU: get(p.PressureCPUSome), PressureMemory: get(p.PressureMemSome), PressureIO: get(p.PressureIOSome),
	}, true
}
