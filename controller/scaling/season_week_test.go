package scaling

import (
	"strings"
	"testing"
	"time"
)

// profile is a weekday x hour profile with peak (cores; memory 2 GiB per
// core) at hour on the days given, weeks weeks each, all seen, and 0.2
// cores elsewhere on every day.
type profile map[int]WeekHour

func newProfile(weeks int, hour int, peak float64, days ...time.Weekday) profile {
	p := profile{}
	for d := time.Sunday; d <= time.Saturday; d++ {
		for h := range 24 {
			p[int(d)*24+h] = WeekHour{CPU: 0.2, Memory: 0.4 * gib, Seen: weeks, Weeks: weeks}
		}
	}
	for _, d := range days {
		p[int(d)*24+hour] = WeekHour{CPU: peak, Memory: peak * 2 * gib, Seen: weeks, Weeks: weeks}
	}
	return p
}

func (p profile) slot(i int) WeekHour { return p[i] }

// noTiers is a history whose week and day tiers hold nothing: what the
// profile says stands, untimed.
func noTiers(bool, time.Time, time.Duration) (TierPeak, bool) { return TierPeak{}, false }

var workdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}

// A 09:00 peak on the five workdays of four weeks is a workday peak on a
// Monday, seen on 20 of 20 days, and none on a Saturday: the weekend's
// 09:00 never reached it. Every day's 01:00 is a daily peak; a Monday's
// alone over three weeks is a weekly one, and nothing on a Tuesday.
func TestProfilePeaksByDayClass(t *testing.T) {
	mon := time.Date(2026, 11, 30, 8, 55, 0, 0, time.UTC)
	p := newProfile(4, 9, 3, workdays...)
	cpu, mem := ProfilePeaks(p.slot, noTiers, mon, 10*time.Minute)
	want := Recurring{Peak: 3, Class: ClassWorkday, At: 9 * time.Hour, Seen: 20, Days: 20, Soon: 3, Most: 3}
	if cpu != want {
		t.Errorf("Monday 08:55: %+v, want %+v", cpu, want)
	}
	if mem.Peak != 6*gib || mem.Class != ClassWorkday {
		t.Errorf("Monday 08:55, memory: %+v, want 6 GiB on workdays", mem)
	}
	sat := mon.Add(5 * 24 * time.Hour)
	if cpu, _ := ProfilePeaks(p.slot, noTiers, sat, 10*time.Minute); cpu.Peak != 0.2 || cpu.Class != ClassDaily {
		t.Errorf("Saturday 08:55: %+v, want the daily 0.2 cores, not the workdays' 3", cpu)
	}

	daily := newProfile(2, 1, 3, time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday)
	if cpu, _ := ProfilePeaks(daily.slot, noTiers, sat.Add(-8*time.Hour), 10*time.Minute); cpu.Peak != 3 || cpu.Class != ClassDaily || cpu.Seen != 14 {
		t.Errorf("Saturday 00:55, a peak every night: %+v, want a daily peak of 3 cores on 14 days", cpu)
	}

	weekly := newProfile(3, 9, 3, time.Monday)
	cpu, _ = ProfilePeaks(weekly.slot, noTiers, mon, 10*time.Minute)
	want = Recurring{Peak: 3, Class: ClassWeekly + DayClass(time.Monday), At: 9 * time.Hour, Seen: 3, Days: 3, Soon: 3, Most: 3}
	if cpu != want {
		t.Errorf("a Monday job: %+v, want %+v", cpu, want)
	}
	if cpu, _ := ProfilePeaks(weekly.slot, noTiers, mon.Add(24*time.Hour), 10*time.Minute); cpu.Peak != 0.2 {
		t.Errorf("the Tuesday: %+v, want 0.2 cores", cpu)
	}
	one := newProfile(1, 9, 3, time.Monday)
	if cpu, _ := ProfilePeaks(one.slot, noTiers, mon, 10*time.Minute); cpu.Peak != 0.2 {
		t.Errorf("a Monday job seen once: %+v, want 0.2 cores", cpu)
	}
}

// The latest day of the class in the week tier must have seen the peak:
// a workday job that did not run on Friday is none on Monday.
func TestProfilePeakStoppedOnTheLatestDay(t *testing.T) {
	mon := time.Date(2026, 11, 30, 8, 55, 0, 0, time.UTC)
	p := newProfile(4, 9, 3, workdays...)
	friday := mon.Add(-3 * 24 * time.Hour).Truncate(time.Hour).Add(time.Hour)
	read := func(week bool, from time.Time, d time.Duration) (TierPeak, bool) {
		if week && !from.Before(friday) && from.Before(friday.Add(time.Hour)) {
			return TierPeak{CPU: 0.2, Memory: 0.4 * gib}, true
		}
		return TierPeak{}, false
	}
	if cpu, _ := ProfilePeaks(p.slot, read, mon, 10*time.Minute); cpu.Peak != 0.2 {
		t.Errorf("no job last Friday: %+v, want 0.2 cores", cpu)
	}
}

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
		return Decide(sig, in.policy, in.rules, in.st, in.now, in.rise)
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
	d = run(Recurring{Most: 0.2, Peak: 0.8, Seen: 2, Days: 2, Class: ClassWorkday})
	if len(d.Changes) != 1 || d.Changes[0].To != 2 {
		t.Errorf("with a recurring peak of 0.8 cores ahead: %+v; want cores 4 -> 2, its need at 0.5", d.Changes)
	}
}

// BenchmarkProfilePeaks is what every pass reads per container for a
// growth ahead: the profile's hours of the next ten minutes, and the
// week and day tiers for the latest day and yesterday's timing.
func BenchmarkProfilePeaks(b *testing.B) {
	p := newProfile(4, 9, 3, workdays...)
	read := func(week bool, from time.Time, d time.Duration) (TierPeak, bool) {
		return TierPeak{CPU: 3, Memory: 6 * gib}, true
	}
	mon := time.Date(2026, 11, 30, 8, 55, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		ProfilePeaks(p.slot, read, mon, 10*time.Minute)
	}
}
