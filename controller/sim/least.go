package sim

import (
	"math"
)

// The least core waste: the target asks each scenario for half of
// legacy's starvation, no more waste than legacy's and half of its
// actions. Where legacy starves most of the time (a CPU-bound container
// held at legacy's 4 cores, a burst every 15 minutes), its allocation
// sits below the demand and wastes nothing then; serving the demand
// wastes something, and following every burst up and down takes actions.
// Whether the parts of the target can be met together is not a matter of
// opinion: LeastCoreWaste computes the least core waste of any schedule
// of cores that starves the trace no longer, changes no more often and
// flaps no more than the target allows (not at all), knowing the future.
// When even that is above legacy's waste, no policy meets the target.
// When it is below, the bound does not say a policy can: it knows the
// future, and its prices may leave a gap (see below).
//
// The schedule is any whole number of cores from 1 to the ceiling
// (beyond.go) at every grid point, the initial allocation at a
// container's first point (a point is measured before the policies
// decide at it), a change taking effect at the next point, as in
// simGrid.run. A point is starved by its cores when the demand is at or
// above 95 % of them (simState.measure's rule); points starved at the
// ceiling, by any resource, starve under every policy and are free, as
// they are outside Metrics.Avoidable. Starvation by memory or disk and
// changes of memory, swap or disk only add to what a policy spends, so
// leaving them out keeps the bound below every policy's waste: a policy
// within the budgets is within them for cores alone.
//
// The least is found by Lagrangian relaxation: for prices lambda of a
// starved point and mu of a change, one dynamic program per container
// over (points, cores, the last change's direction and age) gives the
// least of waste + lambda x starved + mu x changes among schedules
// without a flap, and that total less lambda x the starvation budget and
// mu x the change budget is at most the waste of any schedule within both
// budgets (weak duality). The best of a grid of prices is the bound; for
// a schedule of whole cores it may be below the true least (a duality
// gap), never above it.
// Memory is not bounded: its levels are MiB, too many for the program,
// and without the change budget the bound (an allocation following the
// demand every 10 s) is far below what any policy can do.

// LeastCoreWaste is the least core-hours any policy wastes on tr while
// starving it for at most starvedMinutes within the maxes and changing
// cores at most changes times, and, when flapFree, never reversing a
// change of cores within simFlapWindow (see above).
func LeastCoreWaste(tr Trace, o Options, starvedMinutes, changes float64, flapFree bool) (float64, error) {
	o, err := o.withDefaults()
	if err != nil {
		return 0, err
	}
	g, err := newSimGrid(tr)
	if err != nil {
		return 0, err
	}
	// Points in a row with the same demand cost the same at any cores, so
	// the program runs over stretches of them (a 1-minute trace on the
	// 10-s grid: six points each), a change taking effect at a stretch's
	// start. Any schedule has one no dearer that changes only there, each
	// change moved by less than a stretch, which can bring two changes up
	// to two stretches closer: the flap window is shortened by as much, so
	// that the bound still holds every flap-free schedule.
	chunk := max(int(g.gap/g.step), 1)
	var cs []coreDemand
	points := 0
	for _, c := range g.cs {
		if c.first > c.last { // one sample between two grid points: never measured
			continue
		}
		ceil := ceiling(c.tc, o)
		cd := coreDemand{initial: c.tc.Initial.Cores, ceiling: max(ceil.Cores, c.tc.Initial.Cores, 1)}
		cur := cursor{pts: c.tc.Points}
		for i := c.first; i <= c.last; i++ {
			d := cur.at(g.at(i))
			free := starvedAt(d, ceil)
			// The first point has the initial allocation: a stretch of its own.
			if n := len(cd.stretches); i > c.first+1 && n > 0 {
				if last := &cd.stretches[n-1]; last.demand == d.CPUCores && last.free == free && last.points < chunk {
					last.points++
					last.end = i
					continue
				}
			}
			cd.stretches = append(cd.stretches, stretch{demand: d.CPUCores, free: free, points: 1, end: i})
		}
		points += c.last - c.first + 1
		cs = append(cs, cd)
	}
	if points == 0 {
		return 0, nil
	}
	starved := math.Floor(starvedMinutes/g.step.Minutes() + 1e-9)
	changes = math.Floor(changes + 1e-9)
	window := 0
	if flapFree {
		window = max(int(simFlapWindow/g.step)-2*(chunk-1), 0)
	}
	var work coreProgram
	dual := func(lambda, mu float64) float64 {
		total := -lambda*starved - mu*changes
		for _, c := range cs {
			total += work.least(c, lambda, mu, window)
		}
		return total
	}
	// The dual is concave in (lambda, mu): each price in turn is set to
	// the best of its grid, until a round improves nothing.
	lambdas, mus := prices(float64(maxCeiling(cs)), 14), prices(float64(points)*float64(maxCeiling(cs)), 24)
	lambda, mu := 0.0, 0.0
	best := dual(lambda, mu)
	for improved := true; improved; {
		improved = false
		for _, l := range lambdas {
			if v := dual(l, mu); v > best+1e-9 {
				best, lambda, improved = v, l, true
			}
		}
		for _, m := range mus {
			if v := dual(lambda, m); v > best+1e-9 {
				best, mu, improved = v, m, true
			}
		}
	}
	return max(best, 0) * g.step.Hours(), nil
}

