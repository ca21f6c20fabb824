package controller

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// backfill fills the windows of the running containers of the first tick
// from their RRD history (the hour at one-minute resolution), so decisions
// and the model can start at once instead of after a window of live ticks.
// It reads with bounded concurrency and logs progress; a container whose
// history cannot be read simply starts empty.
func (c *Controller) backfill(ctx context.Context, t engine.Tick) {
	var todo []proxmox.Container
	for _, ct := range t.Containers {
		if ct.Status == "running" && !ct.Template {
			todo = append(todo, ct)
		}
	}
	if len(todo) == 0 {
		return
	}
	started := time.Now()
	c.log.Info().Int("containers", len(todo)).Int("concurrency", c.opts.BackfillConcurrency).Msg("backfilling windows from RRD history")
	points := make([][]proxmox.RRDPoint, len(todo))
	var done, failed atomic.Int64
	sem := make(chan struct{}, c.opts.BackfillConcurrency)
	var wg sync.WaitGroup
	step := max(1, len(todo)/10)
	for i, ct := range todo {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			p, err := c.cluster.RRD(ctx, proxmox.Ref{Node: ct.Node, VMID: ct.VMID}, proxmox.TimeframeHour, proxmox.CFAverage)
			if err != nil {
				failed.Add(1)
				c.log.Debug().Err(err).Int("vmid", ct.VMID).Msg("reading RRD history failed; the window starts empty")
			}
			points[i] = p
			if n := done.Add(1); n%int64(step) == 0 {
				c.log.Info().Int64("done", n).Int("of", len(todo)).Msg("backfill progress")
			}
		})
	}
	wg.Wait()

	// The windows may already hold this hour from lxc_metrics.json (a
	// restart): both go in, in time order, rather than the RRD's older
	// points being refused by a window that only appends.
	samples := 0
	oldest := t.End.Add(-c.opts.Window)
	var rows []engine.Sample
	for i, ct := range todo {
		tr := c.Tracked[ct.VMID]
		if tr == nil {
			tr = &engine.Container{Listed: engine.Listed{VMID: ct.VMID, Node: ct.Node}, Score: math.NaN(), Window: c.NewWindow()}
			c.Tracked[ct.VMID] = tr
		}
		rows = rows[:0]
		for _, p := range points[i] {
			if p.Time.Before(oldest) || !p.Time.Before(t.Start) {
				continue
			}
			if s, ok := sampleFromRRD(p, ct); ok {
				rows = append(rows, s)
			}
		}
		samples += tr.Window.Merge(rows)
	}
	c.metrics.backfilled.Add(float64(samples))
	c.log.Info().Int("containers", len(todo)).Int("samples", samples).Int64("failed", failed.Load()).
		Dur("took", time.Since(started)).Msg("backfill done")
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
