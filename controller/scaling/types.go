package scaling

import (
	"time"
)

// mib is the unit of the memory and swap values of Allocation and Change.
const mib = 1 << 20

// Resource is what the controller resizes.
type Resource string

// The resources, with the unit their Change values use.
const (
	ResourceCores  Resource = "cores"  // cores
	ResourceMemory Resource = "memory" // MiB
	ResourceSwap   Resource = "swap"   // MiB
	ResourceDisk   Resource = "disk"   // bytes of the root filesystem
)

// Resources lists every resource in the order decisions and metrics use.
var Resources = []Resource{ResourceCores, ResourceMemory, ResourceSwap, ResourceDisk}

// Direction is the sense of a change.
type Direction string

// Directions of a change.
const (
	Up   Direction = "up"
	Down Direction = "down"
)

// Mode says what happens to a decision.
type Mode string

// Modes, per policy.
const (
	// ModeEnforce writes the change to Proxmox.
	ModeEnforce Mode = "enforce"
	// ModeDryRun decides, logs, counts and audits as if writing, and writes
	// nothing.
	ModeDryRun Mode = "dry-run"
	// ModeRecommend only publishes the recommendation (metrics, API).
	ModeRecommend Mode = "recommend"
)

// Allocation is what a container is given, as the cluster reports it.
type Allocation struct {
	Cores     int    // allocated cores (ceil of the listing's cpus)
	MemoryMiB int    // memory limit
	SwapMiB   int    // swap limit
	DiskBytes uint64 // root filesystem size: configured when known, else as listed
}

// Point is one value of a series at a time.
type Point struct {
	Time  time.Time
	Value float64
}

// Series is a time-ordered list of points, oldest first.
type Series []Point

// Rules are the thresholds, bounds and timings that decide one container's
// resources: the global rules or a policy's. Memory sizes are bytes.
type Rules struct {
	Mode   Mode
	CPU    CPURules
	Memory MemoryRules
	Swap   SwapRules
	Disk   DiskRules

	// CooldownUp and CooldownDown are the minimum time after any action on a
	// resource before the next increase (fast relief aside) or decrease.
	CooldownUp, CooldownDown time.Duration
	// StabilizationUp and StabilizationDown are how long utilisation must
	// stay past a threshold before an increase or decrease.
	StabilizationUp, StabilizationDown time.Duration
	// Profile: "balanced" (""), "cost" or "performance" (Recommender).
	Profile string
}

// enabled reports whether r looks at res.
func (r Rules) enabled(res Resource) bool {
	switch res {
	case ResourceCores:
		return r.CPU.Enabled
	case ResourceMemory:
		return r.Memory.Enabled
	case ResourceSwap:
		return r.Swap.Enabled
	case ResourceDisk:
		return r.Disk.Enabled
	}
	return false
}

// CPURules scale cores on the utilisation of the allocated cores (0..1).
type CPURules struct {
	Enabled        bool
	Up, Down       float64
	Step, Min, Max int
	// Target is the utilisation a change sizes for, between Down and Up; 0
	// moves one Step at a time.
	Target float64
}

// MemoryRules scale the memory limit on used/limit (0..1). Margin is kept
// above the recent peak usage when shrinking.
type MemoryRules struct {
	Enabled                bool
	Up, Down               float64
	Step, Min, Max, Margin uint64
	// Target is as CPURules.Target.
	Target float64
}

// SwapRules make swap follow memory: swap = Ratio x memory, clamped to
// [Min, Max].
type SwapRules struct {
	Enabled  bool
	Ratio    float64
	Min, Max uint64
}

// DiskRules grow the root filesystem by Step when used/size passes
// Threshold, never past Max. Disks never shrink.
type DiskRules struct {
	Enabled   bool
	Threshold float64
	Step, Max uint64
}

