package weekly

import (
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// profile is a weekday x hour profile with peak (cores; memory 2 GiB per
// core) at hour on the days given, weeks weeks each, all seen, and 0.2
// cores elsewhere on every day.
type profile map[int]Hour

func newProfile(weeks int, hour int, peak float64, days ...time.Weekday) profile {
	p := profile{}
	for d := time.Sunday; d <= time.Saturday; d++ {
		for h := range 24 {
			p[int(d)*24+h] = Hour{CPU: 0.2, Memory: 0.4 * gib, Seen: weeks, Weeks: weeks}
		}
	}
	for _, d := range days {
		p[int(d)*24+hour] = Hour{CPU: peak, Memory: peak * 2 * gib, Seen: weeks, Weeks: weeks}
	}
	return p
}

func (p profile) slot(i int) Hour { return p[i] }

// noTiers is a history whose week and day tiers hold nothing: what the
// profile says stands, untimed.
func noTiers(bool, time.Time, time.Duration) (TierPeak, bool) { return TierPeak{}, false }

var workdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}

// A 09:00 peak on the five workdays of four weeks is a workday peak on a
// Monday, seen on 20 of 20 days, and none on a Saturday: the weekend's
// 09:00 never reached it. Every day's 01:00 is a daily peak; a Monday's
// alone over three weeks is a weekly one, and nothing on a Tuesday.
func TestPeaksByDayClass(t *testing.T) {
	mon := time.Date(2026, 11, 30, 8, 55, 0, 0, time.UTC)
	p := newProfile(4, 9, 3, workdays...)
	cpu, mem := peaks(p.slot, noTiers, mon, 10*time.Minute)
	want := scaling.Recurring{Peak: 3, Class: scaling.ClassWorkday, At: 9 * time.Hour, Seen: 20, Days: 20, Soon: 3, Most: 3}
	if cpu != want {
		t.Errorf("Monday 08:55: %+v, want %+v", cpu, want)
	}
	if mem.Peak != 6*gib || mem.Class != scaling.ClassWorkday {
		t.Errorf("Monday 08:55, memory: %+v, want 6 GiB on workdays", mem)
	}
	sat := mon.Add(5 * 24 * time.Hour)
	if cpu, _ := peaks(p.slot, noTiers, sat, 10*time.Minute); cpu.Peak != 0.2 || cpu.Class != scaling.ClassDaily {
		t.Errorf("Saturday 08:55: %+v, want the daily 0.2 cores, not the workdays' 3", cpu)
	}

	daily := newProfile(2, 1, 3, time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday)
	if cpu, _ := peaks(daily.slot, noTiers, sat.Add(-8*time.Hour), 10*time.Minute); cpu.Peak != 3 || cpu.Class != scaling.ClassDaily || cpu.Seen != 14 {
		t.Errorf("Saturday 00:55, a peak every night: %+v, want a daily peak of 3 cores on 14 days", cpu)
	}

	weekly := newProfile(3, 9, 3, time.Monday)
	cpu, _ = peaks(weekly.slot, noTiers, mon, 10*time.Minute)
	want = scaling.Recurring{Peak: 3, Class: scaling.ClassWeekly + scaling.DayClass(time.Monday), At: 9 * time.Hour, Seen: 3, Days: 3, Soon: 3, Most: 3}
	if cpu != want {
		t.Errorf("a Monday job: %+v, want %+v", cpu, want)
	}
	if cpu, _ := peaks(weekly.slot, noTiers, mon.Add(24*time.Hour), 10*time.Minute); cpu.Peak != 0.2 {
		t.Errorf("the Tuesday: %+v, want 0.2 cores", cpu)
	}
	one := newProfile(1, 9, 3, time.Monday)
	if cpu, _ := peaks(one.slot, noTiers, mon, 10*time.Minute); cpu.Peak != 0.2 {
		t.Errorf("a Monday job seen once: %+v, want 0.2 cores", cpu)
	}
}

