package sim

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// simGrid is the measuring grid of a trace: every policy is measured at
// the same points, so that their metrics compare.
type simGrid struct {
	start time.Time
	step  time.Duration
	n     int // grid points
	cs    []*simContainer
}

// simContainer is a trace container placed on the grid.
type simContainer struct {
	tc          *TraceContainer
	first, last int       // grid points at which it is active, inclusive
	steps       []simStep // step increases of its demand
}

// simStep is a step increase of demand: from grid point start until end
// (exclusive) the demand of res stayed at or above the stepped level.
type simStep struct {
	res        scaling.Resource
	start, end int
}

func newSimGrid(tr Trace) (*simGrid, error) {
	if len(tr.Containers) == 0 {
		return nil, errors.New("simulate: the trace has no container")
	}
	var start, end time.Time
	resolution := time.Duration(0)
	seen := map[int]bool{}
	for i := range tr.Containers {
		tc := &tr.Containers[i]
		if err := checkTraceContainer(tc); err != nil {
			return nil, err
		}
		if seen[tc.VMID] {
			return nil, fmt.Errorf("simulate: container %d appears twice in the trace", tc.VMID)
		}
		seen[tc.VMID] = true
		for j, p := range tc.Points {
			if j > 0 {
				gap := p.Time.Sub(tc.Points[j-1].Time)
				if resolution == 0 || gap < resolution {
					resolution = gap
				}
			}
		}
		if first := tc.Points[0].Time; start.IsZero() || first.Before(start) {
			start = first
		}
		if last := tc.Points[len(tc.Points)-1].Time; last.After(end) {
			end = last
		}
	}
	step := simMaxGrid
	if resolution > 0 {
		step = min(resolution, simMaxGrid)
	}
	g := &simGrid{start: start, step: step, n: int(end.Sub(start)/step) + 1}
	for i := range tr.Containers {
		tc := &tr.Containers[i]
		c := &simContainer{
			tc:    tc,
			first: int((tc.Points[0].Time.Sub(start) + step - 1) / step),
			last:  int(tc.Points[len(tc.Points)-1].Time.Sub(start) / step),
		}
		c.steps = g.findSteps(c)
		g.cs = append(g.cs, c)
	}
	slices.SortFunc(g.cs, func(a, b *simContainer) int { return a.tc.VMID - b.tc.VMID })
	return g, nil
}

func checkTraceContainer(tc *TraceContainer) error {
	switch {
	case len(tc.Points) == 0:
		return fmt.Errorf("simulate: container %d has no point", tc.VMID)
	case tc.Initial.Cores < 1:
		return fmt.Errorf("simulate: container %d: initial cores %d: want at least 1", tc.VMID, tc.Initial.Cores)
	case tc.Initial.MemoryMiB < 1:
		return fmt.Errorf("simulate: container %d: initial memory %d MiB: want at least 1", tc.VMID, tc.Initial.MemoryMiB)
	case tc.Initial.SwapMiB < 0:
		return fmt.Errorf("simulate: container %d: initial swap %d MiB: want at least 0", tc.VMID, tc.Initial.SwapMiB)
	}
	for j, p := range tc.Points {
		if j > 0 && !p.Time.After(tc.Points[j-1].Time) {
			return fmt.Errorf("simulate: container %d: point %d at %s is not after the previous one (%s)",
				tc.VMID, j, p.Time.Format(time.RFC3339), tc.Points[j-1].Time.Format(time.RFC3339))
		}
		if !(p.CPUCores >= 0) || math.IsInf(p.CPUCores, 0) || !(p.NetRate >= 0) || !(p.IORate >= 0) {
			return fmt.Errorf("simulate: container %d: point %d at %s: cpu %g, net %g, io %g: want finite values >= 0",
				tc.VMID, j, p.Time.Format(time.RFC3339), p.CPUCores, p.NetRate, p.IORate)
		}
		for _, psi := range []float64{p.PressureCPU, p.PressureMemory, p.PressureIO} {
			if !(psi >= 0 && psi <= 100) {
				return fmt.Errorf("simulate: container %d: point %d at %s: pressure %g: want 0 to 100 percent",
					tc.VMID, j, p.Time.Format(time.RFC3339), psi)
			}
		}
	}
	return nil
}

