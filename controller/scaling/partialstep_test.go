package scaling

import (
	"strings"
	"testing"
	"time"
)

// A decrease that a floor stops less than a step below the limit and
// within a fifth of it waits (weekday, seed 1: 2048 -> 1792 MiB at 21:00,
// stopped by the usage history's median, then 1792 -> 2386 ahead of the
// next morning; 3633 -> 3060 MiB 45 minutes after 4096 -> 3633 on a
// week of steps): the policy changes memory a step at a time, and a write
// for less, under a fifth of the limit, frees little for the write and
// the cooldown it starts, while the floor that stopped it moves with
// the history and the next decrease takes the rest. A whole step, or a
// fifth of the limit (a small container's 1024 -> 744 MiB), goes.
func TestNoDecreaseOfLessThanAStepWithinAFifth(t *testing.T) {
	in := memoryDown()
	in.rules.Memory.Step = 512 * mib
	in.sig.Alloc.MemoryMiB = 2048
	in.sig.Memory = usage(decideNow, time.Hour, 300*mib, 0, 300*mib)
	in.sig.MemoryPeak = 300 * mib
	sig, h := lazy(in.sig, in.now)
	for _, c := range []struct {
		cur, floor int64
		want       int64 // 0: held
	}{
		{2048, 1792, 0},    // 256 MiB: half a step, an eighth
		{4096, 3633, 0},    // 463 MiB: under a step, 11 %
		{2048, 1536, 1536}, // a whole step
		{1024, 744, 744},   // under a step, but 27 % of the limit
	} {
		sig.Alloc.MemoryMiB = int(c.cur)
		sig.History = recHistory{seriesHistory: h, f: RecFloor{Floor: c.floor, Pct: 50, Usage: float64(c.floor-300) * mib, Days: 2, Widen: 1}}
		d := Decide(sig, in.policy, in.rules, in.st, in.now)
		switch {
		case c.want == 0 && (len(d.Changes) != 0 || len(d.Holds) != 1 || d.Holds[0].Reason != SkipMemoryFloor):
			t.Errorf("%d MiB, floor %d: %+v; want a memory floor hold", c.cur, c.floor, d)
		case c.want == 0 && !strings.Contains(d.Holds[0].Detail(), "less than a step and a fifth of the limit"):
			t.Errorf("%d MiB, floor %d: hold %q does not say why", c.cur, c.floor, d.Holds[0].Detail())
		case c.want != 0 && (len(d.Changes) != 1 || d.Changes[0].To != c.want):
			t.Errorf("%d MiB, floor %d: %+v; want memory down to %d", c.cur, c.floor, d.Changes, c.want)
		}
	}
}
