package sim

import (
	"sort"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// A sustained step of demand, the event whose reaction time Simulate
// reports, is a new level that noise cannot make and a short burst is not:
// at grid point i the demand of a resource (cpu or memory) starts a step
// when
//
//   - for the hold (simStepHold, 5 minutes) from i on, every point is above
//     the highest point of the lookback (simStepLookback, the 10 minutes
//     before i): the new level is separated from the old one, however
//     noisy the old one was;
//   - the mean over the hold is at least simStepRatio (1.5) times the mean
//     over the lookback, the latter floored at the resource's base (0.1
//     cores, 64 MiB), so that an idle container's 0.01 -> 0.02 cores is no
//     step and neither is a slow ramp (each 10 minutes a little above the
//     last);
//   - the whole lookback and hold lie within the container's trace.
//
// The step lasts while the demand stays above the lookback's highest
// point: it ends at the first point back at or below the old level (or at
// the end of the trace). The next step is looked for from there.
//
// The old rule (a jump to 1.5 x the single previous point, held 5
// minutes) measured from one sample: a noisy container's dip made the
// next ordinary points a "step", and a real step whose first point
// followed a noise high, or whose new level dipped once below 1.5 x that
// high, was missed.
const (
	simStepRatio    = 1.5
	simStepHold     = 5 * time.Minute
	simStepLookback = 10 * time.Minute
	// simStepBaseCores and simStepBaseMemory floor the old level a step is
	// measured from.
	simStepBaseCores  = 0.1
	simStepBaseMemory = 64 * mib
)

// simStep is a sustained step of demand: from grid point start until end
// (exclusive) the demand of res stayed above the level before it. from is
// the first of its points whose demand the container's ceiling covers,
// the soonest any policy can meet it (reachable); end when none does.
type simStep struct {
	res              scaling.Resource
	start, end, from int
}

// findSteps finds the sustained steps of the container's cpu and memory
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
	lookback := int((simStepLookback + g.step - 1) / g.step)
	var steps []simStep
	for _, s := range []struct {
		res  scaling.Resource
		d    []float64
		base float64
	}{{scaling.ResourceCores, cpu, simStepBaseCores}, {scaling.ResourceMemory, mem, simStepBaseMemory}} {
		for _, st := range sustainedSteps(s.d, lookback, hold, s.base) {
			steps = append(steps, simStep{res: s.res, start: c.first + st[0], end: c.first + st[1], from: c.first + st[0]})
		}
	}
	return steps
}

// reachable sets the from of each of c's steps under its ceiling. A step
// whose demand stays past what any policy may allocate (a 9 GB job on a
// container whose initial allocation and every max are 8 GiB) is met by
// none: timed, it would give every policy the same reaction, the whole
// step, and say nothing of a decision, as the starvation beyond every max
// (beyond.go). Such a step is counted apart and not timed; one whose
// first points are past the ceiling is timed from the first that is not.
func (g *simGrid) reachable(c *simContainer) {
	pts := c.tc.Points
	for k := range c.steps {
		st := &c.steps[k]
		st.from = st.end
		t := g.at(st.start)
		cur := cursor{pts: pts, k: max(sort.Search(len(pts), func(j int) bool { return pts[j].Time.After(t) })-1, 0)}
		for i := st.start; i < st.end; i++ {
			cpu, mem := coveredBy(cur.at(g.at(i)), c.ceiling)
			if st.res == scaling.ResourceCores && cpu || st.res == scaling.ResourceMemory && mem {
				st.from = i
				break
			}
		}
	}
}

// sustainedSteps returns the [start, end) of each sustained step of d (see
// simStepRatio) for a lookback and a hold counted in points.
func sustainedSteps(d []float64, lookback, hold int, base float64) [][2]int {
	n := len(d)
	if lookback < 1 || hold < 1 || n < lookback+hold {
		return nil
	}
	sum := make([]float64, n+1) // prefix sums, for the means
	for i, v := range d {
		sum[i+1] = sum[i] + v
	}
	before := windowMax(d, lookback) // before[i]: max of d[i-lookback:i]
	after := windowMin(d, hold)      // after[i]: min of d[i:i+hold]
	var steps [][2]int
	for i := lookback; i+hold <= n; i++ {
		old := before[i-lookback]
		if after[i] <= old {
			continue
		}
		oldMean := max((sum[i]-sum[i-lookback])/float64(lookback), base)
		if (sum[i+hold]-sum[i])/float64(hold) < simStepRatio*oldMean {
			continue
		}
		end := i + hold
		for end < n && d[end] > old {
			end++
		}
		steps = append(steps, [2]int{i, end})
		i = end - 1 // the next step is looked for from where this one ended
	}
	return steps
}

// windowMax returns, for each i in [0, len(d)-w], the largest of d[i:i+w]
// (a monotone queue: linear in len(d)).
func windowMax(d []float64, w int) []float64 {
	return slidingExtreme(d, w, func(a, b float64) bool { return a >= b })
}

// windowMin is windowMax for the smallest.
func windowMin(d []float64, w int) []float64 {
	return slidingExtreme(d, w, func(a, b float64) bool { return a <= b })
}

// slidingExtreme keeps, in q, the indexes of the points that may still be
// the extreme of a window: each is better than (keep) every later one.
func slidingExtreme(d []float64, w int, keep func(a, b float64) bool) []float64 {
	if len(d) < w {
		return nil
	}
	out := make([]float64, len(d)-w+1)
	q := make([]int, 0, w)
	for i, v := range d {
		for len(q) > 0 && !keep(d[q[len(q)-1]], v) {
			q = q[:len(q)-1]
		}
		q = append(q, i)
		if q[0] <= i-w {
			q = q[1:]
		}
		if i >= w-1 {
			out[i-w+1] = d[q[0]]
		}
	}
	return out
}