// at is the time of grid point i.
func (g *simGrid) at(i int) time.Time { return g.start.Add(time.Duration(i) * g.step) }

// cursor walks a container's points along the grid: the demand at a time
// is the latest point at or before it.
type cursor struct {
	pts []TracePoint
	k   int
}

func (c *cursor) at(t time.Time) TracePoint {
	for c.k+1 < len(c.pts) && !c.pts[c.k+1].Time.After(t) {
		c.k++
	}
	return c.pts[c.k]
}

// findSteps finds the step increases of the container's cpu and memory
// demand. It depends on the trace alone, so every policy is timed on the
// same steps.
func (g *simGrid) findSteps(c *simContainer) []simStep {
	n := c.last - c.first + 1
	if n < 2 {
		return nil
	}
	cpu, mem := make([]float64, n), make([]float64, n)
	cur := cursor{pts: c.tc.Points}
	for i := range n {
		p := cur.at(g.at(c.first + i))
		cpu[i], mem[i] = p.CPUCores, float64(p.MemoryBytes)
	}
	hold := int((simStepHold + g.step - 1) / g.step)
	var steps []simStep
	for _, s := range []struct {
		res  scaling.Resource
		d    []float64
		base float64
	}{{scaling.ResourceCores, cpu, simStepBaseCores}, {scaling.ResourceMemory, mem, simStepBaseMemory}} {
		for i := 1; i < n; i++ {
			level := simStepRatio * max(s.d[i-1], s.base)
			if s.d[i] < level || i+hold >= n {
				continue
			}
			end := i + 1
			for end < n && s.d[end] >= level {
				end++
			}
			if end-i <= hold {
				continue // not held for 5 minutes
			}
			steps = append(steps, simStep{res: s.res, start: c.first + i, end: c.first + end})
			i = end - 1
		}
	}
	return steps
}

// simState is one container under one policy.
type simState struct {
	c      *simContainer
	cur    cursor
	active bool
	demand TracePoint
	alloc  scaling.Allocation
	// last is the previous change applied per resource, for flaps.
	last map[scaling.Resource]scaling.Action
	// coveredCPU and coveredMem say, per grid point from c.first, whether
	// the allocation covered the demand: what reaction times are read from.
	coveredCPU, coveredMem []bool
	acc                    simAccumulator
	timeline               []TimelinePoint
}

// simAccumulator sums the metrics of one container in grid units.
type simAccumulator struct {
	starved, measured    int
	wasteCores, wasteMem float64 // cores x grid steps, bytes x grid steps
	actions, flaps       int
	reactionSum          time.Duration
	reactions            int
}

// used is what the container gets of its demand under its allocation.
func (s *simState) used() (cores float64, mem, disk uint64) {
	cores = min(s.demand.CPUCores, float64(s.alloc.Cores))
	mem = min(s.demand.MemoryBytes, uint64(s.alloc.MemoryMiB)*mib)
	disk = s.demand.DiskBytes
	if s.alloc.DiskBytes > 0 {
		disk = min(disk, s.alloc.DiskBytes)
	}
	return cores, mem, disk
}

