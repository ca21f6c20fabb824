package scaling

import (
	"testing"
	"time"
)

// TestHoldDetails pins the sentence of every kind of hold, formatted from
// the numbers the hold keeps: the API, the status page and the debug log
// show them as they are.
func TestHoldDetails(t *testing.T) {
	idle := func(in *decideInput) { in.sig.CPU = cpuFor(10*time.Minute, 0.1) }
	busy := func(in *decideInput) { in.sig.CPU = cpuFor(time.Minute, 0.9) }
	for _, c := range []struct {
		name string
		edit func(in *decideInput)
		res  Resource
		want string
	}{
		{"at the max", func(in *decideInput) { busy(in); in.sig.Alloc.Cores = 4 }, ResourceCores,
			"cpu 0.90 >= 0.75 but 4 cores is at or above the max 4"},
		{"at the min", func(in *decideInput) { idle(in); in.sig.Alloc.Cores = 1 }, ResourceCores,
			"cpu 0.10 <= 0.30 but 1 cores is at or below the min 1"},
		{"stabilising", func(in *decideInput) { in.sig.CPU = cpuFor(30*time.Second, 0.9) }, ResourceCores,
			"cpu 0.90 >= 0.75 for 30s of 1m0s"},
		{"cpu floor", func(in *decideInput) { idle(in); in.sig.CPUPeak = 1.6 }, ResourceCores,
			"cpu 0.10 <= 0.30 but 2 cores is at or below the floor 3 cores (the window's peak 1.60 cores stays below 0.75 of them)"},
		{"memory floor", func(in *decideInput) { in.sig.Memory = memFor(10*time.Minute, 300); in.sig.MemoryPeak = 1900 * mib }, ResourceMemory,
			"memory 0.15 <= 0.30 but 2048 MiB is at or below the floor 2534 MiB (the peak 1900 MiB stays below the up threshold)"},
		{"above the max, floor", func(in *decideInput) { in.sig.Alloc.Cores = 6; in.sig.CPUPeak = 4 }, ResourceCores,
			"6 cores is above the max 4 but the floor 6 cores (the window's peak 4.00 cores stays below 0.75 of them) is above it too"},
		{"cooldown", func(in *decideInput) { busy(in); in.st = lastAction(ResourceCores, 70*time.Second) }, ResourceCores,
			"cores wanted up, last change 1m10s ago, cooldown 3m0s"},
		{"cooldown down", func(in *decideInput) { idle(in); in.st = lastAction(ResourceCores, 5*time.Minute) }, ResourceCores,
			"cores wanted down, last change 5m0s ago, cooldown 15m0s"},
		{"disk at its max", func(in *decideInput) { in.sig.DiskUsed = 9 * gib; in.rules.Disk.Max = 10 * gib }, ResourceDisk,
			"disk 0.90 >= 0.85 but the root filesystem (10737418240 bytes) cannot grow past the max 10737418240"},
		{"not running", func(in *decideInput) { in.sig.Running = false }, ResourceCores, "the container is not running"},
		{"no sample", func(in *decideInput) { in.sig.CPU = nil }, ResourceCores, "no cpu sample yet"},
	} {
		if got := decidedText(c.edit, c.res); got != c.want {
			t.Errorf("%s: %s hold says %q\nwant %q", c.name, c.res, got, c.want)
		}
	}

	room := GuardOptions{OvercommitCPU: 2, OvercommitMemory: 1, ReserveCores: 1, ReserveMemory: gib, MaxWritesPerPass: 1}
	pass := NewGuard(room).NewPass([]NodeCapacity{{Node: "pve1", CPUs: 4, MemoryBytes: 8 * gib}},
		map[string]Allocated{"pve1": {Cores: 5.5, MemoryBytes: 7 * gib}})
	for _, c := range []struct {
		d    Decision
		want []string
	}{
		{Decision{VMID: 1, Node: "pve1", Mode: ModeEnforce, Changes: []Change{up(ResourceCores, 2, 3), up(ResourceMemory, 1024, 1536)}}, []string{
			"cores +1: node pve1 has 5.5 of 6 allowed ((4 cpus - 1 reserved) x 2)",
			"memory +512 MiB: node pve1 has 7168 of 7168 MiB allowed ((8192 MiB - 1024 reserved) x 1)",
		}},
		{Decision{VMID: 2, Node: "gone", Mode: ModeEnforce, Changes: []Change{up(ResourceCores, 1, 2), up(ResourceMemory, 512, 1024)}}, []string{
			`cores +1: the capacity of node "gone" is unknown`,
			`memory +512 MiB: the capacity of node "gone" is unknown`,
		}},
		{Decision{VMID: 3, Node: "pve1", Mode: ModeEnforce, Changes: []Change{down(ResourceCores, 2, 1)}}, nil},
		{Decision{VMID: 4, Node: "pve1", Mode: ModeDryRun, Changes: []Change{down(ResourceMemory, 2048, 1024), up(ResourceDisk, 8*gib, 10*gib)}}, []string{
			"memory down 2048 -> 1024: the pass has used its 1 writes",
			"disk up 8589934592 -> 10737418240: the pass has used its 1 writes",
		}},
	} {
		got := pass.Admit(c.d)
		var details []string
		for _, h := range got.Holds {
			details = append(details, h.Detail())
		}
		if len(details) != len(c.want) {
			t.Errorf("decision %d: holds say %q, want %q", c.d.VMID, details, c.want)
			continue
		}
		for i := range details {
			if details[i] != c.want[i] {
				t.Errorf("decision %d: hold %d says %q\nwant %q", c.d.VMID, i, details[i], c.want[i])
			}
		}
	}
}

