package controller

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// tick is what one collection saw: the nodes, which of them could not be
// listed, and every container listed.
type tick struct {
	start, end time.Time
	nodes      []proxmox.Node
	failed     map[string]error // online nodes whose listing failed
	containers []proxmox.Container
	// measured, when set, holds the sample of each container (same
	// index) as a source measured it, rates included: a replay has rates,
	// not the cumulative counters a listing carries.
	measured []Sample
}

// collect lists the nodes and, concurrently, the containers of every online
// node: one call plus one per online node, whatever the number of
// containers. A node that fails is recorded and skipped.
func (c *Controller) collect(ctx context.Context) (tick, error) {
	t := tick{start: c.now(), failed: map[string]error{}}
	nodes, err := c.cluster.Nodes(ctx)
	if err != nil {
		return t, err
	}
	t.nodes = nodes
	lists := make([][]proxmox.Container, len(nodes))
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		if !n.Online {
			continue
		}
		wg.Go(func() {
			lists[i], errs[i] = c.cluster.Containers(ctx, n.Name)
		})
	}
	wg.Wait()
	total := 0
	for i, n := range nodes {
		if n.Online {
			c.noteNodeListing(n.Name, errs[i])
		}
		if errs[i] != nil {
			t.failed[n.Name] = errs[i]
			c.metrics.nodeErrors.WithLabelValues(n.Name).Inc()
		}
		total += len(lists[i])
	}
	t.containers = make([]proxmox.Container, 0, total)
	for _, l := range lists {
		t.containers = append(t.containers, l...)
	}
	t.end = c.now()
	return t, nil
}

// tracked is everything the controller holds about one container.
type tracked struct {
	vmid   int
	node   string
	name   string
	status string
	lock   string
	tags   []string
	pool   string
	alloc  Allocation
	// nodeThreads is the threads of the container's node as of the latest
	// listing, 0 when unknown: more cores than that add nothing.
	nodeThreads int
	// facts is what the latest config read told, while it holds (see
	// configFacts); nil before any read.
	facts  *configFacts
	last   proxmox.Container // the latest listing, for counters and export
	seenAt time.Time         // time of the latest listing
	window *window
	// unseen counts ticks in which every node was listed and this container
	// was on none of them.
	unseen int

	score          float64 // NaN until scored
	anomalousSince time.Time
	features       Features
	// recommended is the last recommendation reported, so that recommend
	// mode reports a change once rather than every tick.
	recommended string
	// recommending is set while the recommendation gauges hold values for
	// this container.
	recommending bool
}

// allocationOf reads the allocation from a listing entry.
func allocationOf(c proxmox.Container) Allocation {
	return Allocation{
		Cores:     int(math.Ceil(c.CPUs)),
		MemoryMiB: int(c.MaxMem >> 20),
		SwapMiB:   int(c.MaxSwap >> 20),
		DiskBytes: c.MaxDisk,
	}
}

// forgetAfterUnseen is how many fully listed ticks a container may be
// absent before the controller forgets it (deleted, or moved to a node that
// is down).
const forgetAfterUnseen = 3

