package scaling

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestRelief: a resource pinned at its limit on the newest samples, all
// taken after its last change, grows without waiting for the
// stabilisation, by a factor while it stays pinned; anything less is left
// to the ordinary rules.
func TestRelief(t *testing.T) {
	pinnedCPU := func(n int) func(*decideInput) {
		return func(in *decideInput) { in.sig.CPU = cpuFor(time.Duration(n-1)*10*time.Second, 1.0) }
	}
	// pinnedOn6 is pinnedCPU on 6 cores with room to 16 at a 0.85 target,
	// where the sizing and a relief's factor give different answers.
	pinnedOn6 := func(n int, in *decideInput) {
		pinnedCPU(n)(in)
		in.sig.Alloc.Cores, in.rules.CPU.Max, in.rules.CPU.Target = 6, 16, 0.85
	}
	runDecideCases(t, []decideCase{
		{name: "cores pinned on two samples grow before the stabilisation", edit: pinnedCPU(2),
			changes: []Change{up(ResourceCores, 2, 3)}, text: "pinned at the limit for 2 samples since the last change"},
		{name: "pinned at the limit: sized for the target first", edit: func(in *decideInput) {
			pinnedOn6(2, in)
		}, changes: []Change{up(ResourceCores, 6, 8)}},
		{name: "still pinned after every sample since an increase: x1.5, rounded up", edit: func(in *decideInput) {
			pinnedOn6(4, in)
			in.st, in.rules.CooldownUp = lastAction(ResourceCores, 35*time.Second), 30*time.Second
		}, changes: []Change{up(ResourceCores, 6, 9)}, text: "every one since that increase: grown x1.5"},
		{name: "a sample since the increase was not pinned: sized again", edit: func(in *decideInput) {
			pinnedOn6(4, in)
			in.sig.CPU[len(in.sig.CPU)-3].Value = 0.9
			in.st, in.rules.CooldownUp = lastAction(ResourceCores, 45*time.Second), 30*time.Second
		}, changes: []Change{up(ResourceCores, 6, 8)}},
		{name: "an unpinned sample within reliefSettle of the increase is no evidence", edit: func(in *decideInput) {
			pinnedOn6(4, in)
			in.sig.CPU[len(in.sig.CPU)-3].Value = 0.5
			in.st, in.rules.CooldownUp = lastAction(ResourceCores, 35*time.Second), 30*time.Second
		}, changes: []Change{up(ResourceCores, 6, 9)}},
		{name: "pinned under what an increase made: x1.5 before the up cooldown", edit: func(in *decideInput) {
			pinnedOn6(2, in)
			in.st = lastAction(ResourceCores, 30*time.Second)
		}, changes: []Change{up(ResourceCores, 6, 9)}, text: "pinned at the limit for 2 samples since the last change, every one since that increase: grown x1.5"},
		{name: "one pinned sample under it is proof enough", edit: func(in *decideInput) {
			pinnedOn6(2, in)
			in.st = lastAction(ResourceCores, 25*time.Second)
		}, changes: []Change{up(ResourceCores, 6, 9)}, text: "for 1 samples since the last change"},
		{name: "memory pinned under what an increase made grows at once", edit: func(in *decideInput) {
			in.sig.Memory = memFor(40*time.Second, 2048)
			in.st = lastAction(ResourceMemory, time.Minute)
		}, changes: []Change{up(ResourceMemory, 2048, 4096)}},
		{name: "one pinned sample is not enough", edit: pinnedCPU(1),
			holds: []Hold{held(ResourceCores, SkipStabilizing)}},
		{name: "just below the pinned line: the ordinary rules", edit: func(in *decideInput) { in.sig.CPU = cpuFor(20*time.Second, 0.97) },
			holds: []Hold{held(ResourceCores, SkipStabilizing)}},
		{name: "pinned since a change 15 s ago: the cooldown still holds", edit: func(in *decideInput) {
			pinnedCPU(2)(in)
			in.st = lastAction(ResourceCores, 15*time.Second)
		}, holds: []Hold{held(ResourceCores, SkipCooldown)}},
		{name: "a pinned sample from before the last change is no evidence", edit: func(in *decideInput) {
			pinnedCPU(2)(in)
			in.st = lastAction(ResourceCores, 5*time.Second)
		}, holds: []Hold{held(ResourceCores, SkipStabilizing)}},
		{name: "cores stop at the policy's max", edit: func(in *decideInput) {
			pinnedCPU(2)(in)
			in.sig.Alloc.Cores, in.rules.CPU.Max = 3, 4
		}, changes: []Change{up(ResourceCores, 3, 4)}},
		{name: "cores stop at the node's threads", edit: func(in *decideInput) {
			pinnedCPU(2)(in)
			in.rules.CPU.Max, in.sig.Alloc.Cores, in.sig.CoresMax = 16, 4, 5
		}, changes: []Change{up(ResourceCores, 4, 5)}},
		{name: "at the max: held", edit: func(in *decideInput) {
			pinnedCPU(2)(in)
			in.sig.Alloc.Cores = 4
		}, holds: []Hold{held(ResourceCores, SkipAtLimit)}},
		{name: "memory pinned grows a step", edit: func(in *decideInput) {
			in.sig.Memory = memFor(10*time.Second, 2048)
		}, changes: []Change{up(ResourceMemory, 2048, 2560)}, text: "memory 1.00 >= 0.98: pinned"},
		{name: "memory still pinned since an increase grows x2", edit: func(in *decideInput) {
			in.sig.Memory = memFor(30*time.Second, 2048)
			in.st, in.rules.CooldownUp = lastAction(ResourceMemory, 35*time.Second), 30*time.Second
		}, changes: []Change{up(ResourceMemory, 2048, 4096)}},
		{name: "memory pinned grows by max(x1.2, +256 MiB) when the step is less", edit: func(in *decideInput) {
			in.rules.Memory.Step = 64 * mib
			in.sig.Memory = memFor(10*time.Second, 2048)
		}, changes: []Change{up(ResourceMemory, 2048, 2458)}},
		{name: "small memory pinned grows by at least 256 MiB", edit: func(in *decideInput) {
			in.rules.Memory.Step, in.rules.Memory.Min = 64*mib, 256*mib
			in.sig.Alloc.MemoryMiB = 512
			in.sig.Memory = memFor(10*time.Second, 512)
			in.sig.MemoryPeak = 1024 * mib
		}, changes: []Change{up(ResourceMemory, 512, 768)}},
		{name: "memory pinned grows by the sizing when it is more", edit: func(in *decideInput) {
			in.rules.Memory.Target = 0.5
			in.sig.Memory = memFor(10*time.Second, 2048)
		}, changes: []Change{up(ResourceMemory, 2048, 4096)}},
	})
}

