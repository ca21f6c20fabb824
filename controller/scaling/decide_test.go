package scaling

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/relief"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/sat"
)

const gib = 1 << 30

// decideNow is the tick of the decision tests: an hour after decideT0, so
// that the series have an hour of history.
var decideNow = decideT0.Add(time.Hour)

// usage is a series sampled every 10 s from now-history to now: base,
// then tailValue for the points in the last tail.
func usage(now time.Time, history time.Duration, base float64, tail time.Duration, tailValue float64) Series {
	var s Series
	for t := now.Add(-history); !t.After(now); t = t.Add(10 * time.Second) {
		v := base
		if !t.Before(now.Add(-tail)) {
			v = tailValue
		}
		s = append(s, Point{Time: t, Value: v})
	}
	return s
}

// cpuFor is an hour of 0.5 utilisation ending in d at v.
func cpuFor(d time.Duration, v float64) Series { return usage(decideNow, time.Hour, 0.5, d, v) }

// memFor is an hour of 1 GiB used ending in d at mibUsed MiB.
func memFor(d time.Duration, mibUsed float64) Series {
	return usage(decideNow, time.Hour, 1024*mib, d, mibUsed*mib)
}

func testRules() Rules {
	return Rules{
		Mode:   ModeEnforce,
		CPU:    CPURules{Enabled: true, Up: 0.75, Down: 0.30, Step: 1, Min: 1, Max: 4},
		Memory: MemoryRules{Enabled: true, Up: 0.75, Down: 0.30, Step: 512 * mib, Min: 512 * mib, Max: 8 * gib, Margin: 256 * mib},
		Swap:   SwapRules{Enabled: false, Ratio: 0.5, Min: 0, Max: 4 * gib},
		Disk:   DiskRules{Enabled: true, Threshold: 0.85, Step: 2 * gib, Max: 64 * gib},

		CooldownUp: 3 * time.Minute, CooldownDown: 15 * time.Minute,
		StabilizationUp: time.Minute, StabilizationDown: 10 * time.Minute,
	}
}

// decideInput is every argument of Decide.
type decideInput struct {
	sig    Signals
	policy string
	rules  Rules
	st     ContainerState
	now    time.Time
}

// steadyInput is a container that needs nothing: 2 cores at 0.5, 1 of 2
// GiB of memory used, a 10 GiB disk half full, swap aligned with memory
// (for the rows that enable it).
func steadyInput() decideInput {
	return decideInput{
		sig: Signals{
			VMID: 101, Node: "pve1", Running: true,
			Alloc:      Allocation{Cores: 2, MemoryMiB: 2048, SwapMiB: 1024, DiskBytes: 10 * gib},
			CPU:        cpuFor(0, 0.5),
			Memory:     memFor(0, 1024),
			MemoryPeak: 1024 * mib,
			DiskUsed:   5 * gib,
			Score:      0.42,
		},
		policy: "",
		rules:  testRules(),
		now:    decideNow,
	}
}

func lastAction(res Resource, ago time.Duration) ContainerState {
	return ContainerState{LastAction: map[Resource]Action{res: {Time: decideNow.Add(-ago), Direction: Up}}}
}

// undoneUp is an increase ago that undid n decreases in a row.
func undoneUp(res Resource, ago time.Duration, n uint8) ContainerState {
	st := lastAction(res, ago)
	a := st.LastAction[res]
	a.Undone = n
	st.LastAction[res] = a
	return st
}

func up(res Resource, from, to int64) Change {
	return Change{Resource: res, Direction: Up, From: from, To: to}
}
func down(res Resource, from, to int64) Change {
	return Change{Resource: res, Direction: Down, From: from, To: to}
}
func held(res Resource, reason SkipReason) Hold { return Hold{Resource: res, Reason: reason} }

