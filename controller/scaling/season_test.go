package scaling

import (
	"strings"
	"testing"
	"time"
)

// seasonal is steadyInput with its History answering the recurring peaks
// cpu and memory (a nightly job's, at 01:00 on 3 of 4 days).
func seasonal(in decideInput, cpu, memory float64) (Signals, *seriesHistory) {
	sig, h := lazy(in.sig, in.now)
	at := time.Hour
	if cpu > 0 {
		h.cpuSeason = Recurring{Peak: cpu, At: at, Seen: 3, Days: 4, Soon: cpu}
	}
	if memory > 0 {
		h.memorySeason = Recurring{Peak: memory, At: at, Seen: 3, Days: 4, Soon: memory}
	}
	return sig, h
}

// A decrease never goes below what the recurring peak ahead needs at the
// policy's target: without it memory shrinks to its window's floor, with
// it the decrease stops at the peak's need and says which peak; a limit
// already at that need stays (the memory floor hold names the peak).
func TestSeasonFloorStopsADecrease(t *testing.T) {
	in := memoryDown()
	in.sig.MemoryPeak = 1024 * mib

	sig, _ := seasonal(in, 0, 0)
	plain := Decide(sig, in.policy, in.rules, in.st, in.now)
	if len(plain.Changes) != 1 || plain.Changes[0].To >= 2560 {
		t.Fatalf("without a recurring peak: %+v; want memory down below 2560 MiB", plain.Changes)
	}

	sig, _ = seasonal(in, 0, 1280*mib) // needs 2560 MiB at 0.5
	d := Decide(sig, in.policy, in.rules, in.st, in.now)
	if len(d.Changes) != 1 || d.Changes[0].To != 2560 {
		t.Fatalf("with a recurring peak of 1280 MiB: %+v; want memory 4096 -> 2560 MiB", d.Changes)
	}
	if r := d.Changes[0].Reason(); !strings.Contains(r, "01:00 peak seen on 3 of 4 days (1280 MiB): 2560 MiB") {
		t.Errorf("reason %q does not name the recurring peak", r)
	}

	sig, _ = seasonal(in, 0, 2048*mib) // needs 4096 MiB
	d = Decide(sig, in.policy, in.rules, in.st, in.now)
	if len(d.Changes) != 0 || len(d.Holds) != 1 || d.Holds[0].Reason != SkipMemoryFloor ||
		!strings.Contains(d.Holds[0].Detail(), "floor for the 01:00 peak seen on 3 of 4 days") {
		t.Errorf("with a recurring peak that needs the limit: %+v; want a memory floor hold naming the peak", d)
	}
}

// Cores grow ahead of a recurring peak that would pass the up threshold,
// to what it needs at the target, after the up cooldown; one that stays
// below the threshold grows nothing, and neither does a container without
// a recurring peak.
func TestGrowAheadOfARecurringPeak(t *testing.T) {
	in := steadyInput()
	in.sig.Alloc.Cores = 1
	in.sig.CPU = cpuFor(0, 0.5)
	in.rules.CPU.Target, in.rules.CPU.Max = 0.8, 8
	in.rules.Memory.Enabled = false
	in.rules.Disk.Enabled = false

	sig, _ := seasonal(in, 3.4, 0)
	d := Decide(sig, in.policy, in.rules, in.st, in.now)
	if len(d.Changes) != 1 || d.Changes[0].From != 1 || d.Changes[0].To != 5 {
		t.Fatalf("a recurring peak of 3.4 cores: %+v; want cores 1 -> 5 (3.4 / 0.8)", d.Changes)
	}
	if r := d.Changes[0].Reason(); r != "ahead of the 01:00 peak seen on 3 of 4 days (3.40 cores): 5 cores" {
		t.Errorf("reason %q", r)
	}

	in.rules.CPU.Max = 3
	sig, _ = seasonal(in, 3.4, 0)
	if d := Decide(sig, in.policy, in.rules, in.st, in.now); len(d.Changes) != 1 || d.Changes[0].To != 3 {
		t.Errorf("a recurring peak past the max: %+v; want cores 1 -> 3, the max", d.Changes)
	}
	in.rules.CPU.Max = 8

	sig, _ = seasonal(in, 3.4, 0)
	st := lastAction(ResourceCores, time.Minute)
	if d := Decide(sig, in.policy, in.rules, st, in.now); len(d.Changes) != 0 || len(d.Holds) != 1 || d.Holds[0].Reason != SkipCooldown {
		t.Errorf("within the up cooldown: %+v; want a cooldown hold", d)
	}

	sig, _ = seasonal(in, 0.7, 0) // 0.7 of 1 core is below 0.75
	if d := Decide(sig, in.policy, in.rules, in.st, in.now); len(d.Changes)+len(d.Holds) != 0 {
		t.Errorf("a recurring peak below the up threshold: %+v; want nothing", d)
	}
	sig, _ = seasonal(in, 0, 0)
	if d := Decide(sig, in.policy, in.rules, in.st, in.now); len(d.Changes)+len(d.Holds) != 0 {
		t.Errorf("no recurring peak: %+v; want nothing", d)
	}
}