// coreDemand is one container's cpu demand over its grid points, in
// stretches.
type coreDemand struct {
	initial, ceiling int
	stretches        []stretch
}

// stretch is points in a row with the same cpu demand, starved at the
// ceiling (free) or not, ending at grid point end.
type stretch struct {
	demand      float64
	free        bool
	points, end int
}

func maxCeiling(cs []coreDemand) int {
	m := 1
	for _, c := range cs {
		m = max(m, c.ceiling)
	}
	return m
}

// prices are 0 and top, top/2, ... (n halvings).
func prices(top float64, n int) []float64 {
	p := []float64{0}
	for range n + 1 {
		p = append(p, top)
		top /= 2
	}
	return p
}

// coreProgram is the dynamic program's state, reused between runs.
//
// A schedule's state at a point is its cores, the direction of its last
// change and that change's age: a change in the other direction is a
// flap while the age is within the window. Rather than a state per age,
// every change opens an entry whose value at a later point is its key
// plus the cost of staying at its cores since the start (sum), so that
// per cores and direction only the least key of all entries (any change
// in the same direction, or staying) and the least of the entries past
// the window (a reversal) are needed: the program stays O(stretches x
// cores).
type coreProgram struct {
	sum      []float64    // per cores: the cost of holding them from the first point
	all, old [2][]float64 // per direction (up, down) and cores: least key
	// pending are the entries not yet past the window, oldest first, from
	// head on: a queue that reuses its array, since a week's program
	// enters millions of entries (re-slicing its front away allocated
	// half a GiB a container).
	pending [2][]entry
	head    [2]int
}

// entry is a change made at point at into cores k with key key.
type entry struct {
	at, k int
	key   float64
}

// least is the least over schedules of c's cores of waste + lambda x
// starved points + mu x changes, in core x points, with no change
// reversing the one before within window points (0: any may).
func (p *coreProgram) least(c coreDemand, lambda, mu float64, window int) float64 {
	n := c.ceiling + 1 // index k: k cores, 1 <= k <= ceiling
	if cap(p.sum) < n {
		p.sum = make([]float64, n)
		for d := range 2 {
			p.all[d], p.old[d] = make([]float64, n), make([]float64, n)
		}
	}
	sum := p.sum[:n]
	all, old := [2][]float64{p.all[0][:n], p.all[1][:n]}, [2][]float64{p.old[0][:n], p.old[1][:n]}
	for d := range 2 {
		p.pending[d], p.head[d] = p.pending[d][:0], 0
		for k := range n {
			all[d][k], old[d][k] = math.Inf(1), math.Inf(1)
		}
	}
	for k := 1; k < n; k++ {
		sum[k] = c.stretches[0].cost(k, lambda)
	}
	init := min(max(c.initial, 1), c.ceiling) // never changed: free to go either way
	const up, down = 0, 1
	for i := 1; i < len(c.stretches); i++ {
		at := c.stretches[i-1].end // a change made at the previous stretch's end takes effect at this one
		for d := range 2 {
			q, h := p.pending[d], p.head[d]
			for ; h < len(q) && at-q[h].at > window; h++ {
				old[d][q[h].k] = min(old[d][q[h].k], q[h].key)
			}
			if h > len(q)/2 {
				q, h = q[:copy(q, q[h:])], 0
			}
			p.pending[d], p.head[d] = q, h
		}
		// The least value at the previous point of cores below k that may
		// change up, before entering k; then the same from above, down.
		lowest := math.Inf(1)
		for k := 1; k < n; k++ {
			if k > 1 {
				from := k - 1
				v := min(all[up][from], old[down][from]) + sum[from]
				if from == init {
					v = min(v, sum[init])
				}
				lowest = min(lowest, v)
			}
			p.enter(up, k, at, lowest+mu-sum[k], all)
		}
		lowest = math.Inf(1)
		for k := n - 1; k >= 1; k-- {
			if k < n-1 {
				from := k + 1
				v := min(all[down][from], old[up][from]) + sum[from]
				if from == init {
					v = min(v, sum[init])
				}
				lowest = min(lowest, v)
			}
			p.enter(down, k, at, lowest+mu-sum[k], all)
		}
		for k := 1; k < n; k++ {
			sum[k] += c.stretches[i].cost(k, lambda)
		}
	}
	best := sum[init]
	for d := range 2 {
		for k := 1; k < n; k++ {
			best = min(best, all[d][k]+sum[k])
		}
	}
	return best
}

// enter opens an entry into cores k in direction d made at point at.
func (p *coreProgram) enter(d, k, at int, key float64, all [2][]float64) {
	if math.IsInf(key, 1) {
		return
	}
	all[d][k] = min(all[d][k], key)
	p.pending[d] = append(p.pending[d], entry{at: at, k: k, key: key})
}

// cost is the stretch's waste at k cores, plus lambda a point when they
// starve it within the maxes.
func (st stretch) cost(k int, lambda float64) float64 {
	cores := float64(k)
	w := cores - min(st.demand, cores)
	if !st.free && st.demand >= simStarvedUtilisation*cores {
		w += lambda
	}
	return w * float64(st.points)
}
