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
	// gap is the trace's typical time between two samples of a container
	// (the median gap; 0 when no container has two).
	gap time.Duration
}

// interval is the tick of a policy that wants one every want: a tick
// between two samples would only see the last one again.
func (g *simGrid) interval(want time.Duration) time.Duration { return max(want, g.gap) }

// simContainer is a trace container placed on the grid.
type simContainer struct {
	tc          *TraceContainer
	first, last int       // grid points at which it is active, inclusive
	steps       []simStep // step increases of its demand
	// ceiling is the most any policy may allocate it (beyond.go).
	ceiling    scaling.Allocation
	staleAfter time.Duration // staleAfter(tc)
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
	g := &simGrid{start: start, step: step, n: int(end.Sub(start)/step) + 1, gap: typicalGap(tr)}
	for i := range tr.Containers {
		tc := &tr.Containers[i]
		c := &simContainer{
			tc:         tc,
			first:      int((tc.Points[0].Time.Sub(start) + step - 1) / step),
			last:       int(tc.Points[len(tc.Points)-1].Time.Sub(start) / step),
			staleAfter: staleAfter(tc),
		}
		c.steps = g.findSteps(c)
		g.cs = append(g.cs, c)
	}
	slices.SortFunc(g.cs, func(a, b *simContainer) int { return a.tc.VMID - b.tc.VMID })
	return g, nil
}

// Interval is the tick ours runs at on tr when asked for want: want, or
// the trace's typical gap between two samples of a container (the median)
// when that is longer (see Options.Interval).
func Interval(tr Trace, want time.Duration) time.Duration { return max(want, typicalGap(tr)) }

// typicalGap is the median gap between two samples of a container; 0 when
// no container has two.
func typicalGap(tr Trace) time.Duration { return medianGap(tr.Containers) }

// staleAfter is how old tc's latest point may be and still be what it
// does now: twice its own typical gap (0, never stale, with one point).
// Past it the container is in a gap of its rows: stopped, or not
// collected (simState.stale).
func staleAfter(tc *TraceContainer) time.Duration { return 2 * medianGap([]TraceContainer{*tc}) }

// Gaps is how many of tr's containers have gaps in their rows, and how
// long they spend in them in all: what no policy observes or resizes.
func Gaps(tr Trace) (containers int, total time.Duration) {
	for i := range tr.Containers {
		tc := &tr.Containers[i]
		after, in := staleAfter(tc), time.Duration(0)
		for j := 1; j < len(tc.Points) && after > 0; j++ {
			in += max(tc.Points[j].Time.Sub(tc.Points[j-1].Time)-after, 0)
		}
		if in > 0 {
			containers, total = containers+1, total+in
		}
	}
	return containers, total
}

// medianGap is the median gap between two samples of a container of cs.
func medianGap(cs []TraceContainer) time.Duration {
	counts := map[time.Duration]int{} // a trace has few distinct gaps
	total := 0
	for _, c := range cs {
		for j := 1; j < len(c.Points); j++ {
			counts[c.Points[j].Time.Sub(c.Points[j-1].Time)]++
			total++
		}
	}
	keys := make([]time.Duration, 0, len(counts))
	for gap := range counts {
		keys = append(keys, gap)
	}
	slices.Sort(keys)
	seen := 0
	for _, gap := range keys {
		if seen += counts[gap]; 2*seen >= total {
			return gap
		}
	}
	return 0
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
		if !(p.CPUCores >= 0) || math.IsInf(p.CPUCores, 0) || !(p.NetRate >= 0) || !(p.IORate >= 0) || !(p.RunawayCores >= 0 && p.RunawayCores <= MaxCores) {
			return fmt.Errorf("simulate: container %d: point %d at %s: cpu %g, net %g, io %g, runaway %g: want finite values >= 0 (runaway at most %d)",
				tc.VMID, j, p.Time.Format(time.RFC3339), p.CPUCores, p.NetRate, p.IORate, p.RunawayCores, MaxCores)
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
				s.stale = s.c.staleAfter > 0 && t.Sub(s.demand.Time) > s.c.staleAfter
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
