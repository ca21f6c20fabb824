package scaling

import (
	"strings"
	"testing"
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
	plain := Decide(sig, in.policy, in.rules, in.st, in.now, in.rise)
	if len(plain.Changes) != 1 || plain.Changes[0].To > 2048 {
		t.Fatalf("without a recommender: %+v; want memory down to 2048 MiB or less", plain.Changes)
	}

	sig.History = recHistory{seriesHistory: h, f: RecFloor{Floor: 2816, Pct: 50, Usage: 2560 * mib, Days: 3.2, Widen: 1}}
	d := Decide(sig, in.policy, in.rules, in.st, in.now, in.rise)
	if len(d.Changes) != 1 || d.Changes[0].To != 2816 {
		t.Fatalf("with a floor of 2816 MiB: %+v; want memory 4096 -> 2816 MiB", d.Changes)
	}
	if r := d.Changes[0].Reason(); !strings.Contains(r, "stopped at 2816 MiB: p50 over 3.2 days of history: 2560 MiB used") {
		t.Errorf("reason %q does not name the history", r)
	}

	sig.History = recHistory{seriesHistory: h, f: RecFloor{Floor: 5376, Pct: 50, Usage: 1024 * mib, Days: 10.0 / 1440, Widen: 4}}
	d = Decide(sig, in.policy, in.rules, in.st, in.now, in.rise)
	if len(d.Changes) != 0 || len(d.Holds) != 1 || d.Holds[0].Reason != SkipMemoryFloor ||
		!strings.Contains(d.Holds[0].Detail(), "the floor 5376 MiB (p50 over 10m0s of history: 1024 MiB used, x4.00 while the history is short)") {
		t.Fatalf("a floor above the limit: %+v; want a memory floor hold for the short history", d)
	}
	sig.History = recHistory{seriesHistory: h}
	if d := Decide(sig, in.policy, in.rules, in.st, in.now, in.rise); len(d.Changes) != 1 || d.Changes[0].To != plain.Changes[0].To {
		t.Errorf("no history: %+v; want the hour's decrease", d)
	}
}