// Signals are what the decision knows about one container at a tick,
// derived from its window and the model.
type Signals struct {
	VMID    int
	Node    string
	Running bool
	Alloc   Allocation
	// CPU is the utilisation of the allocated cores (busy cores / cores)
	// at each sample; Memory the used bytes. With a History they hold the
	// newest point at or before now alone (or none).
	CPU, Memory Series
	// MemoryPeak is the largest memory use in the whole window.
	MemoryPeak uint64
	// CPUPeak is the most cores used at any point of the whole window.
	CPUPeak float64
	// History, when set, gives the rest of CPU and Memory, MemoryPeak and
	// CPUPeak when a decision needs them: only a resource whose newest
	// value passes a threshold, or whose allocation is outside its bounds,
	// reads more than its newest point. Nil: the fields above are
	// complete.
	History  History
	SwapUsed uint64
	// DiskUsed and DiskSize are the root filesystem's use and size as the
	// listing shows them (df while running: a few % below the configured
	// size on block storage); Alloc.DiskBytes is the configured size when
	// known, which a grow starts from. DiskSize 0 takes Alloc.DiskBytes.
	DiskUsed, DiskSize uint64
	// Disk is the root filesystem's use (bytes) over the window, oldest
	// first, which a growth is sized from (diskgrowth.go); the sample
	// source may leave it empty for a disk below its threshold, which
	// does not grow, or to a History that reads it (DiskHistory).
	Disk Series
	// CoresMax is the most cores that can help the container: its node's
	// threads (PVE accepts more and clamps the cpuset) and ceil(cpulimit)
	// when that is set; 0 when unknown.
	CoresMax int
	// CoresUnmanaged says why the cores are left to the administrator (no
	// cores set, or a cpulimit below them); "" when the controller manages
	// them.
	CoresUnmanaged string
	// DiskUnmanaged says why the root filesystem is not grown (it has no
	// size: a subvolume without a quota); "" when it may be.
	DiskUnmanaged string
	// Score is the latest anomaly score in (0, 1]; NaN when no model has
	// been trained yet. AnomalousSince is when the score last rose above
	// the anomaly threshold and stayed there; zero when it is not above it
	// now.
	Score          float64
	AnomalousSince time.Time
	// PressureCPU, PressureMemory and PressureIO are the newest sample's
	// PSI "some" avg10, percent (pressure.go); NaN or 0 when the node
	// does not report it.
	PressureCPU, PressureMemory, PressureIO float64
	// Activity tells a runaway process from demand (runaway.go).
	Activity Activity

	// slab, set by Slab.Decide, is where the decision's changes and holds
	// start from.
	slab *Slab
}

// History reads a container's window for Decide on demand, so that a
// pass over thousands of containers builds the series of the few that
// lean towards a change. Decide calls it at most once per method and
// resource, and keeps nothing it returns.
type History interface {
	// CPU and Memory return the series Signals.CPU and Signals.Memory
	// stand for, from the newest point at or before now-d on; every point
	// when there is none, or when no point after now-d is at or before
	// now. That is all run.sustained, streak and window look at for a
	// period of d, so Decide decides as on the whole series; it asks with
	// the longest period it judges (a stabilisation, the anomalous rise).
	CPU(d time.Duration) Points
	Memory(d time.Duration) Points
	// Peaks returns MemoryPeak and CPUPeak. MemoryPeak is at least every
	// value Memory can return.
	Peaks() (memory uint64, cpu float64)
	// Recurring (called at most four times, with four periods) returns the recurring peaks of cores busy and memory bytes
	// over the period from now to now+ahead at the same time of day on
	// the recent days (season.go); the zero Recurring when too few days
	// are known.
	Recurring(ahead time.Duration) (cpu, memory Recurring)
	// Highest returns the most cores busy and memory bytes the history's
	// coarse tier holds over the last d (completed hours); 0 when it holds
	// none. Fast relief reads it (relief.go), and a decrease's checks
	// (decide_sizing.go, recommend.go, undone.go), never a steady one.
	Highest(d time.Duration) (cpu, memory float64)
}

// Action is the last change made to a resource of a container.
type Action struct {
	Time      time.Time `json:"time"`
	Direction Direction `json:"direction"`
	From      int64     `json:"from"`
	To        int64     `json:"to"`
	// Unknown marks a write whose outcome is unknown (ResultUnknown): it
	// may have landed, later than Time, or not at all.
	Unknown bool `json:"unknown,omitempty"`
	// Undone counts the decreases in a row that an increase undid within
	// undoneWithin (undone.go); each doubles the down cooldown after it.
	Undone uint8 `json:"undone,omitempty"`
	// Relief marks an increase fast relief made (relief.go): sized on
	// censored usage, so given back sooner when unused (reliefUnused, relief.go).
	Relief bool `json:"relief,omitempty"`
	// Jobs counts relief increases that undid a decrease within
	// undoneWithin, less those later: jobs at random times (undone.go).
	Jobs uint8 `json:"jobs,omitempty"`
}

