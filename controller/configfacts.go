package controller

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/controller/chunks"
	"github.com/lxc-autoscale/lxc-autoscale/controller/engine"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// errReadPanicked stands for the result of a config read that panicked.
var errReadPanicked = errors.New("reading the config panicked")

// learnConcurrency bounds the config reads of one pass. They are rare
// (a container is read once per change of its CPU or disk setting), but a
// restart of a large cluster with many unmanaged containers meets them all
// in its first passes.
const learnConcurrency = 8

// learnConfigs reads the config of every container whose decision depends
// on facts the controller does not hold, and decides those containers
// again with them. A read that fails leaves the decision as it was: the
// actuator's own read before the write still guards it.
func (c *Controller) learnConfigs(ctx context.Context, t engine.Tick, decisions []scaling.Decision) {
	// A look at each container's facts, a cache miss apiece at 10,000
	// containers, in ranges on goroutines: each container's own (HoldsFor
	// keeps the disk size it first sees), unless a listing that named a
	// container twice gave it two decisions; then in turn.
	var twice atomic.Bool
	needs := func(i int, inRanges bool) bool {
		if !engine.NeedsFacts(decisions[i]) { // most: no lookup
			return false
		}
		tr := c.Tracked[decisions[i].VMID]
		if inRanges && tr != nil && c.DecisionIn(tr, decisions) != &decisions[i] {
			twice.Store(true)
			return false
		}
		return tr != nil && !tr.Facts.HoldsFor(tr.Last)
	}
	w := chunks.Workers(c.opts.Workers, len(decisions))
	todo := chunks.Filter(len(decisions), w, func(i int) bool { return needs(i, w > 1) })
	if twice.Load() {
		todo = chunks.Filter(len(decisions), 1, func(i int) bool { return needs(i, false) })
	}
	if len(todo) == 0 {
		return
	}
	configs := make([]proxmox.Config, len(todo))
	errs := make([]error, len(todo))
	sem := make(chan struct{}, learnConcurrency)
	var wg sync.WaitGroup
	for k, i := range todo {
		d := decisions[i]
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[k] = errReadPanicked // unless the read returns
			c.Protect(d.VMID, func() {
				configs[k], errs[k] = c.cluster.Config(ctx, proxmox.Ref{Node: d.Node, VMID: d.VMID})
			})
		})
	}
	wg.Wait()
	c.metrics.configReads.Add(float64(len(todo)))
	unmanaged := &unmanagedLog{log: &c.log}
	defer unmanaged.summary()
	for k, i := range todo {
		d := decisions[i]
		tr := c.Tracked[d.VMID]
		if errs[k] != nil {
			c.log.Debug().Err(errs[k]).Int("vmid", d.VMID).Msg("reading a container's config failed; deciding without it")
			continue
		}
		f := engine.FactsFrom(configs[k], tr.Last)
		if f.CoresUnmanaged() != "" && (tr.Facts == nil || tr.Facts.CoresUnmanaged() != f.CoresUnmanaged()) {
			unmanaged.event(d.VMID).Int("vmid", d.VMID).Str("node", d.Node).Int("cores", configs[k].Cores).
				Float64("cpulimit", configs[k].CPULimit).Str("why", f.CoresUnmanaged()).
				Msg("leaving a container's cores to the administrator")
		}
		if f.DiskUnmanaged() != "" && (tr.Facts == nil || tr.Facts.DiskUnmanaged() == "") {
			unmanaged.event(d.VMID).Int("vmid", d.VMID).Str("node", d.Node).Str("rootfs", configs[k].RootFS.Spec).
				Str("why", f.DiskUnmanaged()).Msg("leaving a container's root filesystem as it is")
		}
		tr.Facts = &f
		tr.Alloc = c.AllocationOf(tr)
		sel, _ := c.policies()
		policy, rules, _ := sel.Select(tr.VMID, tr.Tags, tr.Pool)
		c.Protect(d.VMID, func() {
			if again, ok := c.Decide(tr, policy, rules, t.End); ok {
				decisions[i] = again
			}
		})
	}
}

// unmanagedLogLimit is how many containers a pass names at info level for
// leaving a setting to the administrator; beyond it (a restart of a large
// cluster meets them all at once) the rest go to debug and one summary
// line counts them.
const unmanagedLogLimit = 10

// unmanagedLog logs what a pass learnt to leave alone: each container at
// info up to unmanagedLogLimit, then at debug, with a summary.
type unmanagedLog struct {
	log    *zerolog.Logger
	logged int
	quiet  []int // VMIDs logged at debug only
}

func (u *unmanagedLog) event(vmid int) *zerolog.Event {
	if u.logged < unmanagedLogLimit {
		u.logged++
		return u.log.Info()
	}
	u.quiet = append(u.quiet, vmid)
	return u.log.Debug()
}

func (u *unmanagedLog) summary() {
	if len(u.quiet) == 0 {
		return
	}
	u.log.Info().Int("containers", len(u.quiet)).Ints("vmids", u.quiet[:min(len(u.quiet), 50)]).
		Msg("leaving more containers' settings to the administrator; each is logged at debug level")
}
