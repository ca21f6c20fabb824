package sim

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// The policies Simulate knows.
const (
	// PolicyStatic never changes anything: the baseline.
	PolicyStatic = "static"
	// PolicyLegacy is the original system's latest behaviour (thresholds on
	// the latest sample every 600 s, no cooldown); see simulate_legacy.go.
	PolicyLegacy = "legacy"
	// PolicyOurs is this controller's decision code with the given rules
	// and model.
	PolicyOurs = "ours"
)

// Policies lists every policy Simulate knows, in the order results use
// by default.
func Policies() []string { return []string{PolicyStatic, PolicyLegacy, PolicyOurs} }

// Defaults and measuring rules of the simulation.
const (
	defaultSimInterval = 10 * time.Second
	defaultSimWindow   = time.Hour
	// simMaxGrid is the coarsest measuring grid: a trace sampled every
	// minute is still measured every 10 s, so that a policy acting between
	// two samples is seen acting.
	simMaxGrid = 10 * time.Second
	// simStarvedUtilisation is the utilisation at which a container counts
	// as starved even when it still gets all it asks for: it has no room.
	simStarvedUtilisation = 0.95
	// simFlapWindow: a change reversed within this time is a flap.
	simFlapWindow = 30 * time.Minute
	// A step increase of demand is a jump to at least simStepRatio x the
	// previous level, held for simStepHold.
	simStepRatio = 1.5
	simStepHold  = 5 * time.Minute
	// simStepBaseCores and simStepBaseMemory are the smallest previous
	// level a step is measured from, so that an idle container's noise
	// (0.01 -> 0.02 cores) is no step.
	simStepBaseCores  = 0.1
	simStepBaseMemory = 64 * mib
)

// TracePoint is what a container demanded at a time (not what it got: the
// simulator clips it by each policy's allocation to produce what the
// controller would have observed).
type TracePoint struct {
	Time        time.Time
	CPUCores    float64 // cores demanded
	MemoryBytes uint64
	DiskBytes   uint64
	// NetRate and IORate are bytes per second, 0 when unknown.
	NetRate, IORate float64
	// PressureCPU, PressureMemory and PressureIO are the PSI "some" avg10
	// percentages the container saw, as Proxmox reports them; 0 when
	// unknown (the model reads an absent PSI as 0 too). They reach the
	// window, the features and the model as a listing's would.
	PressureCPU, PressureMemory, PressureIO float64
}

// TraceContainer is the demand of one container over time.
type TraceContainer struct {
	VMID int
	Name string
	// Initial is the allocation at the start: cores, memory MiB, swap MiB,
	// disk bytes (0 for unknown: the disk is then neither measured against
	// nor grown).
	Initial scaling.Allocation
	Points  []TracePoint // strictly increasing times
}

// Trace is the demand of a set of containers.
type Trace struct {
	Containers []TraceContainer
}

// Options configure Simulate.
type Options struct {
	// Interval is the controller tick simulated for ours (default 10 s);
	// legacy always evaluates every 600 s.
	Interval time.Duration
	// Window is the history ours keeps per container (default 1 h);
	// ShortPeriod the recent part its short-term features summarise
	// (default min(5 min, Window)), as in Options.
	Window, ShortPeriod time.Duration
	// Selection holds ours' rules and policies. Containers are selected by
	// VMID only (a trace has no tags or pools). Every mode is simulated as
	// enforce: the question is what the rules would have done.
	Selection scaling.Selection
	// Model is ours' anomaly model (Enabled false: thresholds only).
	Model controller.ModelOptions
	// Guard bounds ours' passes as in Options (the zero value: no
	// overcommit, no write limit).
	Guard scaling.GuardOptions
	// Node is the one node every container runs on; the zero value is a
	// node big enough for anything, so that only the rules decide.
	Node scaling.NodeCapacity
	// Policies to run, in the order of the results; default Policies().
	Policies []string
	// Timeline keeps each container's demand and allocation at every grid
	// point, for plotting.
	Timeline bool
}

// Metrics measure how well a policy served, per container or in total.
// All policies are measured on the same grid: the trace's own resolution,
// at most 10 s.
type Metrics struct {
	// StarvationMinutes are container-minutes with demand above the
	// allocation or utilisation at or above 95 %, of cores, memory or (when
	// its size is known) the root filesystem: a full disk starves a
	// container as surely as a full memory limit.
	StarvationMinutes float64
	// WasteCoreHours is (allocated - used) cores x hours; WasteGBHours the
	// same for memory in GiB.
	WasteCoreHours float64
	WasteGBHours   float64
	// Actions are the resource changes applied (a change of cores and one
	// of memory at the same tick are two); ActionsPerDay per container-day.
	Actions       int
	ActionsPerDay float64
	// Flaps are changes that reversed the previous change of the same
	// resource (up then down, or down then up) within 30 minutes.
	Flaps int
	// ReactionSeconds is the mean time from a step increase in demand (a
	// jump to at least 1.5 x the previous level, held 5 minutes; cpu or
	// memory) until the allocation covers the demand. A step never covered
	// counts until its demand fell back (or the trace ended). NaN when no
	// step occurred.
	ReactionSeconds float64
}

// TimelinePoint is one grid point of a container under one policy: what it
// demanded and what it was given (cores; memory in MiB).
type TimelinePoint struct {
	Time                 time.Time
	DemandCores, Cores   float64
	DemandMemMiB, MemMiB float64
}