// ContainerState is what the controller remembers of a container between
// ticks and across restarts.
type ContainerState struct {
	// LastAction holds the last applied change per resource (or one whose
	// outcome is unknown): the cooldowns run from it.
	LastAction map[Resource]Action `json:"last_action,omitempty"`
	// DryRunAction holds the last change dry-run would have made per
	// resource. Cooldowns in dry-run run from it too, so that a pretend
	// change is reported once per cooldown rather than every pass; in
	// enforce they do not, so switching to enforce acts at once.
	DryRunAction map[Resource]Action `json:"dry_run_action,omitempty"`
	// Failures counts consecutive failed writes; RetryAfter is the end of
	// the backoff they earned.
	Failures   int       `json:"failures,omitempty"`
	RetryAfter time.Time `json:"retry_after,omitzero"`
	// Paused stops autoscaling of the container (an operator's request)
	// until resumed; it is still collected and scored.
	Paused bool `json:"paused,omitempty"`
	// Runaway is when cores were first held as pinned by a runaway
	// process (runaway.go), zero when they are not.
	Runaway time.Time `json:"runaway,omitzero"`
}

// Change is one resource change of a decision, in the resource's unit.
// Like a Hold's detail, its reason is kept as numbers and formatted when
// asked (Reason): most changes of a dry run's pass are held by the guard
// and never shown.
type Change struct {
	Resource  Resource
	Direction Direction
	From, To  int64
	// Text is the reason when it was given as text (an operator's change,
	// the legacy policy, a change of a bound); when it is empty, Reason
	// formats the numbers Decide kept.
	Text string
	why  why
}

// Decision is what Decide concludes for one container at one tick.
type Decision struct {
	// Source is who asked: "" for the controller itself, "api:<token
	// name>" for a manual operation. It goes into the audit record.
	Source  string
	VMID    int
	Node    string
	Policy  string // "" for the default rules
	Mode    Mode
	Changes []Change
	Holds   []Hold
	Score   float64
	// Runaway is ContainerState.Runaway as this decision leaves it.
	Runaway time.Time
}

// SkipReason is why a resource was not changed: a small fixed set, so that
// it can label metrics.
type SkipReason string

// Skip reasons.
const (
	SkipDisabled       SkipReason = "disabled"        // the resource's rules are off
	SkipStabilizing    SkipReason = "stabilizing"     // past a threshold, not for long enough
	SkipCooldown       SkipReason = "cooldown"        // too soon after the last action
	SkipAtLimit        SkipReason = "at_limit"        // already at the policy's min or max
	SkipAnomalous      SkipReason = "anomalous"       // cores of a runaway process held (runaway.go)
	SkipMemoryFloor    SkipReason = "memory_floor"    // shrinking would go below peak + margin
	SkipCPUFloor       SkipReason = "cpu_floor"       // shrinking would bring the window's peak to up_threshold
	SkipCapacity       SkipReason = "node_capacity"   // the node has no room
	SkipWriteLimit     SkipReason = "write_limit"     // the pass used its writes
	SkipLocked         SkipReason = "locked"          // Proxmox lock on the container
	SkipDigestMismatch SkipReason = "digest_mismatch" // config changed between read and write
	SkipChanged        SkipReason = "config_changed"  // config differs from what was observed
	SkipMoved          SkipReason = "moved"           // container not on the node any more
	SkipBackoff        SkipReason = "backoff"         // recent failures
	SkipNotRunning     SkipReason = "not_running"     // stopped containers are not resized
	SkipUnmanaged      SkipReason = "unmanaged"       // cpulimit or unset cores: left to the administrator
	SkipNoData         SkipReason = "no_data"         // not enough history
	SkipNotLeader      SkipReason = "not_leader"      // another replica holds the lease (controller/lease)
	SkipPressure       SkipReason = "pressure"        // no decrease under PSI pressure
)
