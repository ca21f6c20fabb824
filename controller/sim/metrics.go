package sim

import (
	"math"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// simState is one container under one policy.
type simState struct {
	c      *simContainer
	cur    cursor
	active bool
	// stale: the trace has no point of the container for longer than its
	// staleAfter (a gap: stopped, or not collected). It is measured at its
	// latest point, as every policy is, but no policy observes it: a
	// collector has nothing new to give, and PVE lists a container without
	// usage as stopped.
	stale  bool
	demand TracePoint
	alloc  scaling.Allocation
	// last is the previous change applied per resource, for flaps.
	last map[scaling.Resource]scaling.Action
	// coveredCPU and coveredMem say, per grid point from c.first, whether
	// the allocation covered the demand: what reaction times are read from.
	coveredCPU, coveredMem []bool
	// overLimit: the memory demand was above the limit at the previous
	// grid point, so that an OOM episode is counted once.
	overLimit bool
	acc       simAccumulator
	timeline  []TimelinePoint
}

// simAccumulator sums the metrics of one container in grid units.
type simAccumulator struct {
	starved, measured               int
	beyond                          int     // starved even at the ceiling (beyond.go)
	oomsAtStart                     int     // OOM episodes under way at the first point (beyond.go)
	wasteCores, wasteMem, wasteDisk float64 // cores, bytes, bytes x grid steps
	actions, flaps, ooms            int
	reactionSum, reactionMax        time.Duration
	reactions                       int
	stepsBeyond                     int // steps no policy meets (reachable)
}

// used is what the container gets of its demand under its allocation, a
// runaway's burn included: what the controllers observe.
func (s *simState) used() (cores float64, mem, disk uint64) {
	cores = min(s.demand.CPUCores+s.demand.RunawayCores, float64(s.alloc.Cores))
	mem = min(s.demand.MemoryBytes, uint64(s.alloc.MemoryMiB)*mib)
	disk = s.demand.DiskBytes
	if s.alloc.DiskBytes > 0 {
		disk = min(disk, s.alloc.DiskBytes)
	}
	return cores, mem, disk
}

// measure adds grid point i to the container's metrics.
func (s *simState) measure(i int, t time.Time, timeline bool) {
	_, mem, disk := s.used()
	cores := min(s.demand.CPUCores, float64(s.alloc.Cores)) // served demand: a runaway's burn is waste
	limit := uint64(s.alloc.MemoryMiB) * mib
	cpuShort := s.demand.CPUCores > float64(s.alloc.Cores) || cores >= simStarvedUtilisation*float64(s.alloc.Cores)
	memShort := s.demand.MemoryBytes > limit || float64(mem) >= simStarvedUtilisation*float64(limit)
	diskShort := s.alloc.DiskBytes > 0 &&
		(s.demand.DiskBytes > s.alloc.DiskBytes || float64(disk) >= simStarvedUtilisation*float64(s.alloc.DiskBytes))
	s.acc.measured++
	if cpuShort || memShort || diskShort {
		s.acc.starved++
		if starvedAt(s.demand, s.c.ceiling) {
			s.acc.beyond++
		}
	}
	// Memory demanded above the limit is what the kernel's OOM killer
	// answers: one episode from the point it goes over until it is back
	// under, however long (the killer may strike more than once in it; a
	// trace cannot say).
	over := s.demand.MemoryBytes > limit
	if over && !s.overLimit {
		s.acc.ooms++
		if i == s.c.first {
			s.acc.oomsAtStart++
		}
	}
	s.overLimit = over
	s.acc.wasteCores += float64(s.alloc.Cores) - cores
	s.acc.wasteMem += float64(limit - mem)
	if s.alloc.DiskBytes > 0 {
		s.acc.wasteDisk += float64(s.alloc.DiskBytes - disk)
	}
	k := i - s.c.first
	s.coveredCPU[k], s.coveredMem[k] = coveredBy(s.demand, s.alloc)
	if timeline {
		s.timeline = append(s.timeline, TimelinePoint{
			Time:        t,
			DemandCores: s.demand.CPUCores, Cores: float64(s.alloc.Cores),
			DemandMemMiB: float64(s.demand.MemoryBytes) / mib, MemMiB: float64(s.alloc.MemoryMiB),
		})
	}
}

// coveredBy says whether allocation a covers demand d's cpu and memory:
// what a step's reaction waits for.
func coveredBy(d TracePoint, a scaling.Allocation) (cpu, mem bool) {
	return d.CPUCores <= float64(a.Cores), d.MemoryBytes <= uint64(a.MemoryMiB)*mib
}

// apply makes a change take effect and counts it.
func (s *simState) apply(ch scaling.Change, now time.Time) {
	switch ch.Resource {
	case scaling.ResourceCores:
		s.alloc.Cores = int(ch.To)
	case scaling.ResourceMemory:
		s.alloc.MemoryMiB = int(ch.To)
	case scaling.ResourceSwap:
		s.alloc.SwapMiB = int(ch.To)
	case scaling.ResourceDisk:
		s.alloc.DiskBytes = uint64(max(ch.To, 0))
	}
	s.acc.actions++
	if prev, ok := s.last[ch.Resource]; ok && prev.Direction != ch.Direction && now.Sub(prev.Time) <= simFlapWindow {
		s.acc.flaps++
	}
	if s.last == nil {
		s.last = map[scaling.Resource]scaling.Action{}
	}
	s.last[ch.Resource] = scaling.Action{Time: now, Direction: ch.Direction, From: ch.From, To: ch.To}
}

// reactions times the container's steps from the coverage the run
// recorded.
func (s *simState) reactions(g *simGrid) {
	for _, st := range s.c.steps {
		if st.from == st.end {
			s.acc.stepsBeyond++
			continue
		}
		covered := s.coveredCPU
		if st.res == scaling.ResourceMemory {
			covered = s.coveredMem
		}
		i := st.from
		for i < st.end && !covered[i-s.c.first] {
			i++
		}
		d := time.Duration(i-st.from) * g.step
		s.acc.reactionSum += d
		s.acc.reactionMax = max(s.acc.reactionMax, d)
		s.acc.reactions++
	}
}

func (a *simAccumulator) add(b simAccumulator) {
	a.starved += b.starved
	a.beyond += b.beyond
	a.oomsAtStart += b.oomsAtStart
	a.measured += b.measured
	a.wasteCores += b.wasteCores
	a.wasteMem += b.wasteMem
	a.wasteDisk += b.wasteDisk
	a.actions += b.actions
	a.flaps += b.flaps
	a.ooms += b.ooms
	a.reactionSum += b.reactionSum
	a.reactionMax = max(a.reactionMax, b.reactionMax)
	a.reactions += b.reactions
	a.stepsBeyond += b.stepsBeyond
}

func (a simAccumulator) metrics(step time.Duration) Metrics {
	hours := step.Hours()
	m := Metrics{
		StarvationMinutes:          float64(a.starved) * step.Minutes(),
		StarvationBeyondMaxMinutes: float64(a.beyond) * step.Minutes(),
		WasteCoreHours:             a.wasteCores * hours,
		WasteGBHours:               a.wasteMem / bytesPerGiB * hours,
		WasteDiskGBHours:           a.wasteDisk / bytesPerGiB * hours,
		Actions:                    float64(a.actions),
		Flaps:                      float64(a.flaps),
		OOMEvents:                  float64(a.ooms),
		OOMEventsAtStart:           float64(a.oomsAtStart),
		Steps:                      a.reactions + a.stepsBeyond,
		StepsBeyondMax:             a.stepsBeyond,
		ReactionSeconds:            math.NaN(),
		ReactionMaxSeconds:         math.NaN(),
	}
	if days := float64(a.measured) * hours / 24; days > 0 {
		m.ActionsPerDay = float64(a.actions) / days
	}
	if a.reactions > 0 {
		m.ReactionSeconds = a.reactionSum.Seconds() / float64(a.reactions)
		m.ReactionMaxSeconds = a.reactionMax.Seconds()
	}
	return m
}

// meanMetrics is the mean of runs of one policy at different phases: what
// a policy whose clock started at an unknown moment does on average. Steps
// are the trace's, the same in every run; the worst reaction is the worst
// of any run.
func meanMetrics(ms []Metrics) Metrics {
	var sum Metrics
	perDay := 0.0
	for _, x := range ms {
		sum = AddMetrics(sum, x)
		perDay += x.ActionsPerDay
	}
	n := float64(len(ms))
	return Metrics{
		StarvationMinutes:          sum.StarvationMinutes / n,
		StarvationBeyondMaxMinutes: sum.StarvationBeyondMaxMinutes / n,
		WasteCoreHours:             sum.WasteCoreHours / n,
		WasteGBHours:               sum.WasteGBHours / n,
		WasteDiskGBHours:           sum.WasteDiskGBHours / n,
		Actions:                    sum.Actions / n,
		ActionsPerDay:              perDay / n,
		Flaps:                      sum.Flaps / n,
		OOMEvents:                  sum.OOMEvents / n,
		OOMEventsAtStart:           sum.OOMEventsAtStart / n,
		Steps:                      sum.Steps / len(ms),
		StepsBeyondMax:             sum.StepsBeyondMax / len(ms),
		// Every run has the trace's steps: AddMetrics' mean weighs them
		// alike, and keeps the worst.
		ReactionSeconds:    sum.ReactionSeconds,
		ReactionMaxSeconds: sum.ReactionMaxSeconds,
	}
}

// Unit sizes.
const (
	mib         = 1 << 20
	bytesPerGiB = 1 << 30
)