// oneCoreAhead is 1 core busy at cpu, up 0.9, target 0.8, max 8, cores
// only, with a History for its recurring peaks.
func oneCoreAhead(cpu float64) (decideInput, Signals, *seriesHistory) {
	in := steadyInput()
	in.sig.Alloc.Cores = 1
	in.sig.CPU = cpuFor(0, cpu)
	in.rules.CPU.Up, in.rules.CPU.Target, in.rules.CPU.Max = 0.9, 0.8, 8
	in.rules.Memory.Enabled, in.rules.Disk.Enabled = false, false
	sig, h := lazy(in.sig, in.now)
	return in, sig, h
}

// A growth ahead is of the peak that recurs: when only the latest day
// (Soon) passed the up threshold and the peak seen on most days (0.85 of
// 1 core) stays below it, nothing grows, though 0.85 is above the target;
// the increase the peak would ask for is not one most days asked for.
func TestGrowAheadOnlyOfWhatRecurs(t *testing.T) {
	in, sig, h := oneCoreAhead(0.5)
	h.cpuSeason = Recurring{Peak: 0.85, At: time.Hour, Seen: 3, Days: 4, Soon: 2.5}
	if d := Decide(sig, in.policy, in.rules, in.st, in.now); len(d.Changes) != 0 {
		t.Errorf("a recurring peak of 0.85 cores, 2.5 on the latest day: %+v; want no growth", d.Changes)
	}
	h.cpuSeason.Peak = 1.6
	if d := Decide(sig, in.policy, in.rules, in.st, in.now); len(d.Changes) != 1 || d.Changes[0].To != 2 {
		t.Errorf("a recurring peak of 1.6 cores: %+v; want cores 1 -> 2", d.Changes)
	}
}

// A shop's morning (a week of two daily peaks, 1-minute samples): the
// 08:00 hour peaks at 1.61 cores on every day, the 09:00 hour at 3.24 (the
// noisy most of a load near 3.1). At 08:20 on 1 core the growth ahead
// takes the highest peak of the climb (seasonClimb), sized to stay
// below the up threshold as the peak would need once it came (no more:
// 3.24 on 4 cores asks nothing of the ordinary rules): 1 -> 4 in one step,
// where sizing the 08:00 hour at the target took 1 -> 3, 3 -> 5 at 09:10
// and right-sizing's 5 -> 4 an hour later, every day.
func TestGrowAheadInOneStepToTheHoursPeak(t *testing.T) {
	in, sig, h := oneCoreAhead(0.3)
	h.cpuSeason = Recurring{Peak: 1.61, At: 8 * time.Hour, Seen: 5, Days: 5, Soon: 1.61}
	h.climbCPU = Recurring{Peak: 3.24, At: 9 * time.Hour, Seen: 5, Days: 5, Soon: 3.24}
	d := Decide(sig, in.policy, in.rules, in.st, in.now)
	if len(d.Changes) != 1 || d.Changes[0].From != 1 || d.Changes[0].To != 4 {
		t.Fatalf("the 08:00 hour at 1.61 cores, the 09:00 hour at 3.24: %+v; want cores 1 -> 4", d.Changes)
	}
	if r := d.Changes[0].Reason(); r != "ahead of the 09:00 peak seen on 5 of 5 days (3.24 cores): 4 cores" {
		t.Errorf("reason %q", r)
	}
	// 3.7 would pass 0.9 of 4 cores: 5.
	h.climbCPU.Peak, h.climbCPU.Soon = 3.7, 3.7
	if d := Decide(sig, in.policy, in.rules, in.st, in.now); len(d.Changes) != 1 || d.Changes[0].To != 5 {
		t.Errorf("the 09:00 hour at 3.7 cores: %+v; want cores 1 -> 5", d.Changes)
	}
}