// PolicyResult is what one policy did to the trace.
type PolicyResult struct {
	Policy       string
	Total        Metrics
	PerContainer map[int]Metrics
	// Timeline is per VMID, when Options.Timeline is set.
	Timeline map[int][]TimelinePoint
}

// Simulate replays the trace under each policy of o and measures how well
// each served it. The clock is the trace's: nothing reads the wall clock,
// and the same trace and options always give the same results.
//
// Each policy starts from the containers' Initial allocation. At every grid
// point each active container (from its first point to its last) demands
// its latest point; it is measured against the allocation in force, and a
// policy whose tick is due then observes what the container got (demand
// clipped by the allocation: used cores = min(demand, cores), likewise
// memory and disk) and its changes apply at once, for the following grid
// points.
//
// ours runs the controller's own code on that observation: the window,
// computeFeatures, the pooled forest (trained as the loop trains it: when
// there is none and then every RetrainInterval), Controller.score,
// Controller.decide (and so Controller.signals and Decide), SortByUrgency
// and the Guard, and ContainerState.Record with applied outcomes.
func Simulate(tr Trace, o Options) ([]PolicyResult, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	g, err := newSimGrid(tr)
	if err != nil {
		return nil, err
	}
	out := make([]PolicyResult, 0, len(o.Policies))
	for _, name := range o.Policies {
		var p simPolicy
		switch name {
		case PolicyStatic:
			p = staticPolicy{}
		case PolicyLegacy:
			p = &legacyPolicy{}
		case PolicyOurs:
			p = newOursPolicy(o)
		}
		r, err := g.run(name, p, o.Timeline)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func (o Options) withDefaults() (Options, error) {
	if o.Interval == 0 {
		o.Interval = defaultSimInterval
	}
	if o.Window == 0 {
		o.Window = defaultSimWindow
	}
	if o.Interval < time.Second || o.Window < o.Interval {
		return o, fmt.Errorf("simulate: interval %s and window %s: want 1s <= interval <= window", o.Interval, o.Window)
	}
	if o.ShortPeriod <= 0 {
		o.ShortPeriod = min(5*time.Minute, o.Window)
	}
	if len(o.Policies) == 0 {
		o.Policies = Policies()
	}
	// Every rule set is enforced: dry-run and recommend would change
	// nothing, and the guard counts room and writes by mode.
	o.Selection.Default.Mode = scaling.ModeEnforce
	o.Selection.Policies = slices.Clone(o.Selection.Policies)
	for i := range o.Selection.Policies {
		o.Selection.Policies[i].Rules.Mode = scaling.ModeEnforce
	}
	seen := map[string]bool{}
	for _, p := range o.Policies {
		if !slices.Contains(Policies(), p) {
			return o, fmt.Errorf("simulate: unknown policy %q: want one of %v", p, Policies())
		}
		if seen[p] {
			return o, fmt.Errorf("simulate: policy %q listed twice", p)
		}
		seen[p] = true
	}
	if o.Node == (scaling.NodeCapacity{}) {
		// Big enough for any trace, small enough that the guard's float
		// sums stay exact.
		o.Node = scaling.NodeCapacity{CPUs: 1 << 30, MemoryBytes: 1 << 60}
	}
	if o.Node.Node == "" {
		o.Node.Node = "sim"
	}
	return o, nil
}

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

// oursPolicy drives the loop's own pass (controller.Replay, which runs
// engine.step) with the trace in place of the cluster and a simulated
// clock.
type oursPolicy struct {
	replay   *controller.Replay
	interval time.Duration
	next     time.Time // when the next tick is due; zero before the first
}

func newOursPolicy(o Options) *oursPolicy {
	return &oursPolicy{
		replay: controller.NewReplay(controller.ReplayOptions{
			Interval: o.Interval, Window: o.Window, ShortPeriod: o.ShortPeriod,
			Selection: o.Selection, Model: o.Model, Guard: o.Guard, Node: o.Node,
		}),
		interval: o.Interval,
	}
}

// tick is one pass of the loop on what the active containers got; the
// admitted changes apply at once and are recorded as applied.
func (p *oursPolicy) tick(now time.Time, states []*simState) error {
	if !p.next.IsZero() && now.Before(p.next) {
		return nil
	}
	for p.next.IsZero() || !p.next.After(now) {
		if p.next.IsZero() {
			p.next = now
		}
		p.next = p.next.Add(p.interval)
	}
	var observed []controller.Observed
	byVMID := make(map[int]*simState, len(states))
	for _, s := range states {
		if !s.active {
			continue
		}
		byVMID[s.c.tc.VMID] = s
		cores, mem, disk := s.used()
		observed = append(observed, controller.Observed{
			VMID: s.c.tc.VMID, Name: s.c.tc.Name, Alloc: s.alloc,
			CPUCores: cores, MemoryBytes: mem, DiskBytes: disk,
			NetRate: s.demand.NetRate, IORate: s.demand.IORate,
			PressureCPU: s.demand.PressureCPU, PressureMemory: s.demand.PressureMemory, PressureIO: s.demand.PressureIO,
		})
	}
	for _, d := range p.replay.Step(now, observed) {
		if len(d.Changes) == 0 {
			continue
		}
		s := byVMID[d.VMID]
		outcomes := make([]scaling.Outcome, len(d.Changes))
		for i, ch := range d.Changes {
			s.apply(ch, now)
			outcomes[i] = scaling.Outcome{Change: ch, Result: scaling.ResultApplied}
		}
		p.replay.Record(d.VMID, outcomes, now)
	}
	return nil
}

// Unit sizes.
const (
	mib         = 1 << 20
	bytesPerGiB = 1 << 30
)
