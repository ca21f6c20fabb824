package scaling

import (
	"math"
	"strings"
	"testing"
	"time"
)

// recHistory is a seriesHistory that is also a Recommender, answering
// every percentile from a fixed usage per resource (a histogram that saw
// one level all the time), with days of history.
type recHistory struct {
	*seriesHistory
	cores, memory, days float64
}

func (h recHistory) Percentiles(res Resource, _, out []float64) float64 {
	v := h.memory
	if res == ResourceCores {
		v = h.cores
	}
	for i := range out {
		out[i] = v
	}
	return h.days
}

// memoryDown is steadyInput with memory far above its use: 600 MiB of
// 4 GiB at the end of the hour (1 GiB before), so that it shrinks when nothing else holds it.
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

// A decrease goes no lower than what the history's median needs (peak +
// margin), and says so; with days of history below the limit it is made.
func TestRecommendationStopsADecrease(t *testing.T) {
	in := memoryDown()
	sig, h := lazy(in.sig, in.now)
	plain := Decide(sig, in.policy, in.rules, in.st, in.now, in.rise)
	if len(plain.Changes) != 1 || plain.Changes[0].To > 2048 {
		t.Fatalf("without a recommender: %+v; want memory down to 2048 MiB or less", plain.Changes)
	}

	sig.History = recHistory{seriesHistory: h, memory: 2560 * mib, days: 3.2}
	d := Decide(sig, in.policy, in.rules, in.st, in.now, in.rise)
	margin := ceilMiB(in.rules.Memory.Margin)
	if len(d.Changes) != 1 || d.Changes[0].To != 2560+margin {
		t.Fatalf("with a median of 2560 MiB over 3.2 days: %+v; want memory 4096 -> %d MiB", d.Changes, 2560+margin)
	}
	if r := d.Changes[0].Reason(); !strings.Contains(r, "p50 over 3.2 days of history: 2560 MiB used") {
		t.Errorf("reason %q does not name the recommendation", r)
	}
}

// Little history never shrinks much: the same median over ten minutes (a stabilisation) holds
// the limit (a memory floor naming the short history); with no history at
// all the recommender says nothing and the hour decides.
func TestRecommendationShortHistoryHolds(t *testing.T) {
	in := memoryDown()
	sig, h := lazy(in.sig, in.now)
	sig.History = recHistory{seriesHistory: h, memory: 1024 * mib, days: 10.0 / 1440}
	d := Decide(sig, in.policy, in.rules, in.st, in.now, in.rise)
	if len(d.Changes) != 0 || len(d.Holds) != 1 || d.Holds[0].Reason != SkipMemoryFloor ||
		!strings.Contains(d.Holds[0].Detail(), "p50 over 10m0s of history: 1024 MiB used, x4.00 while the history is short") {
		t.Fatalf("a median of 1 GiB over ten minutes: %+v; want a memory floor hold for the short history", d)
	}
	sig.History = recHistory{seriesHistory: h, memory: 1024 * mib, days: 0}
	if d := Decide(sig, in.policy, in.rules, in.st, in.now, in.rise); len(d.Changes) != 1 {
		t.Errorf("no history: %+v; want the hour's decrease", d)
	}
}

// Cores: the floor keeps the median's cores busy below the up threshold.
func TestRecommendationCoresFloor(t *testing.T) {
	in := steadyInput()
	in.sig.Alloc.Cores = 8
	in.sig.CPU = cpuFor(time.Hour, 0.05)
	in.rules.Memory.Enabled, in.rules.Disk.Enabled = false, false
	in.rules.CPU.Max, in.rules.CPU.Target = 8, 0.6
	sig, h := lazy(in.sig, in.now)
	sig.History = recHistory{seriesHistory: h, cores: 2.5, days: 7}
	d := Decide(sig, in.policy, in.rules, in.st, in.now, in.rise)
	want := int64(math.Floor(2.5/in.rules.CPU.Up) + 1)
	if len(d.Changes) != 1 || d.Changes[0].To != want {
		t.Fatalf("a median of 2.5 cores over a week: %+v %+v; want cores 8 -> %d", d.Changes, d.Holds, want)
	}
}

// The bounds: each profile's percentiles in order, raised while the
// history is short and less as it grows; the needs keep the hour's floor.
func TestBounds(t *testing.T) {
	r := testRules()
	for _, p := range []Profile{ProfileBalanced, ProfileCost, ProfilePerformance} {
		b := BoundsOf(p)
		if !(b.Lower < b.Target && b.Target < b.Upper && b.Widen(0.01, r) > b.Widen(1, r) && b.Widen(1, r) > 1) {
			t.Errorf("profile %s: %+v", p, b)
		}
	}
	if BoundsOf("") != BoundsOf(ProfileBalanced) {
		t.Error("the default profile is not balanced")
	}
	if got, want := UsageNeed(ResourceCores, r, 1.7), int64(math.Floor(1.7/r.CPU.Up)+1); got != want {
		t.Errorf("1.7 cores busy need %d cores, want %d", got, want)
	}
	if got := UsageNeed(ResourceMemory, r, 1000*mib); got != 1000+ceilMiB(r.Memory.Margin) {
		t.Errorf("1000 MiB used need %d MiB, want it plus the margin", got)
	}
}