// TestReliefGrowsToWhatItUsedBefore: a pinned resource grows at once to
// what the most it used over the last week needs (the policy's target,
// memory's margin), within the max, instead of climbing to it one up
// cooldown per step; a resource that is not pinned, or whose earlier
// level needs less than the relief gives, is left to the other rules.
func TestReliefGrowsToWhatItUsedBefore(t *testing.T) {
	decide := func(in decideInput, cpu, memory float64) Decision {
		sig, h := lazy(in.sig, in.now)
		h.cpuHighest, h.memoryHighest = cpu, memory
		return Decide(sig, in.policy, in.rules, in.st, in.now)
	}
	pinnedMemory := func() decideInput {
		in := steadyInput()
		in.rules.CPU.Enabled, in.rules.Disk.Enabled = false, false
		in.sig.Alloc.MemoryMiB = 1024
		in.sig.Memory = usage(in.now, time.Hour, 512*mib, 30*time.Second, 1024*mib)
		return in
	}
	check := func(name string, d Decision, want []Change, text string) {
		t.Helper()
		var got []Change
		for _, c := range d.Changes {
			got = append(got, Change{Resource: c.Resource, Direction: c.Direction, From: c.From, To: c.To})
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: changes %+v (holds %+v), want %+v", name, got, d.Holds, want)
			return
		}
		if text != "" && !strings.Contains(d.Changes[0].Reason(), text) {
			t.Errorf("%s: reason %q does not say %q", name, d.Changes[0].Reason(), text)
		}
	}

	in := pinnedMemory()
	check("memory pinned, 4600 MiB used this week: 4600 + the 256 MiB margin", decide(in, 0, 4600*mib),
		[]Change{up(ResourceMemory, 1024, 4856)}, "to what it used before: 4600 MiB in the last 7 days")
	check("memory pinned, nothing known: the relief alone", decide(in, 0, 0),
		[]Change{up(ResourceMemory, 1024, 1536)}, "")
	check("memory pinned, a week's level below the relief: the relief alone", decide(in, 0, 1100*mib),
		[]Change{up(ResourceMemory, 1024, 1536)}, "")
	check("memory pinned, 20 GiB used this week: the max", decide(in, 0, 20*gib),
		[]Change{up(ResourceMemory, 1024, 8192)}, "")
	in.rules.Memory.Target = 0.7
	check("memory pinned, sized for the target", decide(in, 0, 3500*mib),
		[]Change{up(ResourceMemory, 1024, 5000)}, "")

	in = pinnedMemory()
	in.sig.Memory = usage(in.now, time.Hour, 512*mib, 30*time.Second, 1000*mib) // 0.98 of 1024 is 1003.5
	if d := decide(in, 0, 4600*mib); len(d.Changes) != 0 || len(d.Holds) != 1 || d.Holds[0].Reason != SkipStabilizing {
		t.Errorf("memory not pinned: %+v, want the ordinary rules (stabilising)", d.Changes)
	}
	in = pinnedMemory()
	in.st = lastAction(ResourceMemory, 10*time.Second)
	if d := decide(in, 0, 4600*mib); len(d.Changes) != 0 {
		t.Errorf("pinned samples from before the last change: %+v, want none", d.Changes)
	}

	cores := steadyInput()
	cores.rules.Memory.Enabled, cores.rules.Disk.Enabled = false, false
	cores.sig.Alloc.Cores = 1
	cores.sig.CPU = cpuFor(30*time.Second, 1.0)
	cores.rules.CPU.Max = 8
	check("cores pinned, 3.4 cores used this week: ceil(3.4 / the up threshold 0.75)", decide(cores, 3.4, 0),
		[]Change{up(ResourceCores, 1, 5)}, "3.40 cores in the last 7 days")
	cores.st = lastAction(ResourceCores, time.Minute)
	cores.rules.CooldownUp = 2 * time.Minute
	if d := decide(cores, 3.4, 0); len(d.Changes) != 0 || len(d.Holds) != 1 || d.Holds[0].Reason != SkipCooldown {
		t.Errorf("cores pinned in the up cooldown: %+v, want a cooldown hold", d)
	}
}
