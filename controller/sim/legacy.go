package sim

import (
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// The original system's latest scaling rules (reference §4.5 of
// original-system.md): global limits, strict comparisons, one step per
// cycle, no cooldown, no hysteresis beyond the 600-s cycle, swap and disk
// never touched.
const (
	legacyInterval    = 600 * time.Second
	legacyUpPercent   = 75
	legacyDownPercent = 30
	legacyCoreStep    = 1
	legacyMinCores    = 2
	legacyMaxCores    = 4
	legacyMemStepMiB  = 512
	legacyMinMemMiB   = 1024
	legacyMaxMemMiB   = 8192
)

// legacyPolicy re-implements the original's decision on the latest sample
// of each container, every 600 s from phase after the start of the trace
// (the original's daemon was started at some moment of its own).
type legacyPolicy struct {
	cycle
	phase time.Duration
	start time.Time // the first tick's time
}

func newLegacyPolicy(phase time.Duration) *legacyPolicy {
	return &legacyPolicy{cycle: cycle{interval: legacyInterval}, phase: phase}
}

func (p *legacyPolicy) tick(now time.Time, states []*simState) error {
	if p.start.IsZero() {
		p.start = now
	}
	if now.Before(p.start.Add(p.phase)) || !p.due(now) {
		return nil
	}
	for _, s := range states {
		if !s.active || s.stale {
			continue // the original evaluates the running containers of the newest snapshot only
		}
		cores, mem, _ := s.used()
		cpuPercent := cores / float64(s.alloc.Cores) * 100
		memPercent := float64(mem) / mib / float64(s.alloc.MemoryMiB) * 100
		if to, ok := legacyTarget(s.alloc.Cores, cpuPercent, legacyCoreStep, legacyMinCores, legacyMaxCores); ok {
			s.apply(legacyChange(scaling.ResourceCores, s.alloc.Cores, to), now)
		}
		if to, ok := legacyTarget(s.alloc.MemoryMiB, memPercent, legacyMemStepMiB, legacyMinMemMiB, legacyMaxMemMiB); ok {
			s.apply(legacyChange(scaling.ResourceMemory, s.alloc.MemoryMiB, to), now)
		}
	}
	return nil
}

// legacyTarget is the original's rule for one resource: above 75 % one
// step up capped at max, below 30 % one step down floored at min, "No
// Scaling" when the clamped target equals the current value. Exactly as
// the original, the cap and the floor are applied to the stepped value
// only: a container above the max that is busy is brought down to the max,
// one below the min that is idle is raised to the min.
func legacyTarget(cur int, percent float64, step, lo, hi int) (int, bool) {
	var to int
	switch {
	case percent > legacyUpPercent:
		to = min(cur+step, hi)
	case percent < legacyDownPercent:
		to = max(cur-step, lo)
	default:
		return cur, false
	}
	return to, to != cur
}

func legacyChange(res scaling.Resource, from, to int) scaling.Change {
	dir := scaling.Up
	if to < from {
		dir = scaling.Down
	}
	return scaling.Change{Resource: res, Direction: dir, From: int64(from), To: int64(to), Text: "legacy thresholds"}
}