func TestDecide(t *testing.T) {
	busy := func(in *decideInput) { in.sig.CPU = cpuFor(time.Minute, 0.9) }
	idle := func(in *decideInput) { in.sig.CPU = cpuFor(10*time.Minute, 0.1) }
	withSwap := func(in *decideInput) { in.rules.Swap.Enabled = true }
	both := func(fs ...func(*decideInput)) func(*decideInput) {
		return func(in *decideInput) {
			for _, f := range fs {
				f(in)
			}
		}
	}

	tests := []decideCase{
		{name: "steady: nothing to do", edit: func(*decideInput) {}},

		// Cores up.
		{name: "cpu up after a sustained minute", edit: busy,
			changes: []Change{up(ResourceCores, 2, 3)}, text: "cpu 0.90 >= 0.75 for 1m0s"},
		{name: "cpu up at the threshold (inclusive)", edit: func(in *decideInput) { in.sig.CPU = cpuFor(time.Minute, 0.75) },
			changes: []Change{up(ResourceCores, 2, 3)}},
		{name: "cpu just under the up threshold", edit: func(in *decideInput) { in.sig.CPU = cpuFor(time.Minute, 0.7499) }},
		{name: "cpu up quotes the weakest point of the period", edit: func(in *decideInput) {
			in.sig.CPU = cpuFor(time.Minute, 0.95)
			in.sig.CPU[len(in.sig.CPU)-3].Value = 0.8
		}, changes: []Change{up(ResourceCores, 2, 3)}, text: "cpu 0.80 >= 0.75"},
		{name: "cpu up not sustained long enough", edit: func(in *decideInput) { in.sig.CPU = cpuFor(30*time.Second, 0.9) },
			holds: []Hold{held(ResourceCores, SkipStabilizing)}, text: "cpu 0.90 >= 0.75 for 30s of 1m0s"},
		{name: "cpu up interrupted inside the period", edit: func(in *decideInput) {
			busy(in)
			in.sig.CPU[len(in.sig.CPU)-3].Value = 0.5
		}, holds: []Hold{held(ResourceCores, SkipStabilizing)}, text: "for 10s of 1m0s"},
		{name: "cpu up with no stabilisation: the newest point decides", edit: func(in *decideInput) {
			in.sig.CPU = cpuFor(0, 0.9)
			in.rules.StabilizationUp = 0
		}, changes: []Change{up(ResourceCores, 2, 3)}, text: "cpu 0.90 >= 0.75"},
		{name: "cpu up at max", edit: both(busy, func(in *decideInput) { in.sig.Alloc.Cores = 4 }),
			holds: []Hold{held(ResourceCores, SkipAtLimit)}, text: "4 cores is at or above the max 4"},
		{name: "cpu at max is at limit even before stabilising", edit: func(in *decideInput) {
			in.sig.CPU = cpuFor(10*time.Second, 0.9)
			in.sig.Alloc.Cores = 4
		}, holds: []Hold{held(ResourceCores, SkipAtLimit)}},
		{name: "cpu step capped at max", edit: both(busy, func(in *decideInput) {
			in.rules.CPU.Step = 2
			in.sig.Alloc.Cores = 3
		}), changes: []Change{up(ResourceCores, 3, 4)}},
		{name: "cpu above max and busy comes down to max", edit: both(busy, func(in *decideInput) { in.sig.Alloc.Cores = 6 }),
			changes: []Change{down(ResourceCores, 6, 4)}, text: "6 cores is above the max 4"},
		{name: "cpu above max with a peak above max holds", edit: both(busy, func(in *decideInput) {
			in.sig.Alloc.Cores = 8
			in.sig.CPUPeak = 6
		}), holds: []Hold{held(ResourceCores, SkipCPUFloor)}, text: "8 cores is above the max 4 but the floor 9 cores"},
		{name: "cpu above max waits for the down cooldown", edit: both(idle, func(in *decideInput) {
			in.sig.Alloc.Cores = 6
			in.st.LastAction = map[Resource]Action{ResourceCores: {Time: in.now.Add(-time.Minute), Direction: Up, From: 5, To: 6}}
		}), holds: []Hold{held(ResourceCores, SkipCooldown)}},
		{name: "cpu above max while anomalous comes down all the same", edit: both(idle, func(in *decideInput) {
			in.sig.Alloc.Cores = 6
			in.sig.AnomalousSince = in.now.Add(-time.Minute)
		}), changes: []Change{down(ResourceCores, 6, 4)}},
		{name: "cpu above max and idle comes down to max", edit: both(idle, func(in *decideInput) { in.sig.Alloc.Cores = 6 }),
			changes: []Change{down(ResourceCores, 6, 4)}},
		{name: "cpu below min and busy goes up to min", edit: both(busy, func(in *decideInput) {
			in.rules.CPU.Min = 3
			in.sig.Alloc.Cores = 1
		}), changes: []Change{up(ResourceCores, 1, 3)}, text: "1 cores is below the min 3"},
		{name: "cpu below min and idle goes up to min", edit: both(idle, func(in *decideInput) {
			in.rules.CPU.Min = 3
			in.sig.Alloc.Cores = 2
		}), changes: []Change{up(ResourceCores, 2, 3)}, text: "2 cores is below the min 3"},
		{name: "cores above the node's threads come down to them", edit: both(idle, func(in *decideInput) {
			in.sig.Alloc.Cores = 4
			in.sig.CoresMax = 2
		}), changes: []Change{down(ResourceCores, 4, 2)}, text: "4 cores is above the max 2"},
		{name: "busy cores stop at the node's threads", edit: both(busy, func(in *decideInput) {
			in.sig.Alloc.Cores = 2
			in.sig.CoresMax = 2
		}), holds: []Hold{held(ResourceCores, SkipAtLimit)}},
		{name: "cores left to the administrator", edit: both(busy, func(in *decideInput) {
			in.sig.CoresUnmanaged = "cores are not set"
		}), holds: []Hold{held(ResourceCores, SkipUnmanaged)}, text: "cores are not set"},

		// Cores down.
		{name: "cpu down after sustained ten minutes", edit: idle,
			changes: []Change{down(ResourceCores, 2, 1)}, text: "cpu 0.10 <= 0.30 for 10m0s"},
		{name: "cpu down at the threshold (inclusive)", edit: func(in *decideInput) { in.sig.CPU = cpuFor(10*time.Minute, 0.30) },
			changes: []Change{down(ResourceCores, 2, 1)}},
		{name: "cpu just over the down threshold", edit: func(in *decideInput) { in.sig.CPU = cpuFor(10*time.Minute, 0.3001) }},
		{name: "cpu down not sustained long enough", edit: func(in *decideInput) { in.sig.CPU = cpuFor(5*time.Minute, 0.1) },
			holds: []Hold{held(ResourceCores, SkipStabilizing)}, text: "for 5m0s of 10m0s"},
		{name: "cpu down with too short a history", edit: func(in *decideInput) {
			in.sig.CPU = usage(decideNow, 2*time.Minute, 0.1, 0, 0.1)
		}, holds: []Hold{held(ResourceCores, SkipStabilizing)}, text: "for 2m0s of 10m0s"},
		{name: "cpu down at min", edit: both(idle, func(in *decideInput) { in.sig.Alloc.Cores = 1 }),
			holds: []Hold{held(ResourceCores, SkipAtLimit)}},

		// Cooldowns.
		{name: "cooldown up blocks an increase", edit: both(busy, func(in *decideInput) { in.st = lastAction(ResourceCores, 2*time.Minute) }),
			holds: []Hold{held(ResourceCores, SkipCooldown)}, text: "last change 2m0s ago, cooldown 3m0s"},
		{name: "cooldown up over at exactly its end", edit: both(busy, func(in *decideInput) { in.st = lastAction(ResourceCores, 3*time.Minute) }),
			changes: []Change{up(ResourceCores, 2, 3)}},
		{name: "cooldown down does not hold an increase", edit: both(busy, func(in *decideInput) { in.st = lastAction(ResourceCores, 5*time.Minute) }),
			changes: []Change{up(ResourceCores, 2, 3)}},
		{name: "cooldown down blocks a decrease", edit: both(idle, func(in *decideInput) { in.st = lastAction(ResourceCores, 14*time.Minute) }),
			holds: []Hold{held(ResourceCores, SkipCooldown)}},
		{name: "cooldown down over at exactly its end", edit: both(idle, func(in *decideInput) { in.st = lastAction(ResourceCores, 15*time.Minute) }),
			changes: []Change{down(ResourceCores, 2, 1)}},
		{name: "an undone decrease doubles the down cooldown", edit: both(idle, func(in *decideInput) { in.st = undoneUp(ResourceCores, 29*time.Minute, 1) }),
			holds: []Hold{held(ResourceCores, SkipCooldown)}, text: "cooldown 30m0s (lengthened: the last decrease was undone within 6h0m0s)"},
		{name: "an undone decrease's cooldown over at exactly its end", edit: both(idle, func(in *decideInput) { in.st = undoneUp(ResourceCores, 30*time.Minute, 1) }),
			changes: []Change{down(ResourceCores, 2, 1)}},
		{name: "three undone decreases wait eight cooldowns", edit: both(idle, func(in *decideInput) { in.st = undoneUp(ResourceCores, 119*time.Minute, 3) }),
			holds: []Hold{held(ResourceCores, SkipCooldown)}, text: "cooldown 2h0m0s (lengthened: the last 3 decreases were undone within 6h0m0s)"},
		{name: "undone decreases never wait past undoneWithin", edit: both(idle, func(in *decideInput) { in.st = undoneUp(ResourceCores, 6*time.Hour, 8) }),
			changes: []Change{down(ResourceCores, 2, 1)}},
		{name: "undone memory decreases keep the cooldown", edit: func(in *decideInput) {
			in.sig.Memory = usage(decideNow, time.Hour, 400*mib, 0, 400*mib)
			in.sig.MemoryPeak = 400 * mib
			in.st = undoneUp(ResourceMemory, 15*time.Minute, 3)
		}, changes: []Change{down(ResourceMemory, 2048, 1536)}},
		{name: "undone decreases do not hold an increase", edit: both(busy, func(in *decideInput) { in.st = undoneUp(ResourceCores, 5*time.Minute, 3) }),
			changes: []Change{up(ResourceCores, 2, 3)}},
		{name: "a cooldown is per resource", edit: both(busy, func(in *decideInput) { in.st = lastAction(ResourceMemory, time.Second) }),
			changes: []Change{up(ResourceCores, 2, 3)}},
		{name: "stabilising is reported before cooldown", edit: func(in *decideInput) {
			in.sig.CPU = cpuFor(30*time.Second, 0.9)
			in.st = lastAction(ResourceCores, time.Minute)
		}, holds: []Hold{held(ResourceCores, SkipStabilizing)}},

		// Anomalies.
		{name: "anomalous: cpu decreases as usual", edit: both(idle, func(in *decideInput) { in.sig.AnomalousSince = decideNow.Add(-time.Hour) }),
			changes: []Change{down(ResourceCores, 2, 1)}},
		{name: "anomalous: increases as usual", edit: both(busy, func(in *decideInput) { in.sig.AnomalousSince = decideNow.Add(-time.Second) }),
			changes: []Change{up(ResourceCores, 2, 3)}},
		{name: "anomalous: an increase still waits for the stabilisation", edit: func(in *decideInput) {
			in.rules.StabilizationUp = 5 * time.Minute
			in.sig.CPU = cpuFor(time.Minute, 0.9)
			in.sig.AnomalousSince = decideNow.Add(-time.Minute)
		}, holds: []Hold{held(ResourceCores, SkipStabilizing)}},

		// No data, disabled, unmanaged.
		{name: "no cpu samples", edit: func(in *decideInput) { in.sig.CPU = nil },
			holds: []Hold{held(ResourceCores, SkipNoData)}},
		{name: "cpu samples only after now", edit: func(in *decideInput) {
			in.sig.CPU = usage(decideNow.Add(time.Minute), 30*time.Second, 0.9, 0, 0.9)
		}, holds: []Hold{held(ResourceCores, SkipNoData)}},
		{name: "cpu disabled: no hold", edit: both(busy, func(in *decideInput) { in.rules.CPU.Enabled = false })},
		{name: "cores unset are left to the administrator", edit: both(busy, func(in *decideInput) { in.sig.Alloc.Cores = 0 }),
			holds: []Hold{held(ResourceCores, SkipUnmanaged)}},
		{name: "no memory samples", edit: func(in *decideInput) { in.sig.Memory = nil },
			holds: []Hold{held(ResourceMemory, SkipNoData)}},
		{name: "memory limit unknown", edit: func(in *decideInput) { in.sig.Alloc.MemoryMiB = 0 },
			holds: []Hold{held(ResourceMemory, SkipNoData)}},

		// Memory. The limit is 2048 MiB: up at 1536 MiB used, down at 614.4.
		{name: "memory up after a sustained minute", edit: func(in *decideInput) { in.sig.Memory = memFor(time.Minute, 1800) },
			changes: []Change{up(ResourceMemory, 2048, 2560)}, text: "memory 0.88 >= 0.75 for 1m0s"},
		{name: "memory up at the threshold (inclusive)", edit: func(in *decideInput) { in.sig.Memory = memFor(time.Minute, 1536) },
			changes: []Change{up(ResourceMemory, 2048, 2560)}},
		{name: "memory just under the up threshold", edit: func(in *decideInput) { in.sig.Memory = memFor(time.Minute, 1536-1.0/mib) }},
		{name: "memory up not sustained long enough", edit: func(in *decideInput) { in.sig.Memory = memFor(20*time.Second, 1800) },
			holds: []Hold{held(ResourceMemory, SkipStabilizing)}},
		{name: "memory step rounds up to a MiB", edit: func(in *decideInput) {
			in.sig.Memory = memFor(time.Minute, 1800)
			in.rules.Memory.Step = 100*mib + 1
		}, changes: []Change{up(ResourceMemory, 2048, 2149)}},
		{name: "memory up capped at max, rounded down to a MiB", edit: func(in *decideInput) {
			in.sig.Memory = memFor(time.Minute, 1800)
			in.rules.Memory.Max = 2300*mib + mib - 1
		}, changes: []Change{up(ResourceMemory, 2048, 2300)}},
		{name: "memory at max", edit: func(in *decideInput) {
			in.sig.Alloc.MemoryMiB = 8192
			in.sig.Memory = usage(decideNow, time.Hour, 7000*mib, 0, 7000*mib)
			in.sig.MemoryPeak = 7000 * mib
		}, holds: []Hold{held(ResourceMemory, SkipAtLimit)}},
		{name: "memory down by a step above the floor", edit: func(in *decideInput) {
			in.sig.Memory = usage(decideNow, time.Hour, 400*mib, 0, 400*mib)
			in.sig.MemoryPeak = 400 * mib
		}, changes: []Change{down(ResourceMemory, 2048, 1536)}, text: "memory 0.20 <= 0.30 for 10m0s"},
		{name: "memory down at the threshold (inclusive)", edit: func(in *decideInput) {
			in.sig.Alloc.MemoryMiB = 1000
			in.sig.Memory = usage(decideNow, time.Hour, 300*mib, 0, 300*mib)
			in.sig.MemoryPeak = 300 * mib
		}, changes: []Change{down(ResourceMemory, 1000, 556)}},
		{name: "memory down stops at peak + margin", edit: func(in *decideInput) {
			in.sig.Alloc.MemoryMiB = 1280 // 1024 -> 856 frees less than a step and a fifth
			in.sig.Memory = usage(decideNow, time.Hour, 300*mib, 0, 300*mib)
			in.sig.MemoryPeak = 600 * mib
		}, changes: []Change{down(ResourceMemory, 1280, 856)}, text: "stopped at the floor 856 MiB (peak 600 + margin 256)"},
		{name: "memory floor rounds up to a MiB", edit: func(in *decideInput) {
			in.sig.Alloc.MemoryMiB = 1280
			in.sig.Memory = usage(decideNow, time.Hour, 300*mib, 0, 300*mib)
			in.sig.MemoryPeak = 600*mib + 1
		}, changes: []Change{down(ResourceMemory, 1280, 857)}},
		{name: "memory floor at or above the limit holds", edit: func(in *decideInput) {
			in.sig.Alloc.MemoryMiB = 1024
			in.sig.Memory = usage(decideNow, time.Hour, 300*mib, 0, 300*mib)
			in.sig.MemoryPeak = 768 * mib
		}, holds: []Hold{held(ResourceMemory, SkipMemoryFloor)}, text: "1024 MiB is at or below the floor 1025 MiB (the peak 768 MiB stays below the up threshold)"},
		{name: "memory floor takes the series' peak over a smaller MemoryPeak", edit: func(in *decideInput) {
			in.sig.Alloc.MemoryMiB = 1024
			in.sig.Memory = usage(decideNow, time.Hour, 800*mib, 10*time.Minute, 300*mib)
			in.sig.MemoryPeak = 0
		}, holds: []Hold{held(ResourceMemory, SkipMemoryFloor)}},
		{name: "memory down at min", edit: func(in *decideInput) {
			in.sig.Alloc.MemoryMiB = 512
			in.sig.Memory = usage(decideNow, time.Hour, 100*mib, 0, 100*mib)
			in.sig.MemoryPeak = 100 * mib
		}, holds: []Hold{held(ResourceMemory, SkipAtLimit)}},
		{name: "memory cooldown up", edit: func(in *decideInput) {
			in.sig.Memory = memFor(time.Minute, 1800)
			in.st = lastAction(ResourceMemory, time.Minute)
		}, holds: []Hold{held(ResourceMemory, SkipCooldown)}},

		// Sized changes: with a target, as many steps as the period's peak
		// needs.
		{name: "cpu up sized for the target", edit: func(in *decideInput) {
			in.rules.CPU.Target, in.rules.CPU.Max = 0.5, 8
			in.sig.CPU = cpuFor(time.Minute, 0.95)
		}, changes: []Change{up(ResourceCores, 2, 4)}, text: "cpu 0.95 >= 0.75 for 1m0s (sized for cpu 0.50)"},
		{name: "cpu up sized, capped at the max", edit: func(in *decideInput) {
			in.rules.CPU.Target = 0.3
			in.sig.CPU = cpuFor(time.Minute, 1.0)
		}, changes: []Change{up(ResourceCores, 2, 4)}},
		{name: "cpu up sized: one step is enough", edit: func(in *decideInput) {
			in.rules.CPU.Target = 0.6
			in.sig.CPU = cpuFor(time.Minute, 0.8)
		}, changes: []Change{up(ResourceCores, 2, 3)}},
		{name: "cpu down sized for the target", edit: both(idle, func(in *decideInput) {
			in.rules.CPU.Target, in.rules.CPU.Max = 0.5, 8
			in.sig.Alloc.Cores = 8
		}), changes: []Change{down(ResourceCores, 8, 2)}, text: "cpu 0.10 <= 0.30 for 10m0s (sized for cpu 0.50)"},
		{name: "cpu down sized for the period's peak", edit: both(idle, func(in *decideInput) {
			in.rules.CPU.Target, in.rules.CPU.Max = 0.5, 8
			in.sig.Alloc.Cores = 8
			in.sig.CPU[len(in.sig.CPU)-20].Value = 0.3
		}), changes: []Change{down(ResourceCores, 8, 5)}},
		{name: "cpu down sized stops at the min", edit: both(idle, func(in *decideInput) {
			in.rules.CPU.Target, in.rules.CPU.Min, in.rules.CPU.Max = 0.5, 3, 8
			in.sig.Alloc.Cores = 8
		}), changes: []Change{down(ResourceCores, 8, 3)}},
		{name: "cpu down stops where the window's peak needs the cores", edit: both(idle, func(in *decideInput) {
			in.rules.CPU.Target, in.rules.CPU.Max = 0.5, 8
			in.sig.Alloc.Cores = 8
			in.sig.CPUPeak = 3
		}), changes: []Change{down(ResourceCores, 8, 5)}, text: "(stopped at the floor 5 cores (the window's peak 3.00 cores stays below 0.75 of them))"},
		{name: "cpu down held by the window's peak", edit: both(idle, func(in *decideInput) { in.sig.CPUPeak = 1 }),
			holds: []Hold{held(ResourceCores, SkipCPUFloor)}, text: "2 cores is at or below the floor 2 cores"},
		{name: "memory up sized in whole steps", edit: func(in *decideInput) {
			in.rules.Memory.Target = 0.5
			in.sig.Memory = memFor(time.Minute, 1800)
		}, changes: []Change{up(ResourceMemory, 2048, 4096)}, text: "(sized for memory 0.50)"},
		// Peak + margin (1756 MiB) would hold 1500 MiB at 0.85 >= 0.75 of it:
		// the next such peak would undo the decrease (a JVM's heap, shrunk
		// after each collection and regrown before the next).
		{name: "memory down sized stops where the peak stays below the up threshold", edit: func(in *decideInput) {
			in.rules.Memory.Target = 0.9
			in.sig.Alloc.MemoryMiB = 8192
			in.sig.Memory = usage(decideNow, time.Hour, 1024*mib, 0, 1024*mib)
			in.sig.MemoryPeak = 1500 * mib
		}, changes: []Change{down(ResourceMemory, 8192, 2001)}, text: "(stopped at the floor 2001 MiB (the peak 1500 MiB stays below the up threshold))"},

		// Swap follows memory.
		{name: "swap aligned: nothing", edit: withSwap},
		{name: "swap follows memory up", edit: both(withSwap, func(in *decideInput) { in.sig.Memory = memFor(time.Minute, 1800) }),
			changes: []Change{up(ResourceMemory, 2048, 2560), up(ResourceSwap, 1024, 1280)}},
		{name: "swap follows memory down", edit: both(withSwap, func(in *decideInput) {
			in.sig.Memory = usage(decideNow, time.Hour, 400*mib, 0, 400*mib)
			in.sig.MemoryPeak = 400 * mib
		}), changes: []Change{down(ResourceMemory, 2048, 1536), down(ResourceSwap, 1024, 768)}},
		{name: "swap follows a held memory", edit: both(withSwap, func(in *decideInput) {
			in.sig.Memory = memFor(time.Minute, 1800)
			in.st = lastAction(ResourceMemory, time.Minute)
		}), holds: []Hold{held(ResourceMemory, SkipCooldown)}},
		{name: "swap aligns on its own, up", edit: both(withSwap, func(in *decideInput) { in.sig.Alloc.SwapMiB = 0 }),
			changes: []Change{up(ResourceSwap, 0, 1024)}, text: "swap follows memory: 0.50 x 2048 MiB"},
		{name: "swap aligns on its own, down", edit: both(withSwap, func(in *decideInput) { in.sig.Alloc.SwapMiB = 2000 }),
			changes: []Change{down(ResourceSwap, 2000, 1024)}},
		{name: "swap clamped to its max", edit: both(withSwap, func(in *decideInput) {
			in.sig.Memory = memFor(time.Minute, 1800)
			in.rules.Swap.Max = 1100 * mib
		}), changes: []Change{up(ResourceMemory, 2048, 2560), up(ResourceSwap, 1024, 1100)}, text: ""},
		{name: "swap clamped to its min", edit: both(withSwap, func(in *decideInput) {
			in.rules.Swap.Min = 1500 * mib
		}), changes: []Change{up(ResourceSwap, 1024, 1500)}, text: "within [1500, 4096] MiB"},
		{name: "swap cooldown", edit: both(withSwap, func(in *decideInput) {
			in.sig.Memory = memFor(time.Minute, 1800)
			in.st = lastAction(ResourceSwap, time.Minute)
		}), changes: []Change{up(ResourceMemory, 2048, 2560)}, holds: []Hold{held(ResourceSwap, SkipCooldown)}},
		{name: "swap with memory off follows the current limit", edit: both(withSwap, func(in *decideInput) {
			in.rules.Memory.Enabled = false
			in.sig.Alloc.SwapMiB = 0
		}), changes: []Change{up(ResourceSwap, 0, 1024)}},
		{name: "swap without a memory limit", edit: both(withSwap, func(in *decideInput) {
			in.rules.Memory.Enabled = false
			in.sig.Alloc.MemoryMiB = 0
		}), holds: []Hold{held(ResourceSwap, SkipNoData)}},

		// Disk.
		{name: "disk grows by a step", edit: func(in *decideInput) { in.sig.DiskUsed = 9 * gib },
			changes: []Change{up(ResourceDisk, 10*gib, 12*gib)}, text: "disk 0.90 >= 0.85"},
		{name: "disk grows at the threshold (inclusive)", edit: func(in *decideInput) { in.sig.DiskUsed = 10 * gib * 85 / 100 },
			changes: []Change{up(ResourceDisk, 10*gib, 12*gib)}},
		{name: "disk just under the threshold", edit: func(in *decideInput) { in.sig.DiskUsed = 10*gib*85/100 - 1 }},
		{name: "disk grows by a smaller last step to max", edit: func(in *decideInput) {
			in.sig.Alloc.DiskBytes = 63 * gib
			in.sig.DiskUsed = 62 * gib
		}, changes: []Change{up(ResourceDisk, 63*gib, 64*gib)}},
		{name: "disk at max", edit: func(in *decideInput) {
			in.sig.Alloc.DiskBytes = 64 * gib
			in.sig.DiskUsed = 63 * gib
		}, holds: []Hold{held(ResourceDisk, SkipAtLimit)}},
		{name: "disk above max", edit: func(in *decideInput) {
			in.sig.Alloc.DiskBytes = 100 * gib
			in.sig.DiskUsed = 99 * gib
		}, holds: []Hold{held(ResourceDisk, SkipAtLimit)}},
		{name: "disk cooldown up", edit: func(in *decideInput) {
			in.sig.DiskUsed = 9 * gib
			in.st = lastAction(ResourceDisk, time.Minute)
		}, holds: []Hold{held(ResourceDisk, SkipCooldown)}},
		{name: "disk never shrinks", edit: func(in *decideInput) { in.sig.DiskUsed = 0 }},
		{name: "disk on block storage: full by df, grown from the configured size", edit: func(in *decideInput) {
			in.sig.Alloc.DiskBytes = 8 * gib // size=8G
			in.sig.DiskSize = 8 * gib * 976 / 1000
			in.sig.DiskUsed = 8 * gib * 976 / 1000 * 9 / 10
		}, changes: []Change{up(ResourceDisk, 8*gib, 10*gib)}, text: "disk 0.90 >= 0.85"},
		{name: "disk without a size is left alone", edit: func(in *decideInput) {
			in.sig.DiskUsed = 9 * gib
			in.sig.DiskUnmanaged = "the root filesystem has no size"
		}, holds: []Hold{held(ResourceDisk, SkipUnmanaged)}, text: "no size"},
		{name: "disk size unknown", edit: func(in *decideInput) { in.sig.Alloc.DiskBytes = 0 },
			holds: []Hold{held(ResourceDisk, SkipNoData)}},
		{name: "disk disabled", edit: func(in *decideInput) {
			in.sig.DiskUsed = 10 * gib
			in.rules.Disk.Enabled = false
		}},

		// Several at once, in Resources order.
		{name: "everything grows", edit: both(busy, withSwap, func(in *decideInput) {
			in.sig.Memory = memFor(time.Minute, 1800)
			in.sig.DiskUsed = 9 * gib
		}), changes: []Change{up(ResourceCores, 2, 3), up(ResourceMemory, 2048, 2560), up(ResourceSwap, 1024, 1280), up(ResourceDisk, 10*gib, 12*gib)}},

		// Stopped containers.
		{name: "not running: a hold per enabled resource", edit: both(busy, func(in *decideInput) {
			in.sig.Running = false
			in.sig.DiskUsed = 10 * gib
		}), holds: []Hold{held(ResourceCores, SkipNotRunning), held(ResourceMemory, SkipNotRunning), held(ResourceDisk, SkipNotRunning)}},
		{name: "not running with swap on", edit: both(withSwap, func(in *decideInput) { in.sig.Running = false }),
			holds: []Hold{held(ResourceCores, SkipNotRunning), held(ResourceMemory, SkipNotRunning), held(ResourceSwap, SkipNotRunning), held(ResourceDisk, SkipNotRunning)}},

		// The policy and its mode are carried.
		{name: "policy mode carried", edit: both(busy, func(in *decideInput) {
			in.policy = "db"
			in.rules.Mode = ModeRecommend
		}), changes: []Change{up(ResourceCores, 2, 3)}},
	}
	runDecideCases(t, tests)
}

