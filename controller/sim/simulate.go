package sim

import (
	"fmt"
	"slices"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/policies"
)

// The policies Simulate knows.
const (
	// PolicyStatic never changes anything: the baseline.
	PolicyStatic = "static"
	// PolicyLegacy is the original system's latest behaviour (thresholds on
	// the latest sample every 600 s, no cooldown); see legacy.go.
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
	// defaultLegacyPhases: legacy's 600-s cycle is run from this many
	// starting moments, evenly spread over one cycle, and the mean is
	// reported (see Options.LegacyPhases).
	defaultLegacyPhases = 4
	maxLegacyPhases     = 60
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
	// RunawayCores is what a runaway process (a spinning loop) would burn
	// on top of the demand, up to every core it is given: the container
	// uses it, but it is no demand. Starvation is judged on CPUCores alone
	// and the cores it burns count as waste, so that feeding a runaway
	// core after core is measured as what it is. Not a CSV column:
	// generated scenarios set it.
	RunawayCores float64
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

// Widen returns from..to widened to cover first..last; a zero from is no
// span yet. Reports and timelines find the span of what they draw with it.
func Widen(from, to, first, last time.Time) (time.Time, time.Time) {
	if from.IsZero() || first.Before(from) {
		from = first
	}
	if last.After(to) {
		to = last
	}
	return from, to
}

// Options configure Simulate.
type Options struct {
	// Interval is the controller tick simulated for ours (default 10 s);
	// legacy always evaluates every 600 s. On a trace coarser than the
	// interval ours decides at each new sample instead (every typical gap
	// of the trace, see simGrid.interval): a pass between two samples would
	// see the last one again, and a 30-s stabilisation would be met by
	// three copies of one minute's sample. Stabilisation then counts
	// samples, as it does live, not ticks.
	Interval time.Duration
	// Window is the history ours keeps per container (default 1 h);
	// ShortPeriod the recent part its short-term features summarise
	// (default min(5 min, Window)), as in Options.
	Window, ShortPeriod time.Duration
	// Selection holds ours' rules and policies. Containers are selected by
	// VMID only (a trace has no tags or pools). Every mode is simulated as
	// enforce: the question is what the rules would have done.
	Selection policies.Selection
	// Model is ours' anomaly model (Enabled false: thresholds only).
	Model engine.ModelOptions
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
	// LegacyPhases is how many runs of legacy are averaged, each with its
	// 600-s check shifted by another 600/LegacyPhases s (default 4: 0,
	// 150, 300, 450 s after the first sample): a trace's steps would
	// otherwise all fall at one distance from legacy's checks. 1 runs the
	// check from the first sample only. Legacy's timeline is the first
	// run's.
	LegacyPhases int
}

// Metrics measure how well a policy served, per container or in total.
// All policies are measured on the same grid: the trace's own resolution,
// at most 10 s. Counts are float64: legacy's are means over its phases.
type Metrics struct {
	// StarvationMinutes are container-minutes with demand above the
	// allocation or utilisation at or above 95 %, of cores, memory or (when
	// its size is known) the root filesystem: a full disk starves a
	// container as surely as a full memory limit.
	StarvationMinutes float64
	// StarvationBeyondMaxMinutes is the part of StarvationMinutes at which
	// the demand would starve the container even at the most any policy
	// may allocate it (beyond.go): the same minutes under every policy.
	StarvationBeyondMaxMinutes float64
	// WasteCoreHours is (allocated - used) cores x hours; WasteGBHours the
	// same for memory in GiB, WasteDiskGBHours for the root filesystem
	// (when its size is known) in GiB.
	WasteCoreHours   float64
	WasteGBHours     float64
	WasteDiskGBHours float64
	// Actions are the resource changes applied (a change of cores and one
	// of memory at the same tick are two); ActionsPerDay per container-day.
	Actions       float64
	ActionsPerDay float64
	// Flaps are changes that reversed the previous change of the same
	// resource (up then down, or down then up) within 30 minutes.
	Flaps float64
	// OOMEvents are the episodes of memory demand above the limit: each
	// time the demand goes over it, however long it stays there (what the
	// kernel's OOM killer would answer).
	OOMEvents float64
	// OOMEventsAtStart is the part of OOMEvents under way at a container's
	// first point, under its initial allocation, before any policy could
	// act (beyond.go): the same episodes under every policy.
	OOMEventsAtStart float64
	// Steps are the sustained steps of cpu or memory demand in the trace
	// (see simStepRatio: a new level above everything of the 10 minutes
	// before, held 5 minutes, at least 1.5 x the old mean), and
	// StepsBeyondMax those of them that stay past every policy's max,
	// which no policy meets (reachable).
	// ReactionSeconds is the mean time from a step (from its first point
	// within every max) until the allocation covers the demand,
	// ReactionMaxSeconds the longest, over the steps some policy can meet;
	// a step never covered counts until its demand fell back (or the trace
	// ended). NaN when there is no such step.
	Steps, StepsBeyondMax               int
	ReactionSeconds, ReactionMaxSeconds float64
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
// points. Past twice a container's own typical gap since its latest point
// (a gap in its rows) it is still measured at that point, but no policy
// observes it: ours sees it listed as stopped, legacy skips it.
//
// ours runs the controller's own code on that observation: the window,
// computeFeatures, the pooled forest (trained as the loop trains it: when
// there is none and then every RetrainInterval), Controller.score,
// Controller.decide (and so Controller.signals and Decide), urgency.Order
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
	for _, c := range g.cs {
		c.ceiling = ceiling(c.tc, o)
		g.reachable(c)
	}
	out := make([]PolicyResult, 0, len(o.Policies))
	for _, name := range o.Policies {
		var r PolicyResult
		switch name {
		case PolicyStatic:
			r, err = g.run(name, staticPolicy{}, o.Timeline)
		case PolicyLegacy:
			r, err = g.runLegacy(o)
		case PolicyOurs:
			r, err = g.run(name, newOursPolicy(o, g.interval(o.Interval)), o.Timeline)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// runLegacy runs legacy at each of its phases and reports the mean.
func (g *simGrid) runLegacy(o Options) (PolicyResult, error) {
	var runs []PolicyResult
	for k := range o.LegacyPhases {
		phase := legacyInterval * time.Duration(k) / time.Duration(o.LegacyPhases)
		r, err := g.run(PolicyLegacy, newLegacyPolicy(phase), o.Timeline && k == 0)
		if err != nil {
			return PolicyResult{}, err
		}
		runs = append(runs, r)
	}
	if len(runs) == 1 {
		return runs[0], nil
	}
	out := runs[0]
	totals := make([]Metrics, len(runs))
	for i, r := range runs {
		totals[i] = r.Total
	}
	out.Total = meanMetrics(totals)
	out.PerContainer = make(map[int]Metrics, len(runs[0].PerContainer))
	for vmid := range runs[0].PerContainer {
		for i, r := range runs {
			totals[i] = r.PerContainer[vmid]
		}
		out.PerContainer[vmid] = meanMetrics(totals)
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
	if o.LegacyPhases == 0 {
		o.LegacyPhases = defaultLegacyPhases
	}
	if o.LegacyPhases < 1 || o.LegacyPhases > maxLegacyPhases {
		return o, fmt.Errorf("simulate: legacy phases %d: want 1 to %d", o.LegacyPhases, maxLegacyPhases)
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