// The latest day of the class in the week tier must have seen the peak:
// a workday job that did not run on Friday is none on Monday.
func TestPeakStoppedOnTheLatestDay(t *testing.T) {
	mon := time.Date(2026, 11, 30, 8, 55, 0, 0, time.UTC)
	p := newProfile(4, 9, 3, workdays...)
	friday := mon.Add(-3 * 24 * time.Hour).Truncate(time.Hour).Add(time.Hour)
	read := func(week bool, from time.Time, d time.Duration) (TierPeak, bool) {
		if week && !from.Before(friday) && from.Before(friday.Add(time.Hour)) {
			return TierPeak{CPU: 0.2, Memory: 0.4 * gib}, true
		}
		return TierPeak{}, false
	}
	if cpu, _ := peaks(p.slot, read, mon, 10*time.Minute); cpu.Peak != 0.2 {
		t.Errorf("no job last Friday: %+v, want 0.2 cores", cpu)
	}
}

// BenchmarkPeaks is what every pass reads per container for a
// growth ahead: the profile's hours of the next ten minutes, and the
// week and day tiers for the latest day and yesterday's timing.
func BenchmarkPeaks(b *testing.B) {
	p := newProfile(4, 9, 3, workdays...)
	read := func(week bool, from time.Time, d time.Duration) (TierPeak, bool) {
		return TierPeak{CPU: 3, Memory: 6 * gib}, true
	}
	mon := time.Date(2026, 11, 30, 8, 55, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		peaks(p.slot, read, mon, 10*time.Minute)
	}
}

// A first weekend's Sunday knows one day of its class: a 01:00 peak that
// the five workdays and that Saturday reached is daily, seen on 6 of 6
// days; one that Saturday did not reach (an office's morning) is none.
func TestPeakOnAFirstSunday(t *testing.T) {
	sun := time.Date(2026, 12, 6, 0, 55, 0, 0, time.UTC)
	p := newProfile(1, 1, 3, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday)
	for h := range 24 {
		delete(p, int(time.Sunday)*24+h) // not yet observed
	}
	cpu, _ := peaks(p.slot, noTiers, sun, 10*time.Minute)
	if cpu.Peak != 3 || cpu.Class != scaling.ClassDaily || cpu.Seen != 6 || cpu.Days != 6 {
		t.Errorf("Sunday 00:55: %+v, want the daily 01:00 peak of 3 cores on 6 of 6 days", cpu)
	}
	office := newProfile(1, 9, 3, workdays...)
	for h := range 24 {
		delete(office, int(time.Sunday)*24+h)
	}
	if cpu, _ := peaks(office.slot, noTiers, sun.Add(8*time.Hour), 10*time.Minute); cpu.Peak > 0.2 {
		t.Errorf("Sunday 08:55 after an idle Saturday: %+v, want at most 0.2 cores", cpu)
	}
}