// observe folds a tick into the tracked containers: it creates new ones,
// follows migrations (the window moves with the container), turns counters
// into rates, and forgets containers that are gone.
func (e *engine) observe(t tick) {
	threads := make(map[string]int, len(t.nodes))
	for _, n := range t.nodes {
		threads[n.Name] = n.CPUs
	}
	seen := make(map[int]struct{}, len(t.containers))
	for i := range t.containers {
		ct := &t.containers[i]
		if ct.Template {
			continue
		}
		seen[ct.VMID] = struct{}{}
		tr := e.tracked[ct.VMID]
		if tr == nil {
			tr = &tracked{vmid: ct.VMID, node: ct.Node, score: math.NaN(), window: e.newWindow()}
			e.tracked[ct.VMID] = tr
		} else if tr.node != ct.Node {
			if e.hooks.migrated != nil {
				e.hooks.migrated(ct.VMID, tr.node, ct.Node)
			}
		}
		tr.node, tr.name, tr.status, tr.lock, tr.tags = ct.Node, ct.Name, ct.Status, ct.Lock, ct.Tags
		if ct.Pool != "" {
			tr.pool = ct.Pool
		} else if p, ok := e.pools[ct.VMID]; ok {
			tr.pool = p
		}
		tr.unseen = 0
		if ct.Status == "running" {
			if t.measured != nil {
				tr.window.Add(t.measured[i])
			} else {
				tr.window.Add(sampleFrom(*ct, tr.last, tr.seenAt, t.end))
			}
		}
		tr.last, tr.seenAt = *ct, t.end
		tr.alloc = e.allocationOf(tr)
		tr.nodeThreads = threads[ct.Node]
	}
	allListed := len(t.failed) == 0
	for id, tr := range e.tracked {
		if _, ok := seen[id]; ok {
			continue
		}
		if _, down := t.failed[tr.node]; down || !allListed {
			continue // may be alive on a node we could not see
		}
		if tr.unseen++; tr.unseen >= forgetAfterUnseen {
			e.forget(id)
		}
	}
}

// sampleFrom makes a window sample from a listing, with rates from the
// previous listing when the counters continue it.
func sampleFrom(cur, prev proxmox.Container, prevAt, now time.Time) Sample {
	s := Sample{
		Time: now,
		CPU:  cpuFraction(cur.CPU) * cur.CPUs, Cores: cur.CPUs,
		Mem: cur.Mem, MaxMem: cur.MaxMem, Swap: cur.Swap, MaxSwap: cur.MaxSwap,
		Disk: cur.Disk, MaxDisk: cur.MaxDisk,
		NetIn: math.NaN(), NetOut: math.NaN(), DiskRead: math.NaN(), DiskWrite: math.NaN(),
		PressureCPU: math.NaN(), PressureMemory: math.NaN(), PressureIO: math.NaN(),
	}
	if p := cur.Pressure; p != nil {
		s.PressureCPU, s.PressureMemory, s.PressureIO = p.CPUSome, p.MemorySome, p.IOSome
	}
	dt := now.Sub(prevAt).Seconds()
	// A restart (uptime went back) or a counter that went back starts the
	// counters over: no rate for this sample.
	continued := prev.Status == "running" && dt > 0 && cur.Uptime >= prev.Uptime
	rate := func(c, p uint64) float64 {
		if !continued || c < p {
			return math.NaN()
		}
		return float64(c-p) / dt
	}
	s.NetIn, s.NetOut = rate(cur.NetIn, prev.NetIn), rate(cur.NetOut, prev.NetOut)
	s.DiskRead, s.DiskWrite = rate(cur.DiskRead, prev.DiskRead), rate(cur.DiskWrite, prev.DiskWrite)
	return s
}

// cpuFraction is PVE's cpu as the share of the allocation it means, 0 to 1.
// PVE divides a cgroup usage delta by a wall-clock interval that is never
// exact, so a container pinned at its limit reads a few % above 1.0 now and
// then; it cannot use more than it has, and neither the window nor the
// export's cpu_usage_percent (0-100 in the original format) should say so.
func cpuFraction(v float64) float64 {
	if !(v > 0) { // negative or NaN
		return 0
	}
	return min(v, 1)
}

// noteNodeListing logs a node whose listing starts or stops failing. A
// node that dies stays "online" in /nodes until the cluster notices, and
// every call proxied to it meanwhile answers 595: one line when that
// starts, one when it ends, and the metric for every pass in between.
func (c *Controller) noteNodeListing(node string, err error) {
	if c.failingNodes == nil {
		c.failingNodes = map[string]bool{}
	}
	switch was := c.failingNodes[node]; {
	case err != nil && !was:
		c.failingNodes[node] = true
		c.log.Warn().Err(err).Str("node", node).Msg("listing a node's containers failed; skipping the node until it answers")
	case err == nil && was:
		delete(c.failingNodes, node)
		c.log.Info().Str("node", node).Msg("a node's containers are listed again")
	}
}
