package scaling

import (
	"testing"
	"time"
)

// TestReliefJump: cores or memory pinned on one sample right after one
// below the up threshold grow at once when another signal jumped with
// them, sized for the limit times the jump (at most relief.JumpMax);
// alone, or from a sample already past the up threshold, they wait for
// the second pinned sample as before.
func TestReliefJump(t *testing.T) {
	// jump: 2 cores at 0.5 then pinned on the newest sample (a jump of
	// x2), sized at a 0.8 target up to 8 cores; memory at 1 of 3 GiB.
	jump := func(in *decideInput) {
		in.sig.CPU = cpuFor(0, 1.0)
		in.sig.Alloc.MemoryMiB = 3072
		in.rules.CPU.Target, in.rules.CPU.Max = 0.8, 8
	}
	memoryJumps := func(in *decideInput) { in.sig.Memory = memFor(0, 1600) } // x1.56
	runDecideCases(t, []decideCase{
		{name: "cores jump with memory: grown at once, sized for twice the limit", edit: func(in *decideInput) {
			jump(in)
			memoryJumps(in)
		}, changes: []Change{up(ResourceCores, 2, 5)}, text: "after a jump of x2.00 from below the up threshold"},
		{name: "io rising over the short period corroborates too", edit: func(in *decideInput) {
			jump(in)
			in.sig.Activity = Activity{IOShort: 4 << 16, IOLong: 1 << 16}
		}, changes: []Change{up(ResourceCores, 2, 5)}},
		{name: "memory pinned at its limit from below its up threshold corroborates, though it rose x1.37", edit: func(in *decideInput) {
			jump(in)
			in.sig.Alloc.MemoryMiB = 1400
			in.sig.Memory = memFor(0, 1400)
		}, changes: []Change{up(ResourceCores, 2, 5), up(ResourceMemory, 1400, 1912)}},
		{name: "memory pinned at its limit before the jump corroborates nothing", edit: func(in *decideInput) {
			jump(in)
			in.sig.Alloc.MemoryMiB = 1024
			in.sig.Memory = memFor(0, 1024)
		}, changes: []Change{up(ResourceMemory, 1024, 1536)}, holds: []Hold{held(ResourceCores, SkipStabilizing)}},
		{name: "cores pinned with memory's jump corroborate it, though they rose x1.43", edit: func(in *decideInput) {
			in.sig.Memory = memFor(0, 2048)
			in.sig.CPU = usage(decideNow, time.Hour, 0.7, 0, 1.0)
			in.rules.Memory.Target, in.rules.CPU.Up = 0.7, 0.9
		}, changes: []Change{up(ResourceCores, 2, 3), up(ResourceMemory, 2048, 6144)}},
		{name: "nothing else moved: the second pinned sample is awaited", edit: jump,
			holds: []Hold{held(ResourceCores, SkipStabilizing)}},
		{name: "memory moving less than x1.5 is no corroboration", edit: func(in *decideInput) {
			jump(in)
			in.sig.Memory = memFor(0, 1400)
		}, holds: []Hold{held(ResourceCores, SkipStabilizing)}},
		{name: "a jump of x5 is taken as relief.JumpMax", edit: func(in *decideInput) {
			jump(in)
			memoryJumps(in)
			in.sig.CPU = usage(decideNow, time.Hour, 0.2, 0, 1.0)
		}, changes: []Change{up(ResourceCores, 2, 5)}, text: "x2.00"},
		{name: "from a sample at the up threshold: no jump", edit: func(in *decideInput) {
			jump(in)
			memoryJumps(in)
			in.sig.CPU = cpuFor(10*time.Second, 0.8)
			in.sig.CPU[len(in.sig.CPU)-1].Value = 1.0
		}, holds: []Hold{held(ResourceCores, SkipStabilizing)}},
		{name: "the sample before is older than the last change: no jump", edit: func(in *decideInput) {
			jump(in)
			memoryJumps(in)
			in.st = ContainerState{LastAction: map[Resource]Action{ResourceCores: {Time: decideNow.Add(-5 * time.Second), Direction: Down}}}
		}, holds: []Hold{held(ResourceCores, SkipStabilizing)}},
		{name: "two pinned samples after the jump: sized for it too", edit: func(in *decideInput) {
			jump(in)
			in.sig.CPU = cpuFor(10*time.Second, 1.0)
			in.sig.Activity = Activity{NetShort: 4 << 16, NetLong: 1 << 16}
		}, changes: []Change{up(ResourceCores, 2, 5)}, text: "for 2 samples since the last change after a jump of x2.00"},
		{name: "two pinned samples, nothing else moved: the sizing alone", edit: func(in *decideInput) {
			jump(in)
			in.sig.CPU = cpuFor(10*time.Second, 1.0)
		}, changes: []Change{up(ResourceCores, 2, 3)}},
		{name: "memory jumps with the cores: sized for twice its limit", edit: func(in *decideInput) {
			in.sig.Memory = memFor(0, 2048)
			in.sig.CPU = cpuFor(0, 0.8)
			in.rules.Memory.Target, in.rules.CPU.Up = 0.7, 0.9
		}, changes: []Change{up(ResourceMemory, 2048, 6144)}},
		{name: "memory under thrash below its limit is not censored: no jump", edit: func(in *decideInput) {
			in.sig.Memory = memFor(0, 1700) // 0.83, past the up threshold
			in.sig.CPU = cpuFor(0, 0.8)
			in.sig.PressureMemory = 40
			in.rules.Memory.Target, in.rules.CPU.Up = 0.7, 0.9
		}, holds: []Hold{held(ResourceMemory, SkipStabilizing)}},
		{name: "a jump waits for the up cooldown", edit: func(in *decideInput) {
			jump(in)
			memoryJumps(in)
			in.st = lastAction(ResourceCores, time.Minute)
			in.sig.CPU = usage(decideNow, 30*time.Second, 0.5, 0, 1.0)
		}, holds: []Hold{held(ResourceCores, SkipCooldown)}},
	})
}
