package engine

import (
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// Replay runs the loop's own pass (Engine.Step: observe, train when due,
// score, select, Decide, order, guard) on observations a replay supplies
// instead of a cluster listing, for controller/sim. It holds everything
// the loop would: the windows, the model, the cooldowns. Not safe for
// concurrent use.
type Replay struct {
	engine *Engine
	sel    scaling.Selection
	guard  *scaling.Guard
	node   scaling.NodeCapacity
}

// ReplayOptions configure a Replay as Options configure the loop.
type ReplayOptions struct {
	Interval, Window, ShortPeriod time.Duration
	Selection                     scaling.Selection
	Model                         ModelOptions
	Guard                         scaling.GuardOptions
	// Node is the one node every container runs on: its name and room for
	// the guard.
	Node scaling.NodeCapacity
}

// NewReplay builds a Replay; the options are taken as they are (Simulate
// fills in its defaults).
func NewReplay(o ReplayOptions) *Replay {
	e := New(Options{
		Interval: o.Interval, Window: o.Window, ShortPeriod: o.ShortPeriod, Model: o.Model, Scale: true,
	}, Hooks{})
	return &Replay{engine: e, sel: o.Selection, guard: scaling.NewGuard(o.Guard), node: o.Node}
}

// Observed is what one running container got at a tick: the usage the
// loop would have listed (demand clipped by the allocation) and rates, as
// a replay measures them rather than as counters.
type Observed struct {
	VMID  int
	Name  string
	Alloc scaling.Allocation
	// CPUCores are the cores used; MemoryBytes and DiskBytes what is used.
	CPUCores                                float64
	MemoryBytes                             uint64
	DiskBytes                               uint64
	NetRate, IORate                         float64 // bytes per second
	PressureCPU, PressureMemory, PressureIO float64 // PSI some avg10, percent
}

// Step is one pass of the loop at now over the containers observed (in
// VMID order, as a listing is walked): it returns the decisions the guard
// admitted, most urgent first. A training that fails leaves the previous
// model (or none), as in the loop.
func (r *Replay) Step(now time.Time, observed []Observed) []scaling.Decision {
	return r.engine.Step(r.tickOf(now, observed), r.sel, r.guard, nil).Admitted
}

// StepTick is Step on a tick a loop collected, so that a test can feed
// the loop and the replay the same listing.
func (r *Replay) StepTick(t Tick) StepResult { return r.engine.Step(t, r.sel, r.guard, nil) }

// Record folds the outcomes of a decision carried out at at into the
// state its later decisions see (cooldowns, backoff).
func (r *Replay) Record(vmid int, outcomes []scaling.Outcome, at time.Time) {
	r.engine.Record(vmid, outcomes, at)
}

// Model reports whether a model is in use and when it was trained.
func (r *Replay) Model() (trained bool, at time.Time) {
	return r.engine.Model != nil, r.engine.ModelTrainedAt
}

// Score is the container's latest anomaly score; NaN when it has none.
func (r *Replay) Score(vmid int) (float64, bool) {
	tr := r.engine.Tracked[vmid]
	if tr == nil {
		return 0, false
	}
	return tr.Score, true
}

// tickOf is the listing the loop would have collected: one node, and every
// observed container running on it with what it got. The samples are
// measured, not derived from counters: a replay has rates.
func (r *Replay) tickOf(now time.Time, observed []Observed) Tick {
	t := Tick{
		Start: now, End: now,
		Nodes:      []proxmox.Node{{Name: r.node.Node, Status: "online", Online: true, CPUs: r.node.CPUs, MemoryBytes: r.node.MemoryBytes}},
		Containers: make([]proxmox.Container, 0, len(observed)),
		Measured:   make([]Sample, 0, len(observed)),
	}
	for _, o := range observed {
		maxMem, maxSwap := uint64(o.Alloc.MemoryMiB)*mib, uint64(o.Alloc.SwapMiB)*mib
		t.Containers = append(t.Containers, proxmox.Container{
			VMID: o.VMID, Node: r.node.Node, Name: o.Name, Status: "running",
			CPUs: float64(o.Alloc.Cores), CPU: o.CPUCores / float64(o.Alloc.Cores),
			Mem: o.MemoryBytes, MaxMem: maxMem, MaxSwap: maxSwap,
			Disk: o.DiskBytes, MaxDisk: o.Alloc.DiskBytes,
		})
		t.Measured = append(t.Measured, Sample{
			Time: now,
			CPU:  o.CPUCores, Cores: float64(o.Alloc.Cores),
			Mem: o.MemoryBytes, MaxMem: maxMem, MaxSwap: maxSwap,
			Disk: o.DiskBytes, MaxDisk: o.Alloc.DiskBytes,
			NetIn: o.NetRate, NetOut: 0, DiskRead: o.IORate, DiskWrite: 0,
			PressureCPU: o.PressureCPU, PressureMemory: o.PressureMemory, PressureIO: o.PressureIO,
		})
	}
	return t
}

// mib is a mebibyte in bytes.
const mib = 1 << 20
