package scaling

import (
	"strings"
	"testing"
	"time"
)

// recHistory is a seriesHistory that is also a Recommender, answering
// every floor with f (none when f.Floor is 0).
type recHistory struct {
	*seriesHistory
	f RecFloor
}

func (h recHistory) Floor(Resource, Rules, int64) (RecFloor, bool) { return h.f, h.f.Floor > 0 }

// memoryDown is steadyInput with memory far above its use: 600 MiB of
// 4 GiB at the end of the hour (1 GiB before), so that it shrinks when
// nothing else holds it.
func memoryDown() decideInput {
	in := steadyInput()
	in.sig.Alloc.MemoryMiB = 4096
	in.sig.Memory = memFor(0, 600)
	in.sig.MemoryPeak = 600 * mib
	in.rules.Memory.Target = 0.5
	in.rules.CPU.Enabled = false
	in.rules.Disk.Enabled = false
	return in
}

// A decrease goes no lower than the usage history's floor and says so;
// one at or above the limit holds it (a memory floor naming the history);
// without one the hour decides.
func TestRecommendationFloor(t *testing.T) {
	in := memoryDown()
	sig, h := lazy(in.sig, in.now)
	plain := Decide(sig, in.policy, in.rules, in.st, in.now)
	if len(plain.Changes) != 1 || plain.Changes[0].To > 2048 {
		t.Fatalf("without a recommender: %+v; want memory down to 2048 MiB or less", plain.Changes)
	}

	sig.History = recHistory{seriesHistory: h, f: RecFloor{Floor: 2816, Pct: 50, Usage: 2560 * mib, Days: 3.2, Widen: 1}}
	d := Decide(sig, in.policy, in.rules, in.st, in.now)
	if len(d.Changes) != 1 || d.Changes[0].To != 2816 {
		t.Fatalf("with a floor of 2816 MiB: %+v; want memory 4096 -> 2816 MiB", d.Changes)
	}
	if r := d.Changes[0].Reason(); !strings.Contains(r, "stopped at 2816 MiB: p50 over 3.2 days of history: 2560 MiB used") {
		t.Errorf("reason %q does not name the history", r)
	}

	sig.History = recHistory{seriesHistory: h, f: RecFloor{Floor: 5376, Pct: 50, Usage: 1024 * mib, Days: 10.0 / 1440, Widen: 4}}
	d = Decide(sig, in.policy, in.rules, in.st, in.now)
	if len(d.Changes) != 0 || len(d.Holds) != 1 || d.Holds[0].Reason != SkipMemoryFloor ||
		!strings.Contains(d.Holds[0].Detail(), "the floor 5376 MiB (p50 over 10m0s of history: 1024 MiB used, x4.00 while the history is short)") {
		t.Fatalf("a floor above the limit: %+v; want a memory floor hold for the short history", d)
	}
	sig.History = recHistory{seriesHistory: h}
	if d := Decide(sig, in.policy, in.rules, in.st, in.now); len(d.Changes) != 1 || d.Changes[0].To != plain.Changes[0].To {
		t.Errorf("no history: %+v; want the hour's decrease", d)
	}
}

// coresDown is steadyInput with cores only, at busy (a utilisation) for
// the hour with a peak of peak cores busy, up to 8 with target.
func coresDown(cores int, busy, peak, target float64) decideInput {
	in := steadyInput()
	in.sig.Alloc.Cores = cores
	in.sig.CPU, in.sig.CPUPeak = cpuFor(time.Hour, busy), peak
	in.rules.CPU.Target, in.rules.CPU.Max = target, 8
	in.rules.Memory.Enabled, in.rules.Disk.Enabled = false, false
	return in
}

// The usage history's floor (3 cores for a p50 of 2 busy) gives way to
// what the next hour needed at most on every day of the class known
// (0.5 busy: 1 core; 1.2 busy: 2), and says so when it stops a decrease.
func TestRecommendationFloorCappedByTheHourAhead(t *testing.T) {
	in := coresDown(4, 0.1, 0.4, 0.5)
	sig, h := lazy(in.sig, in.now)
	sig.History = recHistory{seriesHistory: h, f: RecFloor{Floor: 3, Pct: 50, Usage: 2, Days: 3, Widen: 1}}
	if d := Decide(sig, in.policy, in.rules, in.st, in.now); len(d.Changes) != 1 || d.Changes[0].To != 3 {
		t.Fatalf("without a profile: %+v; want cores 4 -> 3, the history's floor", d.Changes)
	}
	h.cpuSeason = Recurring{Most: 0.5}
	if d := Decide(sig, in.policy, in.rules, in.st, in.now); len(d.Changes) != 1 || d.Changes[0].To != 1 {
		t.Fatalf("with the next hour at 0.5 busy on every day known: %+v; want cores 4 -> 1", d.Changes)
	}
	h.cpuSeason = Recurring{Most: 1.2}
	d := Decide(sig, in.policy, in.rules, in.st, in.now)
	if len(d.Changes) != 1 || d.Changes[0].To != 2 || !strings.Contains(d.Changes[0].Reason(), "stopped at 2 cores: the next hour's most on every day known: 1.20 cores busy") {
		t.Errorf("with the next hour at 1.2 busy: %+v; want cores 4 -> 2, stopped at what that hour needs", d.Changes)
	}
}

