package controller

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// configFacts is what a config read told about a container that its
// listing does not show: whether the controller may set its cores, the most
// cores that can help it, and the configured size of its root filesystem.
//
// The listing's maxdisk of a running container is what df shows (a few %
// below the configured size on LVM, LVM-thin, Ceph and dir storage), and
// its cpus is the node's threads when cores are unset or cpulimit when only
// that is set; neither says what a write must start from. So the
// controller reads the config when a decision needs these facts and keeps
// them while the listing's node, cpus and maxdisk are what they were at the
// read: every change of cores, cpulimit or the root filesystem shows in one
// of them. A container costs one read per such change, not one per pass.
type configFacts struct {
	node    string
	cpus    float64
	maxDisk uint64 // 0: adopt the next listing's (after our own resize)

	// coresUnmanaged says why the cores are left to the administrator; ""
	// when the controller manages them.
	coresUnmanaged string
	// coresCeiling is ceil(cpulimit) when cpulimit is set and not below
	// cores: more cores than that add nothing. 0 for none.
	coresCeiling int
	// rootfsBytes is the configured size= of the root filesystem; 0 when the
	// config has none.
	rootfsBytes uint64
}

// factsFrom classifies a config read made while the listing showed ct.
//
// Cores are managed only when the config sets them and no lower cpulimit
// caps them. A container without cores may use every thread of its node,
// one with only a cpulimit gets that much CPU time spread over all
// threads, and one whose cpulimit is below its cores gets the cpulimit
// whatever the cores say: in each case the administrator chose the CPU
// setting, and changing cores would either impose a limit nobody asked
// for or change nothing.
func factsFrom(cfg proxmox.Config, ct proxmox.Container) configFacts {
	f := configFacts{node: ct.Node, cpus: ct.CPUs, maxDisk: ct.MaxDisk, rootfsBytes: cfg.RootFS.SizeBytes}
	switch {
	case cfg.Cores == 0 && cfg.CPULimit == 0:
		f.coresUnmanaged = "cores are not set: the container may use every thread of its node"
	case cfg.Cores == 0:
		f.coresUnmanaged = fmt.Sprintf("only cpulimit %g caps the CPU: left to the administrator", cfg.CPULimit)
	case cfg.CPULimit > 0 && cfg.CPULimit < float64(cfg.Cores):
		f.coresUnmanaged = fmt.Sprintf("cpulimit %g caps the container below its %d cores: cores change nothing", cfg.CPULimit, cfg.Cores)
	case cfg.CPULimit > 0:
		f.coresCeiling = int(math.Ceil(cfg.CPULimit))
	}
	return f
}

// holdsFor reports whether the facts still describe the container listed as
// ct. A zero maxDisk takes the listing's.
func (f *configFacts) holdsFor(ct proxmox.Container) bool {
	if f == nil || f.node != ct.Node || f.cpus != ct.CPUs {
		return false
	}
	if f.maxDisk == 0 {
		f.maxDisk = ct.MaxDisk
	}
	return f.maxDisk == ct.MaxDisk
}

// needsFacts reports whether d plans a change that depends on what only
// the config tells: cores (managed at all? capped by cpulimit?) or the
// disk (grown from which size?).
func needsFacts(d Decision) bool {
	for _, ch := range d.Changes {
		if ch.Resource == ResourceCores || ch.Resource == ResourceDisk {
			return true
		}
	}
	return false
}

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
func (c *Controller) learnConfigs(ctx context.Context, t tick, decisions []Decision) {
	var todo []int
	for i, d := range decisions {
		tr := c.tracked[d.VMID]
		if tr != nil && needsFacts(d) && !tr.facts.holdsFor(tr.last) {
			todo = append(todo, i)
		}
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
			c.protect(d.VMID, func() {
				configs[k], errs[k] = c.cluster.Config(ctx, proxmox.Ref{Node: d.Node, VMID: d.VMID})
			})
		})
	}
	wg.Wait()
	c.metrics.configReads.Add(float64(len(todo)))
	for k, i := range todo {
		d := decisions[i]
		tr := c.tracked[d.VMID]
		if errs[k] != nil {
			c.log.Debug().Err(errs[k]).Int("vmid", d.VMID).Msg("reading a container's config failed; deciding without it")
			continue
		}
		f := factsFrom(configs[k], tr.last)
		if f.coresUnmanaged != "" && (tr.facts == nil || tr.facts.coresUnmanaged != f.coresUnmanaged) {
			c.log.Info().Int("vmid", d.VMID).Str("node", d.Node).Int("cores", configs[k].Cores).
				Float64("cpulimit", configs[k].CPULimit).Str("why", f.coresUnmanaged).
				Msg("leaving a container's cores to the administrator")
		}
		tr.facts = &f
		tr.alloc = c.allocationOf(tr)
		sel, _ := c.policies()
		policy, rules, _ := sel.Select(tr.vmid, tr.tags, tr.pool)
		c.protect(d.VMID, func() {
			if again, ok := c.decide(tr, policy, rules, t.end); ok {
				decisions[i] = again
			}
		})
	}
}

// allocationOf is the container's allocation from its latest listing, with
// the configured root filesystem size when the facts hold it.
func (e *engine) allocationOf(tr *tracked) Allocation {
	a := allocationOf(tr.last)
	if tr.facts.holdsFor(tr.last) && tr.facts.rootfsBytes > 0 {
		a.DiskBytes = tr.facts.rootfsBytes
	}
	return a
}

// noteApplied keeps the facts true after the controller's own writes, so
// that a change it made does not cost a read next time: the listing will
// show the new cores as cpus, and the grown disk as a new maxdisk.
func (f *configFacts) noteApplied(outcomes []Outcome) {
	if f == nil {
		return
	}
	for _, o := range outcomes {
		if o.Result != ResultApplied {
			continue
		}
		switch o.Change.Resource {
		case ResourceCores:
			f.cpus = float64(o.Change.To)
		case ResourceDisk:
			f.rootfsBytes, f.maxDisk = uint64(o.Change.To), 0
		}
	}
}

// coresMax is the most cores that can help the container: its node's
// threads (PVE accepts more and clamps the cpuset) and ceil(cpulimit) when
// the facts know one; 0 when neither is known.
func (tr *tracked) coresMax() int {
	most := tr.nodeThreads
	if f := tr.facts; f.holdsFor(tr.last) && f.coresCeiling > 0 && (most == 0 || f.coresCeiling < most) {
		most = f.coresCeiling
	}
	return most
}