// decideCase is a row of a Decide table: edit turns steadyInput into the
// case; changes and holds are what Decide must give (resource, direction
// and values; resource and reason).
type decideCase struct {
	name    string
	edit    func(in *decideInput)
	changes []Change
	holds   []Hold
	// text is a substring of the first change's Reason, or of the
	// first hold's Detail when there is no change.
	text string
}

// runDecideCases runs each case as a subtest.
func runDecideCases(t *testing.T, tests []decideCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := steadyInput()
			tt.edit(&in)
			got := Decide(in.sig, in.policy, in.rules, in.st, in.now)

			if got.VMID != in.sig.VMID || got.Node != in.sig.Node || got.Policy != in.policy || got.Mode != in.rules.Mode || got.Score != in.sig.Score {
				t.Errorf("decision carries vmid %d node %q policy %q mode %q score %v, want %d %q %q %q %v",
					got.VMID, got.Node, got.Policy, got.Mode, got.Score, in.sig.VMID, in.sig.Node, in.policy, in.rules.Mode, in.sig.Score)
			}
			var changes []Change
			for _, c := range got.Changes {
				if c.Reason() == "" {
					t.Errorf("change %v has no reason", c)
				}
				changes = append(changes, Change{Resource: c.Resource, Direction: c.Direction, From: c.From, To: c.To})
			}
			var holds []Hold
			for _, h := range got.Holds {
				if h.Detail() == "" {
					t.Errorf("hold %v has no detail", h)
				}
				holds = append(holds, Hold{Resource: h.Resource, Reason: h.Reason})
			}
			if !reflect.DeepEqual(changes, tt.changes) {
				t.Errorf("changes = %+v\nwant      %+v", changes, tt.changes)
			}
			if !reflect.DeepEqual(holds, tt.holds) {
				t.Errorf("holds = %+v\nwant    %+v", holds, tt.holds)
			}
			if tt.text != "" {
				var text string
				switch {
				case len(got.Changes) > 0:
					text = got.Changes[0].Reason()
				case len(got.Holds) > 0:
					text = got.Holds[0].Detail()
				}
				if !strings.Contains(text, tt.text) {
					t.Errorf("reason %q does not contain %q", text, tt.text)
				}
			}
		})
	}
}

