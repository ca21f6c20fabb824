package relief

import "time"

const (
	// PinnedShare is the share of the limit at which usage is pinned: a
	// cgroup at its cpu.max or memory.max reads a little below it.
	PinnedShare = 0.98
	// PinnedSamples is how many newest samples, all taken after the last
	// change of the resource, must be pinned.
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
	// Decay is the down cooldown after an increase relief made: past the
	// half hour within which a decrease reverses an increase (a flap), and
	// shorter than the default cooldown_down (45 min).
	Decay = 35 * time.Minute
)
