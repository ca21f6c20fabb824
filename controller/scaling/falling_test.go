package scaling

import (
	"math"
	"testing"
	"time"
)

// fallRules are the cores rules of the defaults: a decrease after an hour
// at or below 0.45, sized for 0.80.
func fallRules() Rules {
	r := testRules()
	r.CPU = CPURules{Enabled: true, Up: 0.9, Down: 0.45, Step: 1, Min: 1, Max: 8, Target: 0.8}
	r.Memory.Enabled, r.Disk.Enabled = false, false
	r.StabilizationDown, r.CooldownDown = time.Hour, 45*time.Minute
	return r
}

// busyFor is an hour of 5 cores' utilisation, busy(age) cores busy.
func busyFor(busy func(age time.Duration) float64) Series {
	var s Series
	for age := time.Hour; age >= 0; age -= time.Minute {
		s = append(s, Point{Time: decideNow.Add(-age), Value: busy(age) / 5})
	}
	return s
}

// A flash crowd leaving: 5 cores, 2.2 busy an hour ago decaying to 0.6
// (flashcrowd, seed 1, 12:12 to 13:12). Sized from the hour, the
// decrease stops at 3 cores, and two more follow 45 minutes apart down
// the decay (5 -> 3 -> 2 -> 1); still falling through the newest half
// hour (0.88 busy at most, 0.69 in its newest quarter), it sizes from
// that half: 5 -> 2. A burst that ended 50 minutes ago, flat since, is
// no fall: the window's peak keeps 3 cores for its return.
func TestDecreaseDownADecaySizesFromTheNewestHalf(t *testing.T) {
	decay := func(age time.Duration) float64 {
		return 0.5 + 1.7*math.Exp(-float64(time.Hour-age)/float64(20*time.Minute))
	}
	burst := func(age time.Duration) float64 {
		if age >= 45*time.Minute && age < 50*time.Minute {
			return 2.2
		}
		return 0.6
	}
	for _, c := range []struct {
		name string
		busy func(time.Duration) float64
		want int64
	}{{"decay", decay, 2}, {"burst", burst, 3}} {
		in := steadyInput()
		in.rules = fallRules()
		in.sig.Alloc.Cores = 5
		in.sig.CPU = busyFor(c.busy)
		in.sig.CPUPeak = 2.2
		d := Decide(in.sig, in.policy, in.rules, in.st, in.now)
		if len(d.Changes) != 1 || d.Changes[0].To != c.want {
			t.Errorf("%s: %+v; want cores 5 -> %d", c.name, d.Changes, c.want)
		}
	}
}

// The reason says the decrease was sized down a fall.
func TestFallingReason(t *testing.T) {
	in := steadyInput()
	in.rules = fallRules()
	in.sig.Alloc.Cores = 5
	in.sig.CPU = busyFor(func(age time.Duration) float64 {
		return 0.5 + 1.7*math.Exp(-float64(time.Hour-age)/float64(20*time.Minute))
	})
	in.sig.CPUPeak = 2.2
	d := Decide(in.sig, in.policy, in.rules, in.st, in.now)
	if len(d.Changes) != 1 {
		t.Fatalf("changes %+v", d.Changes)
	}
	if got, want := d.Changes[0].Reason(), "cpu 0.44 <= 0.45 for 1h0m0s (sized for cpu 0.80) (still falling: for the last 30m0s's peak)"; got != want {
		t.Errorf("reason %q, want %q", got, want)
	}
}