// One Monday known, Tuesday 00:55: a nightly job whose memory stepped up
// from 0.4 to 6 GiB at 01:00 is a memory peak seen on 1 of 1 days, so the
// second night's job does not start short and get killed, and so are its
// cores, which stepped up with it (0.2 to 4). Memory that reached 6 GiB by
// growing (5 GiB the hour before: a leak) is no peak, and cores without
// it none either (a spinning loop takes no memory), nor is a step the
// tiers cannot show.
func TestStepSeenOnOneDay(t *testing.T) {
	tue := time.Date(2026, 12, 1, 0, 55, 0, 0, time.UTC)
	mon1 := time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC)
	p := profile{}
	for h := range 24 {
		p[int(time.Monday)*24+h] = Hour{CPU: 0.2, Memory: 0.4 * gib, Seen: 1, Weeks: 1}
	}
	p[int(time.Monday)*24+1] = Hour{CPU: 4, Memory: 6 * gib, Seen: 1, Weeks: 1}
	tiers := func(cpuBefore, memBefore float64) TierPeaks {
		return func(week bool, from time.Time, d time.Duration) (TierPeak, bool) {
			switch {
			case !from.Before(mon1) && from.Before(mon1.Add(time.Hour)):
				return TierPeak{CPU: 4, Memory: 6 * gib}, true
			case !from.Before(mon1.Add(-time.Hour)) && from.Before(mon1):
				return TierPeak{CPU: cpuBefore, Memory: memBefore}, true
			}
			return TierPeak{}, false
		}
	}
	cpu, mem := peaks(p.slot, tiers(0.2, 0.4*gib), tue, 10*time.Minute)
	if mem.Peak != 6*gib || mem.Seen != 1 || mem.Days != 1 || mem.Class != scaling.ClassWorkday || mem.At != time.Hour {
		t.Errorf("memory after a step on the one Monday: %+v, want 6 GiB at 01:00 seen on 1 of 1 workdays", mem)
	}
	if cpu.Peak != 4 || cpu.Seen != 1 || cpu.Days != 1 || cpu.Class != scaling.ClassWorkday || cpu.At != time.Hour {
		t.Errorf("cores after a step with memory on the one Monday: %+v, want 4 at 01:00 seen on 1 of 1 workdays", cpu)
	}
	if cpu, mem := peaks(p.slot, tiers(0.2, 5*gib), tue, 10*time.Minute); mem.Seen != 0 || cpu.Seen != 0 {
		t.Errorf("memory grown to 6 GiB from 5 GiB the hour before: cores %+v, memory %+v, want none recurring", cpu, mem)
	}
	if cpu, mem := peaks(p.slot, tiers(3.5, 0.4*gib), tue, 10*time.Minute); cpu.Seen != 0 || mem.Seen != 1 {
		t.Errorf("cores at 4 from 3.5 the hour before: cores %+v, memory %+v, want memory's step alone", cpu, mem)
	}
	if cpu, mem := peaks(p.slot, noTiers, tue, 10*time.Minute); mem.Seen != 0 || cpu.Seen != 0 {
		t.Errorf("no tiers: cores %+v, memory %+v, want none recurring", cpu, mem)
	}
}

// One Monday known, Tuesday 01:55: cores that stepped up into 02:00 (0.2
// to 4 cores, a runaway loop) with memory flat are no peak on 1 of 1 days:
// they wait for a second day.
func TestCoresStepAloneWaits(t *testing.T) {
	tue := time.Date(2026, 12, 1, 1, 55, 0, 0, time.UTC)
	mon2 := time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC)
	p := profile{}
	for h := range 24 {
		p[int(time.Monday)*24+h] = Hour{CPU: 0.2, Memory: 0.4 * gib, Seen: 1, Weeks: 1}
	}
	p[int(time.Monday)*24+2] = Hour{CPU: 4, Memory: 0.4 * gib, Seen: 1, Weeks: 1}
	tiers := func(week bool, from time.Time, d time.Duration) (TierPeak, bool) {
		switch {
		case !from.Before(mon2) && from.Before(mon2.Add(time.Hour)):
			return TierPeak{CPU: 4, Memory: 0.4 * gib}, true
		case !from.Before(mon2.Add(-time.Hour)) && from.Before(mon2):
			return TierPeak{CPU: 0.2, Memory: 0.4 * gib}, true
		}
		return TierPeak{}, false
	}
	if cpu, mem := peaks(p.slot, tiers, tue, 10*time.Minute); cpu.Seen != 0 || mem.Seen != 0 {
		t.Errorf("cores stepped alone on the one Monday: cores %+v, memory %+v, want none recurring", cpu, mem)
	}
}