// TestDecideProperties runs Decide on random signals, rules and states and
// checks what must hold whatever the inputs.
func TestDecideProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const runs = 5000
	for i := range runs {
		in := randomInput(rng)
		d := Decide(in.sig, in.policy, in.rules, in.st, in.now)
		if err := checkDecision(in, d); err != nil {
			t.Fatalf("run %d: %v\ninput: %+v\nrules: %+v\nstate: %+v\ndecision: %+v", i, err, in.sig.Alloc, in.rules, in.st, d)
		}
		if again := Decide(in.sig, in.policy, in.rules, in.st, in.now); !reflect.DeepEqual(d, again) {
			t.Fatalf("run %d: Decide is not deterministic:\n%+v\n%+v", i, d, again)
		}
	}
}

func randomInput(rng *rand.Rand) decideInput {
	in := steadyInput()
	r := &in.rules
	r.CPU = CPURules{Enabled: rng.IntN(8) > 0, Up: 0.5 + rng.Float64()/2, Down: rng.Float64() / 2,
		Step: 1 + rng.IntN(4), Min: 1 + rng.IntN(4)}
	r.CPU.Max = r.CPU.Min + rng.IntN(16)
	r.Memory = MemoryRules{Enabled: rng.IntN(8) > 0, Up: 0.5 + rng.Float64()/2, Down: rng.Float64() / 2,
		Step: 1 + rng.Uint64N(gib), Min: rng.Uint64N(2 * gib), Margin: rng.Uint64N(gib)}
	r.Memory.Max = r.Memory.Min + rng.Uint64N(16*gib)
	if rng.IntN(2) == 0 {
		r.CPU.Target = r.CPU.Down + (0.05+0.9*rng.Float64())*(r.CPU.Up-r.CPU.Down)
	}
	if rng.IntN(2) == 0 {
		r.Memory.Target = r.Memory.Down + (0.05+0.9*rng.Float64())*(r.Memory.Up-r.Memory.Down)
	}
	r.Swap = SwapRules{Enabled: rng.IntN(2) == 0, Ratio: rng.Float64() * 2, Min: rng.Uint64N(gib)}
	r.Swap.Max = r.Swap.Min + rng.Uint64N(8*gib)
	r.Disk = DiskRules{Enabled: rng.IntN(8) > 0, Threshold: rng.Float64(), Step: 1 + rng.Uint64N(8*gib), Max: rng.Uint64N(128 * gib)}
	r.CooldownUp = time.Duration(rng.IntN(600)) * time.Second
	r.CooldownDown = time.Duration(rng.IntN(3600)) * time.Second
	r.StabilizationUp = time.Duration(rng.IntN(600)) * time.Second
	r.StabilizationDown = time.Duration(rng.IntN(1800)) * time.Second

	s := &in.sig
	s.Running = rng.IntN(10) > 0
	s.Alloc = Allocation{Cores: rng.IntN(24), MemoryMiB: rng.IntN(20000), SwapMiB: rng.IntN(8000), DiskBytes: rng.Uint64N(200 * gib)}
	// Utilisation switching between a few levels with random dwell times,
	// so that thresholds are crossed at every distance from now.
	s.CPU, s.Memory = nil, nil
	history := time.Duration(rng.IntN(3600)) * time.Second
	cpu, mem := rng.Float64()*1.1, rng.Float64()*1.1*float64(s.Alloc.MemoryMiB)*mib
	for at := decideNow.Add(-history); !at.After(decideNow); at = at.Add(10 * time.Second) {
		if rng.IntN(20) == 0 {
			cpu = rng.Float64() * 1.1
		}
		if rng.IntN(20) == 0 {
			mem = rng.Float64() * 1.1 * float64(s.Alloc.MemoryMiB) * mib
		}
		s.CPU = append(s.CPU, Point{at, cpu})
		s.CPUPeak = max(s.CPUPeak, cpu*float64(s.Alloc.Cores))
		s.Memory = append(s.Memory, Point{at, mem})
		s.MemoryPeak = max(s.MemoryPeak, uint64(mem))
	}
	if rng.IntN(2) == 0 {
		s.MemoryPeak = uint64(rng.Float64() * float64(s.MemoryPeak)) // the series' peak must still count
	}
	if rng.IntN(2) == 0 {
		s.CPUPeak *= 1 + rng.Float64() // a busier hour before the series
	}
	s.DiskUsed = uint64(rng.Float64() * 1.1 * float64(s.Alloc.DiskBytes))
	if rng.IntN(3) == 0 {
		s.AnomalousSince = decideNow.Add(-time.Duration(rng.IntN(600)) * time.Second)
	}
	in.st = ContainerState{LastAction: map[Resource]Action{}}
	for _, res := range Resources {
		if rng.IntN(2) == 0 {
			in.st.LastAction[res] = Action{Time: decideNow.Add(-time.Duration(rng.IntN(3600)) * time.Second)}
		}
	}
	return in
}