// TestHoldTextWins: a hold given as text says that text.
func TestHoldTextWins(t *testing.T) {
	h := Hold{Resource: ResourceDisk, Reason: SkipLocked, Text: "locked (backup)"}
	if h.Detail() != "locked (backup)" {
		t.Errorf("Detail %q", h.Detail())
	}
}

// TestChangeReasons pins the reason of every kind of change, formatted
// from the numbers the change keeps.
func TestChangeReasons(t *testing.T) {
	busy := func(in *decideInput) { in.sig.CPU = cpuFor(time.Minute, 0.9) }
	idle := func(in *decideInput) { in.sig.CPU = cpuFor(10*time.Minute, 0.1) }
	for _, c := range []struct {
		name string
		edit func(in *decideInput)
		res  Resource
		want string
	}{
		{"sustained", busy, ResourceCores, "cpu 0.90 >= 0.75 for 1m0s"},
		{"the newest value decides", func(in *decideInput) { in.sig.CPU = cpuFor(0, 0.9); in.rules.StabilizationUp = 0 }, ResourceCores, "cpu 0.90 >= 0.75"},
		{"sized", func(in *decideInput) { busy(in); in.rules.CPU.Target = 0.5 }, ResourceCores, "cpu 0.90 >= 0.75 for 1m0s (sized for cpu 0.50)"},
		{"down, stopped at the floor", func(in *decideInput) { idle(in); in.sig.Alloc.Cores = 4; in.rules.CPU.Step = 2; in.sig.CPUPeak = 1.6 },
			ResourceCores, "cpu 0.10 <= 0.30 for 10m0s (stopped at the floor 3 cores (the window's peak 1.60 cores stays below 0.75 of them))"},
		{"memory down, sized and stopped", func(in *decideInput) {
			in.sig.Memory = memFor(10*time.Minute, 300)
			in.sig.Alloc.MemoryMiB = 4096
			in.sig.MemoryPeak = 1500 * mib
			in.rules.Memory.Target = 0.5
		}, ResourceMemory, "memory 0.07 <= 0.30 for 10m0s (sized for memory 0.50) (stopped at the floor 2001 MiB (the peak 1500 MiB stays below the up threshold))"},
		{"above the max", func(in *decideInput) { in.sig.Alloc.Cores = 6 }, ResourceCores, "6 cores is above the max 4"},
		{"below the min", func(in *decideInput) { in.rules.CPU.Min = 3 }, ResourceCores, "2 cores is below the min 3"},
		{"swap", func(in *decideInput) { in.rules.Swap.Enabled = true; in.rules.Swap.Max = 512 * mib }, ResourceSwap,
			"swap follows memory: 0.50 x 2048 MiB within [0, 512] MiB"},
		{"disk", func(in *decideInput) { in.sig.DiskUsed = 9 * gib }, ResourceDisk, "disk 0.90 >= 0.85"},
	} {
		if got := decidedText(c.edit, c.res); got != c.want {
			t.Errorf("%s: %s change says %q\nwant %q", c.name, c.res, got, c.want)
		}
	}
}

// decidedText is what Decide on the steady input, edited, says of res: a
// change's reason, else a hold's detail, else "".
func decidedText(edit func(in *decideInput), res Resource) string {
	in := steadyInput()
	edit(&in)
	d := Decide(in.sig, in.policy, in.rules, in.st, in.now)
	for _, ch := range d.Changes {
		if ch.Resource == res {
			return ch.Reason()
		}
	}
	for _, h := range d.Holds {
		if h.Resource == res {
			return h.Detail()
		}
	}
	return ""
}