// measure adds grid point i to the container's metrics.
func (s *simState) measure(i int, t time.Time, timeline bool) {
	cores, mem, disk := s.used()
	limit := uint64(s.alloc.MemoryMiB) * mib
	cpuShort := s.demand.CPUCores > float64(s.alloc.Cores) || cores >= simStarvedUtilisation*float64(s.alloc.Cores)
	memShort := s.demand.MemoryBytes > limit || float64(mem) >= simStarvedUtilisation*float64(limit)
	diskShort := s.alloc.DiskBytes > 0 &&
		(s.demand.DiskBytes > s.alloc.DiskBytes || float64(disk) >= simStarvedUtilisation*float64(s.alloc.DiskBytes))
	s.acc.measured++
	if cpuShort || memShort || diskShort {
		s.acc.starved++
	}
	s.acc.wasteCores += float64(s.alloc.Cores) - cores
	s.acc.wasteMem += float64(limit - mem)
	k := i - s.c.first
	s.coveredCPU[k] = s.demand.CPUCores <= float64(s.alloc.Cores)
	s.coveredMem[k] = s.demand.MemoryBytes <= limit
	if timeline {
		s.timeline = append(s.timeline, TimelinePoint{
			Time:        t,
			DemandCores: s.demand.CPUCores, Cores: float64(s.alloc.Cores),
			DemandMemMiB: float64(s.demand.MemoryBytes) / mib, MemMiB: float64(s.alloc.MemoryMiB),
		})
	}
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

// simPolicy is one policy under simulation. tick is called at every grid
// point with every container (active or not) in VMID order; the policy
// decides whether its own tick is due, and applies its changes through
// simState.apply.
type simPolicy interface {
	tick(now time.Time, states []*simState) error
}

type staticPolicy struct{}

func (staticPolicy) tick(time.Time, []*simState) error { return nil }

// cycle is the fixed-interval clock of a policy that acts every interval
// from the first sample on, whatever the trace's step.
type cycle struct {
	interval time.Duration
	next     time.Time // when the next cycle is due; zero before the first
}

// due says whether a cycle runs at now and, if so, moves next past now:
// a trace step longer than the interval runs one cycle, not a backlog.
func (c *cycle) due(now time.Time) bool {
	if !c.next.IsZero() && now.Before(c.next) {
		return false
	}
	for c.next.IsZero() || !c.next.After(now) {
		if c.next.IsZero() {
			c.next = now
		}
		c.next = c.next.Add(c.interval)
	}
	return true
}

// run replays the grid under one policy.
func (g *simGrid) run(name string, p simPolicy, timeline bool) (PolicyResult, error) {
	states := make([]*simState, len(g.cs))
	for i, c := range g.cs {
		n := c.last - c.first + 1
		states[i] = &simState{
			c: c, cur: cursor{pts: c.tc.Points}, alloc: c.tc.Initial,
			coveredCPU: make([]bool, max(n, 0)), coveredMem: make([]bool, max(n, 0)),
		}
	}
	for i := range g.n {
		t := g.at(i)
		for _, s := range states {
			s.active = i >= s.c.first && i <= s.c.last
			if s.active {
				s.demand = s.cur.at(t)
				s.measure(i, t, timeline)
			}
		}
		if err := p.tick(t, states); err != nil {
			return PolicyResult{}, fmt.Errorf("simulate %s at %s: %w", name, t.Format(time.RFC3339), err)
		}
	}
	res := PolicyResult{Policy: name, PerContainer: make(map[int]Metrics, len(states))}
	if timeline {
		res.Timeline = make(map[int][]TimelinePoint, len(states))
	}
	var total simAccumulator
	for _, s := range states {
		s.reactions(g)
		res.PerContainer[s.c.tc.VMID] = s.acc.metrics(g.step)
		if timeline {
			res.Timeline[s.c.tc.VMID] = s.timeline
		}
		total.add(s.acc)
	}
	res.Total = total.metrics(g.step)
	return res, nil
}

// reactions times the container's steps from the coverage the run
// recorded.
func (s *simState) reactions(g *simGrid) {
	for _, st := range s.c.steps {
		covered := s.coveredCPU
		if st.res == scaling.ResourceMemory {
			covered = s.coveredMem
		}
		i := st.start
		for i < st.end && !covered[i-s.c.first] {
			i++
		}
		s.acc.reactionSum += time.Duration(i-st.start) * g.step
		s.acc.reactions++
	}
}

func (a *simAccumulator) add(b simAccumulator) {
	a.starved += b.starved
	a.measured += b.measured
	a.wasteCores += b.wasteCores
	a.wasteMem += b.wasteMem
	a.actions += b.actions
	a.flaps += b.flaps
	a.reactionSum += b.reactionSum
	a.reactions += b.reactions
}

func (a simAccumulator) metrics(step time.Duration) Metrics {
	hours := step.Hours()
	m := Metrics{
		StarvationMinutes: float64(a.starved) * step.Minutes(),
		WasteCoreHours:    a.wasteCores * hours,
		WasteGBHours:      a.wasteMem / bytesPerGiB * hours,
		Actions:           a.actions,
		Flaps:             a.flaps,
		ReactionSeconds:   math.NaN(),
	}
	if days := float64(a.measured) * hours / 24; days > 0 {
		m.ActionsPerDay = float64(a.actions) / days
	}
	if a.reactions > 0 {
		m.ReactionSeconds = a.reactionSum.Seconds() / float64(a.reactions)
	}
	return m
}

// Unit sizes.
const (
	mib         = 1 << 20
	bytesPerGiB = 1 << 30
)