// A workday's memory (the weekday scenario, seed 4): the 07:00 hour peaks
// at 1453 MiB, the 08:00 hour at 2049. Ten minutes before 07:00, on 1024
// MiB, memory grows once to keep 2049 MiB below the up threshold (0.85:
// 2411 MiB), where it grew to 1453's need at the target (2075) and 20
// minutes later to 2049's (2928). The hour of the growth keeps the
// target's headroom: a span that needs less changes nothing.
func TestGrowAheadOfMemoryInOneStep(t *testing.T) {
	in := steadyInput()
	in.sig.Alloc.MemoryMiB = 1024
	in.sig.Memory, in.sig.MemoryPeak = memFor(0, 500), 500*mib
	in.rules.Memory.Up, in.rules.Memory.Target = 0.85, 0.7
	in.rules.CPU.Enabled, in.rules.Disk.Enabled = false, false
	sig, h := lazy(in.sig, in.now)
	h.memorySeason = Recurring{Peak: 1453 * mib, At: 7 * time.Hour, Seen: 3, Days: 3, Soon: 1453 * mib}
	h.climbMemory = Recurring{Peak: 2049 * mib, At: 8 * time.Hour, Seen: 3, Days: 3, Soon: 2049 * mib}
	d := Decide(sig, in.policy, in.rules, in.st, in.now)
	if len(d.Changes) != 1 || d.Changes[0].To != 2411 {
		t.Fatalf("the 07:00 hour at 1453 MiB, the 08:00 hour at 2049: %+v; want memory 1024 -> 2411 MiB", d.Changes)
	}
	h.climbMemory.Peak = 1500 * mib // 1765 MiB at 0.85, below 1453's 2076 at 0.7
	if d := Decide(sig, in.policy, in.rules, in.st, in.now); len(d.Changes) != 1 || d.Changes[0].To != 2076 {
		t.Errorf("the 08:00 hour at 1500 MiB: %+v; want memory 1024 -> 2076 MiB (the 07:00 hour at the target)", d.Changes)
	}
}

// A morning that climbs for four hours (the game's evening, the web
// front's day): at 07:00 on 4 cores nearly idle, the profile's 11:00 hour
// peaks at 2.5 cores on every workday, beyond the hour a decrease's floor
// looks at. The decrease stops at what keeps 2.5 below the up threshold
// (3 cores), which a growth ahead of the climb would grow to, rather
// than going to 1 core and growing back hour by hour; without a climb it
// goes to 1. On 1 core, the growth ahead of the 08:00 hour's 1.2 cores is
// to those 3 cores at once, not to 2 and then 3.
func TestClimbIsGrownForOnceAndHeld(t *testing.T) {
	in, _, _ := oneCoreAhead(0.1)
	in.sig.Alloc.Cores = 4
	in.sig.CPU = cpuFor(2*time.Hour, 0.1)
	sig, h := lazy(in.sig, in.now)
	if d := Decide(sig, in.policy, in.rules, in.st, in.now); len(d.Changes) != 1 || d.Changes[0].To != 1 {
		t.Fatalf("no recurring peak: %+v; want cores 4 -> 1", d.Changes)
	}
	h.climbCPU = Recurring{Peak: 2.5, At: 11 * time.Hour, Seen: 5, Days: 5, Soon: 2.5, Class: ClassWorkday}
	d := Decide(sig, in.policy, in.rules, in.st, in.now)
	if len(d.Changes) != 1 || d.Changes[0].To != 3 {
		t.Fatalf("the 11:00 hour at 2.5 cores four hours ahead: %+v; want cores 4 -> 3", d.Changes)
	}
	if r := d.Changes[0].Reason(); !strings.Contains(r, "stopped at the floor for the workday 11:00 peak seen on 5 of 5 days (2.50 cores): 3 cores") {
		t.Errorf("reason %q does not name the climb's peak", r)
	}

	in, sig, h = oneCoreAhead(0.3)
	h.cpuSeason = Recurring{Peak: 1.2, At: 8 * time.Hour, Seen: 5, Days: 5, Soon: 1.2}
	h.climbCPU = Recurring{Peak: 2.5, At: 11 * time.Hour, Seen: 5, Days: 5, Soon: 2.5, Class: ClassWorkday}
	d = Decide(sig, in.policy, in.rules, in.st, in.now)
	if len(d.Changes) != 1 || d.Changes[0].To != 3 {
		t.Fatalf("the 08:00 hour at 1.2 cores, the 11:00 hour at 2.5: %+v; want cores 1 -> 3", d.Changes)
	}
	if r := d.Changes[0].Reason(); r != "ahead of the workday 11:00 peak seen on 5 of 5 days (2.50 cores): 3 cores" {
		t.Errorf("reason %q", r)
	}
}