// checkDecision returns what d gets wrong, if anything.
func checkDecision(in decideInput, d Decision) error {
	r, s := in.rules, in.sig
	seen := map[Resource]bool{}
	for _, h := range d.Holds {
		if seen[h.Resource] {
			return fmt.Errorf("%s decided twice", h.Resource)
		}
		seen[h.Resource] = true
		if !r.enabled(h.Resource) {
			return fmt.Errorf("hold on disabled %s", h.Resource)
		}
	}
	if !s.Running && len(d.Changes) > 0 {
		return fmt.Errorf("changes to a stopped container")
	}
	for _, c := range d.Changes {
		if seen[c.Resource] {
			return fmt.Errorf("%s decided twice", c.Resource)
		}
		seen[c.Resource] = true
		if !r.enabled(c.Resource) {
			return fmt.Errorf("change to disabled %s", c.Resource)
		}
		if c.From == c.To || (c.Direction == Up) != (c.To > c.From) {
			return fmt.Errorf("change %+v: direction and values disagree", c)
		}
		if a, ok := in.st.LastAction[c.Resource]; ok {
			wait := r.CooldownUp
			if c.Direction == Down {
				wait = r.CooldownDown
			}
			if in.now.Sub(a.Time) < wait {
				return fmt.Errorf("change %+v in its cooldown (last action %s ago)", c, in.now.Sub(a.Time))
			}
		}
		if c.why.flags&whyRelief != 0 {
			if err := checkRelief(in, c); err != nil {
				return err
			}
			continue
		}
		var lo, hi, step, floor int64
		// used is the peak use of the decrease's period, in the resource's
		// unit, and target its rules' Target.
		var used, target float64
		switch c.Resource {
		case ResourceCores:
			lo, hi, step = int64(r.CPU.Min), int64(r.CPU.Max), int64(r.CPU.Step)
			used = runOf(s.CPU).window(in.now, r.StabilizationDown).series(s.CPU).Max() * float64(c.From)
			target = r.CPU.Target
			if s.CPUPeak > 0 {
				floor = int64(math.Floor(s.CPUPeak/r.CPU.Up)) + 1
				if c.Direction == Down && c.To < floor {
					return fmt.Errorf("change %+v below the floor %d of the window's peak %.2f cores", c, floor, s.CPUPeak)
				}
			}
		case ResourceMemory:
			lo, hi, step = sat.CeilMiB(r.Memory.Min), sat.FloorMiB(r.Memory.Max), sat.CeilMiB(r.Memory.Step)
			used = runOf(s.Memory).window(in.now, r.StabilizationDown).series(s.Memory).Max() / mib
			target = r.Memory.Target
			peak := max(float64(s.MemoryPeak), s.Memory.Until(in.now).Max())
			floor = max(int64(math.Ceil((peak+float64(r.Memory.Margin))/mib)), int64(math.Floor(peak/r.Memory.Up/mib))+1)
			if c.Direction == Down && c.To < floor {
				return fmt.Errorf("change %+v below peak %.0f + margin %d or where the peak passes the up threshold", c, peak, r.Memory.Margin)
			}
		case ResourceSwap:
			lo, hi, step = sat.CeilMiB(r.Swap.Min), sat.FloorMiB(r.Swap.Max), math.MaxInt64
		case ResourceDisk:
			if c.Direction != Up || c.To > int64(r.Disk.Max) || c.To-c.From > int64(r.Disk.Step) {
				return fmt.Errorf("disk change %+v: disks grow by at most a step, up to the max", c)
			}
			continue
		}
		inBounds := func(v int64) bool { return v >= lo && v <= hi }
		switch {
		case inBounds(c.From) && !inBounds(c.To):
			return fmt.Errorf("change %+v leaves [%d, %d]", c, lo, hi)
		case c.From < lo && (c.Direction != Up || c.To > hi):
			return fmt.Errorf("change %+v from below [%d, %d] not up into it", c, lo, hi)
		case c.From > hi && (c.Direction != Down || c.To < lo):
			return fmt.Errorf("change %+v from above [%d, %d] not down into it", c, lo, hi)
		}
		atBound := c.To == lo || c.To == hi || c.To == floor
		diff := c.To - c.From
		if target == 0 {
			// A bigger move than a step only reaches a bound (or memory's floor).
			if (diff > step && c.To != lo) || (-diff > step && c.To != hi && c.To != floor) {
				return fmt.Errorf("change %+v moves more than a step (%d) without stopping at a bound [%d, %d]", c, step, lo, hi)
			}
			continue
		}
		// Sized: whole steps unless stopping at a bound, and a decrease of
		// more than one step keeps the period's peak within the target.
		if diff%step != 0 && !atBound && !(c.Direction == Down && c.To%step == 0) {
			return fmt.Errorf("change %+v is not a whole number of steps (%d) and stops at no bound nor on the step grid", c, step)
		}
		if -diff > step && c.To != hi && used > target*float64(c.To)*(1+1e-9) {
			return fmt.Errorf("change %+v leaves the period's peak %.2f above target %.2f", c, used, target)
		}
	}
	return nil
}

