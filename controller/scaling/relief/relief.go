package relief

import "time"

const (
	// PinnedShare is the share of the limit at which usage is pinned: a
	// cgroup at its cpu.max or memory.max reads a little below it.
	PinnedShare = 0.98
	// PinnedSamples is how many newest samples, all taken after the last
	// change of the resource, must be pinned without a jump before them.
	PinnedSamples = 2
	// Settle: samples this long after an increase show what it made
	// (pvestatd moves the cpuset within 10 s, then a whole 10-s sample).
	Settle = 20 * time.Second
	// FactorCores and FactorMemory are what a pinned allocation grows by
	// per change while it stays pinned, before the policy's max and the
	// node guard. Doubling overshoots by up to 100 %: worth it for memory,
	// short of which is an OOM kill, not for cores (x2: up to 3 % more
	// core waste, the worst step as slow on 2 of 3 seeds).
	FactorCores  = 1.5
	FactorMemory = 2
	// JumpMax caps the jump taken as the estimate at the most any relief
	// grows by at once: on the built-in set (seeds 1-3) no cap costs
	// 0.3-0.4 points more core waste for the worst step 0.2, 1.2, 1.2
	// intervals instead of 1.2, 1.2, 1.2; a cap of 1.5 leaves 2.2.
	JumpMax = FactorMemory
	// Corroborates is the rise, as a factor, at which another signal
	// counts as moving with a jump: +50 %, well above a steady service's
	// noise (the runaway hold's line too).
	Corroborates = 1.5
	// Decay is the down cooldown after an increase relief made: past the
	// half hour within which a decrease reverses an increase (a flap), and
	// shorter than the default cooldown_down (45 min).
	Decay = 35 * time.Minute
)

// Points is a series read a point at a time, oldest first, as
// controller/scaling's Points.
type Points interface {
	Len() int
	Time(i int) time.Time
	Value(i int) float64
}

// Counter is Points that count how many of their newest points in a row
// are at or above line themselves: a window, from its extremes blocks,
// where a container pinned at its limit for the hour is 360 points.
type Counter interface {
	AtLeast(line float64) int
}

// Jump returns how many of p's newest points in a row, all after since
// (any when since is zero), are at or above line, and, when the point
// before that run is after since too, above 0 and below up, how many times
// it the newest is, at most JumpMax; 0 when there is no such jump.
func Jump(p Points, line, up float64, since time.Time) (run int, jump float64) {
	n := p.Len()
	i := n - 1
	if c, ok := p.(Counter); ok {
		// Counted at once when no point of the run is at or before since.
		if k := n - 1 - c.AtLeast(line); since.IsZero() || k+1 >= n || p.Time(k+1).After(since) {
			i = k
		}
	}
	for ; i >= 0 && p.Value(i) >= line; i-- {
		if !since.IsZero() && !p.Time(i).After(since) {
			return n - 1 - i, 0
		}
	}
	run = n - 1 - i
	if run == 0 || i < 0 || !since.IsZero() && !p.Time(i).After(since) {
		return run, 0
	}
	if prev := p.Value(i); prev > 0 && prev < up {
		return run, min(p.Value(n-1)/prev, JumpMax)
	}
	return run, 0
}

// Jumped reports whether the newest of p is at least Corroborates times
// the point before it: the other resource moved with a jump.
func Jumped(p Points) bool {
	n := p.Len()
	return n >= 2 && p.Value(n-1) >= Corroborates*p.Value(n-2)
}

// JumpedTo reports whether the newest of p is pinned at limit (at least
// PinnedShare of it) and the point before below up (the up threshold, in
// p's terms): the other resource moved with the jump as far as its limit
// let it, which may be less than Corroborates times.
func JumpedTo(p Points, limit, up float64) bool {
	n := p.Len()
	return n >= 2 && p.Value(n-1) >= PinnedShare*limit && p.Value(n-2) < up
}
