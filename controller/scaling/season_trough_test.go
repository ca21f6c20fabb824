package scaling

import (
	"strings"
	"testing"
	"time"
)

// A floor from a workday peak says so.
func TestSeasonReasonNamesTheClass(t *testing.T) {
	rec := Recurring{Peak: 3, Class: ClassWorkday, At: 9 * time.Hour, Seen: 18, Days: 20}
	if got, want := seasonText(ResourceCores, 4, rec), "the workday 09:00 peak seen on 18 of 20 days (3.00 cores): 4 cores"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	rec.Class, rec.Seen, rec.Days = ClassWeekly+DayClass(time.Monday), 3, 4
	if got := seasonText(ResourceCores, 4, rec); !strings.Contains(got, "the Monday 09:00 peak seen on 3 of 4 weeks") {
		t.Errorf("%q, want the Monday peak in weeks", got)
	}
}

// A decrease after a busy stretch of the stabilisation period goes to the
// hour's floor (two cores for 1.1 busy); when the profile knows that the
// next hour peaked at most 0.2 cores on every day of the class and the
// last ten minutes were lower still, it goes in one step to what that
// needs, and says so. Without two days of the class (Most 0) it does not;
// nor below a recurring peak's floor.
func TestTroughSizesADecreaseInOneStep(t *testing.T) {
	in := steadyInput()
	in.sig.Alloc.Cores = 4
	in.sig.CPU = usage(decideNow, time.Hour, 1.1/4, 10*time.Minute, 0.1/4)
	in.sig.CPUPeak = 1.1
	in.rules.CPU.Target, in.rules.CPU.Max = 0.5, 8
	in.rules.StabilizationDown = 30 * time.Minute
	in.rules.Memory.Enabled, in.rules.Disk.Enabled = false, false

	run := func(rec Recurring) Decision {
		sig, h := lazy(in.sig, in.now)
		h.cpuSeason = rec
		return Decide(sig, in.policy, in.rules, in.st, in.now)
	}
	plain := run(Recurring{})
	if len(plain.Changes) != 1 || plain.Changes[0].To != 3 {
		t.Fatalf("without a profile: %+v; want cores 4 -> 3", plain.Changes)
	}
	d := run(Recurring{Most: 0.2})
	if len(d.Changes) != 1 || d.Changes[0].To != 1 {
		t.Fatalf("a quiet hour ahead on every day known: %+v; want cores 4 -> 1", d.Changes)
	}
	if r := d.Changes[0].Reason(); !strings.Contains(r, "the next hour peaked at most 0.20 cores on every") {
		t.Errorf("reason %q does not name the trough", r)
	}
	// 1.05 cores: 3 at the target (0.5), 2 below the up threshold (0.75).
	if d := run(Recurring{Most: 1.05}); len(d.Changes) != 1 || d.Changes[0].To != 2 {
		t.Errorf("an hour ahead that peaked at most 1.05 cores: %+v; want cores 4 -> 2", d.Changes)
	} else if r := d.Changes[0].Reason(); !strings.Contains(r, "sized for cpu 0.75") {
		t.Errorf("reason %q does not quote the up threshold it is sized for", r)
	}
	d = run(Recurring{Most: 0.2, Peak: 0.8, Seen: 2, Days: 2, Class: ClassWorkday})
	if len(d.Changes) != 1 || d.Changes[0].To != 2 {
		t.Errorf("with a recurring peak of 0.8 cores ahead: %+v; want cores 4 -> 2, its need at 0.5", d.Changes)
	}
}

// A decrease that the stabilisation period holds back (2 cores busy of 4
// until 20 minutes ago) goes once usage has been quiet for troughSettle
// when the profile knows that the next hour stayed below the down line on
// every day of the class, in one step to what the quiet needs; without
// that knowledge, after 10 quiet minutes only, or with a next hour that
// needed more, it waits for the whole period.
func TestTroughSettledShortensTheWait(t *testing.T) {
	in := steadyInput()
	in.sig.Alloc.Cores = 4
	in.sig.CPUPeak = 2
	in.rules.CPU.Target, in.rules.CPU.Max = 0.5, 8
	in.rules.StabilizationDown = time.Hour
	in.rules.Memory.Enabled, in.rules.Disk.Enabled = false, false
	run := func(quiet time.Duration, most float64) Decision {
		in.sig.CPU = usage(decideNow, 70*time.Minute, 2.0/4, quiet, 0.1/4)
		sig, h := lazy(in.sig, in.now)
		h.cpuSeason = Recurring{Most: most}
		return Decide(sig, in.policy, in.rules, in.st, in.now)
	}
	d := run(20*time.Minute, 0.2)
	if len(d.Changes) != 1 || d.Changes[0].To != 1 {
		t.Fatalf("20 quiet minutes before a quiet hour: %+v; want cores 4 -> 1", d.Changes)
	}
	if r := d.Changes[0].Reason(); !strings.Contains(r, "cpu 0.03 <= 0.30 for 15m0s") {
		t.Errorf("reason %q does not quote the quiet minutes", r)
	}
	for _, c := range []struct {
		name  string
		quiet time.Duration
		most  float64
	}{{"no profile", 20 * time.Minute, 0}, {"10 quiet minutes", 10 * time.Minute, 0.2}, {"a busy next hour", 20 * time.Minute, 1.6}} {
		if d := run(c.quiet, c.most); len(d.Changes) != 0 || len(d.Holds) != 1 || d.Holds[0].Reason != SkipStabilizing {
			t.Errorf("%s: %+v; want a stabilising hold", c.name, d)
		}
	}
}