// BenchmarkDecide: a container that needs nothing (most of them, most
// ticks) and one where every resource changes, with an hour of 10 s
// samples.
func BenchmarkDecide(b *testing.B) {
	changing := steadyInput()
	changing.rules.Swap.Enabled = true
	changing.sig.CPU = cpuFor(time.Minute, 0.9)
	changing.sig.Memory = memFor(time.Minute, 1800)
	changing.sig.DiskUsed = 9 * gib
	for _, bc := range []struct {
		name string
		in   decideInput
		n    int
	}{{"steady", steadyInput(), 0}, {"all-change", changing, 4}} {
		b.Run(bc.name, func(b *testing.B) {
			if d := Decide(bc.in.sig, bc.in.policy, bc.in.rules, bc.in.st, bc.in.now); len(d.Changes) != bc.n {
				b.Fatalf("%d changes, want %d: %+v", len(d.Changes), bc.n, d)
			}
			b.ReportAllocs()
			for b.Loop() {
				Decide(bc.in.sig, bc.in.policy, bc.in.rules, bc.in.st, bc.in.now)
			}
		})
	}
}

// checkRelief checks a fast-relief change: up, by at most its factor (or
// a step, or sizing), within the bounds, after the newest samples, all
// after the last change of the resource, were pinned at the limit.
func checkRelief(in decideInput, c Change) error {
	r, s := in.rules, in.sig
	series, per, hi, factor, step := s.CPU.Until(in.now), 1.0, int64(r.CPU.Max), relief.FactorCores, int64(r.CPU.Step)
	if c.Resource == ResourceMemory {
		series, per, hi, factor, step = s.Memory.Until(in.now), float64(c.From)*mib, sat.FloorMiB(r.Memory.Max), relief.FactorMemory, sat.CeilMiB(r.Memory.Step)
	} else if s.CoresMax > 0 {
		hi = min(hi, int64(s.CoresMax))
	}
	if c.Direction != Up || c.To > hi {
		return fmt.Errorf("relief %+v: not up within the max %d", c, hi)
	}
	if len(series) < pinnedSamples {
		return fmt.Errorf("relief %+v on %d samples", c, len(series))
	}
	a, acted := in.st.LastAction[c.Resource]
	for _, p := range series[len(series)-pinnedSamples:] {
		if p.Value/per < pinnedShare || (acted && !p.Time.After(a.Time)) {
			return fmt.Errorf("relief %+v: sample %+v not pinned after the last change (%v)", c, p, a.Time)
		}
	}
	if c.Resource == ResourceMemory {
		step = max(step, int64(math.Ceil(float64(c.From)*1.2))-c.From, 256)
	}
	if grown := int64(math.Ceil(float64(c.From) * factor)); c.To > max(grown, c.From+step) && c.To != hi {
		target := r.CPU.Target
		if c.Resource == ResourceMemory {
			target = r.Memory.Target
		}
		if target == 0 || float64(c.To-step) > series[len(series)-1].Value/per*float64(c.From)/target {
			return fmt.Errorf("relief %+v grows past x%.1f, a step and the sizing", c, factor)
		}
	}
	return nil
}

