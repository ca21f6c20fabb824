package engine

import (
	"math"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// recurring is w's recurring peaks as Decide reads them.
func recurring(w *window, now time.Time, ahead time.Duration) (cpu, mem scaling.Recurring) {
	return scaling.RecurringPeaks(w.tierPeaks, now, ahead)
}

// nights feeds w a sample a minute from t0 (12:00) to until: a 0.3-core,
// 512 MiB service, with a job from 01:00 to 02:00 on the nights given
// (cores busy, GiB).
func nights(w *window, until time.Time, jobs map[int][2]float64) {
	nightsAt(w, until, time.Hour, jobs)
}

// nightsAt is nights with the job an hour from start.
func nightsAt(w *window, until time.Time, start time.Duration, jobs map[int][2]float64) {
	for at := t0; at.Before(until); at = at.Add(time.Minute) {
		s := sampleAt(int(at.Sub(t0)/time.Second), 0.3)
		into := at.Sub(at.Truncate(24 * time.Hour))
		if job, ok := jobs[at.Day()]; ok && into >= start && into < start+time.Hour {
			s.CPU, s.Mem = job[0], uint64(job[1]*(1<<30))
		}
		w.Add(s)
	}
}

// The recurring peak ahead of now is the one a strict majority of the
// days the week tier holds reached at that time of day: two of three
// nights here (the third had no job), the smaller of the two, seen at
// 01:00, as long as the latest day or the same weekday a week back saw
// it; with one night of history there is none yet.
func TestRecurringPeakOfMostDays(t *testing.T) {
	w := newWindow(time.Hour, 360)
	now := time.Date(2026, 12, 1, 0, 55, 0, 0, time.UTC)
	nights(w, now, map[int][2]float64{28: {3, 4}, 30: {3.5, 5}})
	cpu, mem := recurring(w, now, 10*time.Minute)
	want := scaling.Recurring{Peak: 3, At: time.Hour, Seen: 2, Days: 3, Soon: 3.5}
	if cpu != want {
		t.Errorf("cores: %+v, want %+v", cpu, want)
	}
	if mem.Seen != 2 || mem.Days != 3 || mem.At != time.Hour || math.Abs(mem.Peak-4*(1<<30)) > 1<<20 {
		t.Errorf("memory: %+v, want 4 GiB at 01:00 on 2 of 3 days", mem)
	}

	// An hour later than the job on every day: nothing recurs but the service.
	if cpu, _ := recurring(w, now.Add(-22*time.Hour), time.Hour); cpu.Seen == 0 || cpu.Peak > 0.31 {
		t.Errorf("at 03:00: %+v, want the service's 0.3 cores", cpu)
	}

	// The job ran on two nights of three, but not last night: it stopped.
	stopped := newWindow(time.Hour, 360)
	nights(stopped, now, map[int][2]float64{28: {3, 4}, 29: {3.5, 5}})
	if cpu, _ := recurring(stopped, now, 10*time.Minute); cpu.Seen != 0 || cpu.Days != 3 {
		t.Errorf("a job that did not run last night: %+v, want no recurring peak of 3 days", cpu)
	}
	// Seven days back, the same weekday confirms what last night did not:
	// a weekly load.
	weekly := newWindow(time.Hour, 360)
	later := now.Add(4 * 24 * time.Hour) // Dec 5, 00:55: Nov 28 is 7 days back
	nights(weekly, later, map[int][2]float64{28: {3, 4}, 29: {3, 4}, 30: {3, 4}, 1: {3, 4}})
	if cpu, _ := recurring(weekly, later, 10*time.Minute); cpu.Seen != 4 || cpu.Days != 7 || cpu.Peak != 3 {
		t.Errorf("a load on 4 of 7 days, 7 days back among them: %+v, want 3 cores on 4 of 7 days", cpu)
	}

	one := newWindow(time.Hour, 360)
	nights(one, time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC), map[int][2]float64{28: {3, 4}})
	if cpu, _ := recurring(one, time.Date(2026, 11, 29, 0, 55, 0, 0, time.UTC), 10*time.Minute); cpu.Seen != 0 || cpu.Days != 1 {
		t.Errorf("one night of history: %+v, want no recurring peak of 1 day", cpu)
	}
}

// What times a growth is the latest day's ten minutes: a job at 01:40 is
// in the 01:00 hour from 00:50 on, but in the ten minutes ahead only from
// 01:30 on; a day that did not see the peak does not time it.
func TestRecurringPeakTimedByTheLatestDay(t *testing.T) {
	jobs := map[int][2]float64{28: {3, 4}, 29: {3, 4}, 30: {3, 4}}
	now := time.Date(2026, 12, 1, 0, 55, 0, 0, time.UTC)
	w := newWindow(time.Hour, 360)
	nightsAt(w, now, 100*time.Minute, jobs)
	if cpu, _ := recurring(w, now, 10*time.Minute); cpu.Peak != 3 || cpu.Seen != 3 || math.Abs(cpu.Soon-0.3) > 0.001 {
		t.Errorf("at 00:55: %+v, want the 01:00 hour's 3 cores, soon the service's 0.3", cpu)
	}
	now = now.Add(40 * time.Minute)
	w = newWindow(time.Hour, 360)
	nightsAt(w, now, 100*time.Minute, jobs)
	if cpu, _ := recurring(w, now, 10*time.Minute); cpu.Peak != 3 || cpu.Soon != 3 {
		t.Errorf("at 01:35: %+v, want 3 cores, soon too", cpu)
	}
}

// The tiers a backfill fills from RRD (MergeCoarse) count as the live
// ones do: a new window given the hours of three nights sees the same
// recurring peak on its first pass.
func TestRecurringPeakFromABackfill(t *testing.T) {
	live := newWindow(time.Hour, 360)
	now := time.Date(2026, 12, 1, 0, 55, 0, 0, time.UTC)
	nights(live, now, map[int][2]float64{28: {3, 4}, 30: {3.5, 5}})
	fresh := newWindow(time.Hour, 360)
	fresh.MergeCoarse(live.Coarse(time.Hour))
	got, _ := recurring(fresh, now, 10*time.Minute)
	want, _ := recurring(live, now, 10*time.Minute)
	if got != want || got.Seen != 2 {
		t.Errorf("backfilled: %+v, want %+v as live", got, want)
	}
}