// A decrease that its floor stops within a step and a fifth of the limit
// is not made: a write that frees 12 MiB of 1079 (a recurring peak's
// need, recomputed every hour a few MiB lower) is noise, and each one
// restarts the cooldown. One that frees a fifth is made.
func TestNoDecreaseThatFreesAlmostNothing(t *testing.T) {
	in := memoryDown()
	in.sig.Alloc.MemoryMiB = 1079
	in.sig.Memory = usage(decideNow, time.Hour, 250*mib, 0, 250*mib)
	in.sig.MemoryPeak = 250 * mib
	sig, h := lazy(in.sig, in.now)
	sig.History = recHistory{seriesHistory: h, f: RecFloor{Floor: 1067, Pct: 50, Usage: 811 * mib, Days: 3, Widen: 1}}
	d := Decide(sig, in.policy, in.rules, in.st, in.now)
	if len(d.Changes) != 0 || len(d.Holds) != 1 || d.Holds[0].Reason != SkipMemoryFloor {
		t.Fatalf("a floor 12 MiB below 1079 MiB: %+v; want a memory floor hold", d)
	}
	// The threshold quoted as a utilisation, as every hold's: not in bytes.
	if got, want := d.Holds[0].Detail(), "memory 0.23 <= 0.30 but a decrease to 1067 MiB frees 12 MiB, less than a step and a fifth of the limit"; got != want {
		t.Errorf("hold %q, want %q", got, want)
	}
	sig.History = recHistory{seriesHistory: h, f: RecFloor{Floor: 850, Pct: 50, Usage: 594 * mib, Days: 3, Widen: 1}}
	if d := Decide(sig, in.policy, in.rules, in.st, in.now); len(d.Changes) != 1 || d.Changes[0].To != 850 {
		t.Errorf("a floor 229 MiB below 1079 MiB: %+v; want memory 1079 -> 850", d.Changes)
	}
}

// A runaway burnt 8 cores for 8 hours of a 13-hour history and stopped
// 4 hours ago: the history's p50 (8.36 busy, widened x1.23) asks for 12
// cores, but nothing in the last 4 hours came near it (1.5 busy at
// most), so the floor is what that needs (3 cores) and 5 cores go; the
// reason says why. The floor stays with 6 hours of history (a widened floor
// holds while the history is short), and when letting go would free
// less than two steps (a daily trough: 2 cores shrunk each night and
// regrown each morning).
func TestRecommendationFloorLetGoOnceStale(t *testing.T) {
	in := coresDown(8, 0.01, 0.1, 0.8)
	sig, h := lazy(in.sig, in.now)
	h.cpuHighest = 1.5 // a cron job's burst: 3 cores below the up threshold 0.75
	stale := RecFloor{Floor: 12, Pct: 50, Usage: 8.36, Days: 13.0 / 24, Widen: 1.23}
	sig.History = recHistory{seriesHistory: h, f: stale}
	d := Decide(sig, in.policy, in.rules, in.st, in.now)
	if len(d.Changes) != 1 || d.Changes[0].To != 3 {
		t.Fatalf("a floor not needed for 4 hours: %+v %+v; want cores 8 -> 3", d.Changes, d.Holds)
	}
	if r := d.Changes[0].Reason(); !strings.Contains(r, "stopped at 3 cores: the most of the last 4h0m0s, the history's percentile not needed since: 1.50 cores busy") {
		t.Errorf("reason %q does not say the history's floor was let go", r)
	}

	short := stale
	short.Days = 6.0 / 24
	sig.History = recHistory{seriesHistory: h, f: short}
	if d := Decide(sig, in.policy, in.rules, in.st, in.now); len(d.Changes) != 0 || len(d.Holds) != 1 || d.Holds[0].Reason != SkipCPUFloor {
		t.Errorf("6 hours of history: %+v %+v; want the history's floor to hold", d.Changes, d.Holds)
	}

	in.sig.Alloc.Cores = 4
	sig, h = lazy(in.sig, in.now)
	h.cpuHighest = 1.2 // needs 2 cores below 0.75: one step below the floor of 3
	sig.History = recHistory{seriesHistory: h, f: RecFloor{Floor: 3, Pct: 50, Usage: 1.9, Days: 3, Widen: 1}}
	if d := Decide(sig, in.policy, in.rules, in.st, in.now); len(d.Changes) != 1 || d.Changes[0].To != 3 {
		t.Errorf("a floor a step above the last 4 hours' need: %+v %+v; want cores 4 -> 3, the history's floor", d.Changes, d.Holds)
	}
}