// TestRightSize: with a target, a decrease needs only that one step fewer
// keeps the stabilisation period's peak within it, whatever the down
// threshold and the last change; the rest of a decrease still holds.
func TestRightSize(t *testing.T) {
	cores := func(util float64) func(*decideInput) {
		return func(in *decideInput) {
			in.sig.Alloc.Cores, in.rules.CPU.Target = 4, 0.8
			in.sig.CPU, in.sig.CPUPeak = cpuFor(time.Hour, util), 4*util
		}
	}
	runDecideCases(t, []decideCase{
		{name: "4 cores at 0.55: 3 hold the peak at 0.73", edit: cores(0.55),
			changes: []Change{down(ResourceCores, 4, 3)}, text: "cpu 0.55 <= 0.60 for 10m0s: one step fewer holds the peak within the target"},
		{name: "at 0.65 one fewer would pass the target: kept", edit: cores(0.65)},
		{name: "a peak above the line within the period: stabilising", edit: func(in *decideInput) {
			cores(0.55)(in)
			in.sig.CPU = usage(decideNow, time.Hour, 0.7, 5*time.Minute, 0.55)
		}, holds: []Hold{held(ResourceCores, SkipStabilizing)}},
		{name: "within the down cooldown: held", edit: func(in *decideInput) {
			cores(0.55)(in)
			in.st = lastAction(ResourceCores, 10*time.Minute)
		}, holds: []Hold{held(ResourceCores, SkipCooldown)}},
		{name: "the window's peak needs 4 at the target: kept", edit: func(in *decideInput) {
			cores(0.55)(in)
			in.sig.CPUPeak = 2.5
		}},
		{name: "no target: the down threshold decides", edit: func(in *decideInput) {
			cores(0.55)(in)
			in.rules.CPU.Target = 0
		}},
		{name: "memory: 1 GiB of 2 sizes down to 1.5 GiB", edit: func(in *decideInput) { in.rules.Memory.Target = 0.7 },
			changes: []Change{down(ResourceMemory, 2048, 1536)}},
		// Grown off the step grid (ahead to a peak's need, relief's x1.2):
		// whole steps from 2835 would stop at 1811 for good (1299 passes
		// the target), 275 MiB more than the 1536 that 2048 sizes down to.
		{name: "memory off the step grid lands on it", edit: func(in *decideInput) {
			in.rules.Memory.Target, in.sig.Alloc.MemoryMiB = 0.7, 2835
		}, changes: []Change{down(ResourceMemory, 2835, 1536)}},
		{name: "memory off the grid, one step down, stays off it", edit: func(in *decideInput) {
			in.rules.Memory.Target, in.sig.Alloc.MemoryMiB = 0.7, 2000
		}, changes: []Change{down(ResourceMemory, 2000, 1488)}},
		{name: "memory whose window peaked at 1.2 GiB: kept", edit: func(in *decideInput) {
			in.rules.Memory.Target, in.sig.MemoryPeak = 0.7, 1200*mib
		}},
	})
	// The most of the last day (History.Highest) must fit as well.
	for _, c := range []struct {
		highest float64
		changes int
	}{{2.3, 1}, {2.5, 0}} {
		in := steadyInput()
		cores(0.55)(&in)
		in.rules.Memory.Enabled = false
		sig, h := lazy(in.sig, in.now)
		h.cpuHighest = c.highest
		if d := Decide(sig, in.policy, in.rules, in.st, in.now); len(d.Changes) != c.changes {
			t.Errorf("with %.1f cores the most of the last day: changes %+v, want %d", c.highest, d.Changes, c.changes)
		}
	}
}

