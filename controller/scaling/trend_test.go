package scaling

import (
	"strings"
	"testing"
	"time"
)

// A decrease stops where the trend of the stabilisation period, carried
// on from its peak to the end of the down cooldown, stays below the up
// threshold: memory rising 60 MiB a minute to 1,200 MiB would reach 2,100
// MiB within the 15-minute cooldown, so 8,192 MiB go down to 2,801 (2,100
// below 0.75 of it), not to the 2,560 the sizing asks; a flat series
// shrinks to the sizing.
func TestTrendFloorStopsADecrease(t *testing.T) {
	in := steadyInput()
	in.sig.Alloc.MemoryMiB = 8192
	in.rules.Memory.Target = 0.5
	in.rules.CPU.Enabled, in.rules.Disk.Enabled = false, false
	leak := usage(decideNow, time.Hour, 600*mib, 0, 0)
	for i := range leak {
		if ago := decideNow.Sub(leak[i].Time); ago <= 10*time.Minute {
			leak[i].Value = (1200 - 60*ago.Minutes()) * mib
		}
	}
	for _, tc := range []struct {
		name   string
		series Series
		to     int64
		reason string
	}{
		{"flat", memFor(time.Hour, 1200), 2560, "(sized for memory 0.50)"},
		{"leak", leak, 2801, "(stopped at 2801 MiB: the trend (+3600.00 MiB an hour) would pass 0.75 of 2800 MiB within the 15m0s cooldown)"},
	} {
		in.sig.Memory = tc.series
		in.sig.MemoryPeak = 1200 * mib
		d := Decide(in.sig, in.policy, in.rules, in.st, in.now)
		if len(d.Changes) != 1 || d.Changes[0].To != tc.to {
			t.Errorf("%s: %+v; want memory 8192 -> %d MiB", tc.name, d.Changes, tc.to)
			continue
		}
		if r := d.Changes[0].Reason(); !strings.Contains(r, tc.reason) {
			t.Errorf("%s: reason %q, want it to say %q", tc.name, r, tc.reason)
		}
	}
}

// A decrease the trend's floor forbids altogether is held, quoting the
// threshold as a utilisation (it once quoted memory's in bytes).
func TestTrendFloorHoldsADecrease(t *testing.T) {
	in := steadyInput()
	in.sig.Alloc.MemoryMiB = 4096
	in.rules.CPU.Enabled, in.rules.Disk.Enabled = false, false
	in.rules.CooldownDown = 45 * time.Minute // 1,200 MiB + 45 x 60 passes 0.75 of 4,096
	leak := usage(decideNow, time.Hour, 600*mib, 0, 0)
	for i := range leak {
		if ago := decideNow.Sub(leak[i].Time); ago <= 10*time.Minute {
			leak[i].Value = (1200 - 60*ago.Minutes()) * mib
		}
	}
	in.sig.Memory, in.sig.MemoryPeak = leak, 1200*mib
	d := Decide(in.sig, in.policy, in.rules, in.st, in.now)
	if len(d.Changes) != 0 || len(d.Holds) != 1 || d.Holds[0].Reason != SkipMemoryFloor {
		t.Fatalf("%+v; want the decrease held by the memory floor", d)
	}
	want := "memory 0.29 <= 0.30 but the trend (+3600.00 MiB an hour) would pass 0.75 of 5200 MiB within the 45m0s cooldown"
	if got := d.Holds[0].Detail(); got != want {
		t.Errorf("hold %q, want %q", got, want)
	}
}
