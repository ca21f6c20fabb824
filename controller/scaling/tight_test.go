package scaling

import (
	"strings"
	"testing"
	"time"
)

// A JVM at 2 cores whose last hour peaked at 0.84 cores busy (0.42, under
// the 0.45 down threshold) but which used 1.64 cores within the last day:
// one core fewer would run the hour's peak past the 0.80 target and the
// day's most past the up threshold, so the next rise pins it and it grows
// back within minutes (a week-long trace did, 2 -> 1 -> 3 in 25 minutes).
// It keeps its 2 cores; a day that never came near 0.9 of one core lets
// it go to 1, and 4 cores go to 3 whatever the day (3 hold the hour's
// peak within the target).
func TestDecreaseKeepsRoomForTheDaysMost(t *testing.T) {
	for _, c := range []struct {
		name          string
		cores         int
		highest       float64
		to            int64
		textSubstring string
	}{
		{"2 cores, 1.64 busy within the day", 2, 1.64, 0, "the last day's 1.64 cores"},
		{"2 cores, 0.86 busy at most within the day", 2, 0.86, 1, ""},
		{"4 cores, 2.6 busy within the day", 4, 2.6, 3, ""},
	} {
		in := steadyInput()
		in.rules.CPU.Up, in.rules.CPU.Down, in.rules.CPU.Target = 0.9, 0.45, 0.8
		in.rules.Memory.Enabled = false
		in.sig.Alloc.Cores = c.cores
		in.sig.CPU, in.sig.CPUPeak = usage(decideNow, time.Hour, 0.42, 0, 0.42), 0.42*float64(c.cores)
		sig, h := lazy(in.sig, in.now)
		h.cpuHighest = c.highest
		d := Decide(sig, in.policy, in.rules, in.st, in.now)
		switch {
		case c.to > 0 && (len(d.Changes) != 1 || d.Changes[0].To != c.to):
			t.Errorf("%s: changes %+v, want %d -> %d", c.name, d.Changes, c.cores, c.to)
		case c.to == 0 && (len(d.Changes) != 0 || len(d.Holds) != 1 || !strings.Contains(d.Holds[0].Detail(), c.textSubstring)):
			t.Errorf("%s: changes %+v, holds %+v, want a hold naming %q", c.name, d.Changes, d.Holds, c.textSubstring)
		}
	}
}