// bursts is an hour and ten minutes of base utilisation up to decideNow
// with a burst to peak lasting dur every 15 minutes.
func bursts(base, peak float64, dur time.Duration) Series {
	var s Series
	for t := decideNow.Add(-70 * time.Minute); !t.After(decideNow); t = t.Add(10 * time.Second) {
		v := base
		if into := decideNow.Sub(t) % (15 * time.Minute); into >= 5*time.Minute && into < 5*time.Minute+dur {
			v = peak
		}
		s = append(s, Point{Time: t, Value: v})
	}
	return s
}

// Peaks past the target of one core fewer that last a few minutes need
// to stay below the up threshold only: 4 cores bursting to 2.6 busy for
// two minutes go to 3 (0.87 at the bursts); bursts of eight minutes, a
// sustained load, keep the target's headroom (2.6 > 0.8 x 3).
func TestRightSizeBriefPeaks(t *testing.T) {
	cores := func(dur time.Duration) func(*decideInput) {
		return func(in *decideInput) {
			in.sig.Alloc.Cores = 4
			in.rules.CPU.Up, in.rules.CPU.Down, in.rules.CPU.Target, in.rules.CPU.Max = 0.9, 0.3, 0.8, 8
			in.rules.StabilizationDown, in.rules.CooldownDown = time.Hour, time.Hour
			in.sig.CPU, in.sig.CPUPeak = bursts(1.6/4, 2.6/4, dur), 2.6
		}
	}
	runDecideCases(t, []decideCase{
		{name: "two-minute bursts: one core fewer", edit: cores(2 * time.Minute),
			changes: []Change{down(ResourceCores, 4, 3)}, text: "none past the target for over 5m0s, below the up threshold"},
		{name: "eight-minute bursts: kept", edit: cores(8 * time.Minute)},
		{name: "brief, but past the up threshold of 3 cores: kept", edit: func(in *decideInput) {
			cores(2 * time.Minute)(in)
			in.sig.CPU, in.sig.CPUPeak = bursts(1.6/4, 2.8/4, 2*time.Minute), 2.8
		}},
	})
}
