package engine

import (
	"math"
	"slices"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/chunks"
	"github.com/lxc-autoscale/lxc-autoscale/controller/engine/histogram"
	"github.com/lxc-autoscale/lxc-autoscale/controller/engine/listing"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// Tick is what one collection saw: the nodes, which of them could not be
// listed, and every container listed.
type Tick struct {
	Start, End time.Time
	Nodes      []proxmox.Node
	Failed     map[string]error // online nodes whose listing failed
	Containers []proxmox.Container
	// Measured, when set, holds the sample of each container (same
	// index) as a source measured it, rates included: a replay has rates,
	// not the cumulative counters a listing carries.
	Measured []Sample
}

// Listed is what the latest listing tells of a container (its pool kept
// from the pool index when the listing has none), with its allocation as
// the listing and the config reads give it. The loop's snapshot shows it
// as it is (controller.ContainerView embeds it).
type Listed struct {
	VMID   int
	Node   string
	Name   string
	Status string
	Lock   string
	Tags   []string
	Pool   string
	Alloc  scaling.Allocation
}

// Container is everything the engine holds about one container. The loop
// reads it after a pass (snapshot, export, metrics) and fills windows at
// start (backfill, the export); only the engine changes the rest.
type Container struct {
	Listed
	// NodeThreads is the threads of the container's node as of the latest
	// listing, 0 when unknown: more cores than that add nothing.
	NodeThreads int
	// Facts is what the latest config read told, while it holds (see
	// ConfigFacts); nil before any read.
	Facts  *ConfigFacts
	Last   proxmox.Container // the latest listing, for counters and export
	SeenAt time.Time         // time of the latest listing
	Window *window
	Usage  histogram.Usage // the recommender's history, fed after scoring
	// seasons keep what Recurring read, for the next passes.
	seasons seasons
	// Unseen counts ticks in which every node was listed and this container
	// was on none of them.
	Unseen int
	// observed is the number of the latest Observe that listed it.
	observed uint64
	// decided is the index of its decision in what the scoreAndDecide
	// numbered decidedIn returned (Engine.DecisionIn).
	decided   int
	decidedIn uint64

	Score          float64 // NaN until scored
	AnomalousSince time.Time
	Features       Features
	// Recommended is the last recommendation the loop reported, so that
	// recommend mode reports a change once rather than every tick. The
	// loop's own: the engine never reads it.
	Recommended string
}

// ForgetAfterUnseen is how many fully listed ticks a container may be
// absent before the controller forgets it (deleted, or moved to a node that
// is down).
const ForgetAfterUnseen = 3

// Observe folds a Tick into the tracked containers: it creates new ones,
// follows migrations (the window moves with the container), turns counters
// into rates, and forgets containers that are gone.
func (e *Engine) Observe(t Tick) { e.observe(t, &e.walk, nil) }

// observe is Observe, calling each (when set) with every listed entry's
// container as soon as it is folded in: Step scores and decides it there.
func (e *Engine) observe(t Tick, k *walker, each func(k *walker, i int, tr *Container)) {
	threads := nodeThreads(t)
	// Each listed container is stamped with the number of this Observe,
	// rather than put in a set of 10,000 rebuilt every tick.
	e.observes++
	stamped := 0 // tracked containers stamped, each once
	for i := range t.Containers {
		if t.Containers[i].Template {
			continue
		}
		tr := e.track(&t.Containers[i], t.End, &stamped)
		e.fold(k, t, i, tr, threads)
		if each != nil {
			each(k, i, tr)
		}
	}
	e.unseen(t, stamped)
}

func nodeThreads(t Tick) map[string]int {
	threads := make(map[string]int, len(t.Nodes))
	for _, n := range t.Nodes {
		threads[n.Name] = n.CPUs
	}
	return threads
}

// track is the container listed as ct (created when new), stamped as
// listed by this Observe, with the resizes since its previous listing
// noted: what writes the engine's maps, before a sharded walk (trackAll).
func (e *Engine) track(ct *proxmox.Container, at time.Time, stamped *int) *Container {
	tr := e.Tracked[ct.VMID]
	if tr == nil {
		tr = &Container{Listed: Listed{VMID: ct.VMID, Node: ct.Node}, Score: math.NaN(), Window: e.NewWindow()}
		e.Tracked[ct.VMID] = tr
	}
	if tr.observed != e.observes {
		*stamped++
	}
	tr.Unseen, tr.observed = 0, e.observes
	if e.opts.NoteResizes && !tr.SeenAt.IsZero() {
		prev, cur := listing.AllocationOf(tr.Last), listing.AllocationOf(*ct)
		e.noteResizes(ct.VMID, prev, cur, tr.SeenAt, at)
		e.wants.Seen(ct.VMID, prev, cur)
	}
	return tr
}

// trackAll is track of each entry of t's listing but the templates into
// e.trs, for a sharded walk on w goroutines (controller/chunks), whose
// listing names each VMID once: in ranges, the containers that need only
// their stamp, which writes the container alone; after, in listing order,
// those that write a map (new, or resized since their last listing).
func (e *Engine) trackAll(t Tick, w int) (stamped int) {
	e.trs = slices.Grow(e.trs[:0], len(t.Containers))[:len(t.Containers)]
	left := chunks.Filter(len(t.Containers), w, func(i int) bool {
		ct, tr := &t.Containers[i], e.Tracked[t.Containers[i].VMID]
		if e.trs[i] = nil; ct.Template || tr == nil || tr.observed == e.observes ||
			e.opts.NoteResizes && !tr.SeenAt.IsZero() && listing.AllocationOf(tr.Last) != listing.AllocationOf(*ct) {
			return true
		}
		tr.Unseen, tr.observed, e.trs[i] = 0, e.observes, tr
		return false
	})
	stamped = len(t.Containers) - len(left)
	for _, i := range left {
		if !t.Containers[i].Template {
			e.trs[i] = e.track(&t.Containers[i], t.End, &stamped)
		}
	}
	return stamped
}

// fold folds listing entry i into tr, its container: what touches only
// the container, so that shards fold theirs side by side.
func (e *Engine) fold(k *walker, t Tick, i int, tr *Container, threads map[string]int) {
	ct := &t.Containers[i]
	if vmid, from, to := ct.VMID, tr.Node, ct.Node; from != to && e.hooks.Migrated != nil {
		e.call(k, vmid, func() { e.hooks.Migrated(vmid, from, to) })
	}
	tr.Node, tr.Name, tr.Status, tr.Lock, tr.Tags = ct.Node, ct.Name, ct.Status, ct.Lock, ct.Tags
	if ct.Pool != "" {
		tr.Pool = ct.Pool
	} else if p, ok := e.Pools[ct.VMID]; ok {
		tr.Pool = p
	}
	if ct.Status == "running" {
		if t.Measured != nil {
			tr.Window.Add(t.Measured[i])
		} else {
			tr.Window.Add(sampleFrom(ct, &tr.Last, tr.SeenAt, t.End))
		}
	}
	tr.Last, tr.SeenAt = *ct, t.End
	tr.Alloc = e.AllocationOf(tr)
	tr.NodeThreads = threads[ct.Node]
}

// unseen counts a tick's absences, and forgets the containers absent
// too long.
func (e *Engine) unseen(t Tick, stamped int) {
	// Unseen counts only in a tick that listed every node, and only for
	// containers it did not list: most ticks, none, and the walk over
	// every tracked container is skipped.
	if len(t.Failed) > 0 || stamped == len(e.Tracked) {
		return
	}
	for _, tr := range e.SortedTracked() { // by VMID: the hooks in an order
		if tr.observed == e.observes {
			continue
		}
		if tr.Unseen++; tr.Unseen >= ForgetAfterUnseen {
			e.Forget(tr.VMID)
		}
	}
}

// SampleFrom makes a window sample from a listing, with rates from the
// previous listing when the counters continue it.
func SampleFrom(cur, prev proxmox.Container, prevAt, now time.Time) Sample {
	return sampleFrom(&cur, &prev, prevAt, now)
}

// sampleFrom is SampleFrom without copying two listings per container.
func sampleFrom(cur, prev *proxmox.Container, prevAt, now time.Time) Sample {
	s := Sample{
		Time: now,
		CPU:  CPUFraction(cur.CPU) * cur.CPUs, Cores: cur.CPUs,
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

// CPUFraction is listing.CPUFraction: PVE's cpu as the share of the
// allocation it means, 0 to 1.
func CPUFraction(v float64) float64 { return listing.CPUFraction(v) }