// A first weekend's Saturday knows no day of its class. At 21:55, a
// nightly job whose memory stepped up from 0.4 to 6 GiB at 22:00 on each
// of the five workdays known is a daily memory peak seen on 5 of 5 days:
// its first Saturday night does not start short and get killed. Its cores
// wait for relief (a job's cores pinned cost minutes, not a kill); memory
// that reached 6 GiB by growing (5 GiB the hour before on Friday) is no
// peak, nor is a step the tiers cannot show, nor an office's morning once
// a Saturday is known (TestPeaksByDayClass).
func TestNightlyMemoryOnAFirstSaturday(t *testing.T) {
	sat := time.Date(2026, 12, 5, 21, 55, 0, 0, time.UTC)
	fri := time.Date(2026, 12, 4, 22, 0, 0, 0, time.UTC)
	p := newProfile(1, 22, 3, workdays...)
	for _, d := range []time.Weekday{time.Saturday, time.Sunday} {
		for h := range 24 {
			delete(p, int(d)*24+h) // not yet observed
		}
	}
	tiers := func(memBefore float64) TierPeaks {
		return func(week bool, from time.Time, d time.Duration) (TierPeak, bool) {
			switch {
			case !from.Before(fri) && from.Before(fri.Add(time.Hour)):
				return TierPeak{CPU: 3, Memory: 6 * gib}, true
			case !from.Before(fri.Add(-time.Hour)) && from.Before(fri):
				return TierPeak{CPU: 0.2, Memory: memBefore}, true
			}
			return TierPeak{}, false
		}
	}
	cpu, mem := peaks(p.slot, tiers(0.4*gib), sat, 10*time.Minute)
	if mem.Peak != 6*gib || mem.Class != scaling.ClassDaily || mem.Seen != 5 || mem.Days != 5 || mem.At != 22*time.Hour {
		t.Errorf("memory on a first Saturday after five nights' steps: %+v, want the daily 6 GiB at 22:00 on 5 of 5 days", mem)
	}
	if cpu.Seen != 0 {
		t.Errorf("cores on a first Saturday: %+v, want none recurring", cpu)
	}
	if _, mem := peaks(p.slot, tiers(5*gib), sat, 10*time.Minute); mem.Seen != 0 {
		t.Errorf("memory grown to 6 GiB from 5 GiB the hour before: %+v, want none recurring", mem)
	}
	if _, mem := peaks(p.slot, noTiers, sat, 10*time.Minute); mem.Seen != 0 {
		t.Errorf("no tiers: %+v, want none recurring", mem)
	}
	p[int(time.Wednesday)*24+22] = Hour{CPU: 0.2, Memory: 0.4 * gib, Seen: 1, Weeks: 1}
	if _, mem := peaks(p.slot, tiers(0.4*gib), sat, 10*time.Minute); mem.Seen != 0 {
		t.Errorf("a job that skipped Wednesday night: %+v, want none recurring", mem)
	}
}

// TestLatestDay: the latest day of the class asked for that the week tier
// holds at that hour, past days of the other class and a day it does not
// hold (a controller down on Friday night): Thursday's for a Saturday's
// workdays, Sunday's for a Monday's weekend, none when the tier holds none.
func TestLatestDay(t *testing.T) {
	sat := time.Date(2026, 12, 5, 22, 0, 0, 0, time.UTC)
	thu := time.Date(2026, 12, 3, 22, 0, 0, 0, time.UTC)
	held := func(week bool, from time.Time, d time.Duration) (TierPeak, bool) {
		if !week || from.Weekday() == time.Friday {
			return TierPeak{}, false
		}
		return TierPeak{CPU: float64(from.Weekday()), Memory: 1}, true
	}
	if p, at, ok := latestDay(held, sat, true); !ok || !at.Equal(thu) || p.CPU != float64(time.Thursday) {
		t.Errorf("workdays before Saturday 22:00 with Friday not held: %+v at %v (%v), want Thursday's at %v", p, at, ok, thu)
	}
	mon := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	if p, at, ok := latestDay(held, mon, false); !ok || at.Weekday() != time.Sunday || p.CPU != float64(time.Sunday) {
		t.Errorf("weekend before Monday 09:00: %+v at %v (%v), want Sunday's", p, at, ok)
	}
	if _, _, ok := latestDay(noTiers, sat, true); ok {
		t.Error("no tiers: a day found, want none")
	}
}
