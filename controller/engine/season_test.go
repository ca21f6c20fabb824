package engine

import (
	"math"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/dayclass"
)

// recurring is w's recurring peaks as Decide reads them.
func recurring(w *window, now time.Time, ahead time.Duration) (cpu, mem scaling.Recurring) {
	h := &windowHistory{w: w, now: now, seasons: &seasons{}}
	return h.Recurring(ahead)
}

// nights feeds w a sample a minute from t0 (Friday 12:00) to until: a
// 0.3-core, 512 MiB service, with a job from 01:00 to 02:00 on the nights
// given by date (cores busy, GiB).
func nights(w *window, until time.Time, jobs map[time.Time][2]float64) {
	nightsAt(w, until, time.Hour, jobs)
}

// nightsAt is nights with the job start after midnight.
func nightsAt(w *window, until time.Time, start time.Duration, jobs map[time.Time][2]float64) {
	for at := t0; at.Before(until); at = at.Add(time.Minute) {
		s := sampleAt(int(at.Sub(t0)/time.Second), 0.3)
		into := at.Sub(at.Truncate(24 * time.Hour))
		if job, ok := jobs[at.Truncate(24*time.Hour)]; ok && into >= start && into < start+time.Hour {
			s.CPU, s.Mem = job[0], uint64(job[1]*(1<<30))
		}
		w.Add(s)
	}
}

// on is the jobs of the given days of November and December 2026 (a day
// above 27 is November's).
func on(job [2]float64, days ...int) map[time.Time][2]float64 {
	m := make(map[time.Time][2]float64, len(days))
	for _, d := range days {
		month := time.December
		if d >= 27 {
			month = time.November
		}
		m[time.Date(2026, month, d, 0, 0, 0, 0, time.UTC)] = job
	}
	return m
}

// A job on Monday and Tuesday nights (Nov 30, Dec 1) is a workday peak on
// Wednesday at 01:00, seen on 2 of 2 days; one on the five workdays is
// none on Saturday, whose class (the weekend before) saw only the
// service: no Saturday floor from five weekdays.
func TestRecurringWorkdayPeak(t *testing.T) {
	w := newWindow(time.Hour, 360)
	now := time.Date(2026, 12, 2, 0, 55, 0, 0, time.UTC)
	jobs := on([2]float64{3, 4}, 30, 1)
	jobs[time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)] = [2]float64{3.5, 5}
	nights(w, now, jobs)
	cpu, mem := recurring(w, now, 10*time.Minute)
	want := scaling.Recurring{Peak: 3, Class: scaling.ClassWorkday, At: time.Hour, Seen: 2, Days: 2, Soon: 3, Most: 3.5}
	if cpu != want {
		t.Errorf("cores: %+v, want %+v", cpu, want)
	}
	if mem.Seen != 2 || mem.Days != 2 || mem.At != time.Hour || math.Abs(mem.Peak-4*(1<<30)) > 1<<20 {
		t.Errorf("memory: %+v, want 4 GiB at 01:00 on 2 of 2 days", mem)
	}

	sat := time.Date(2026, 12, 5, 0, 55, 0, 0, time.UTC)
	w = newWindow(time.Hour, 360)
	nights(w, sat, on([2]float64{3, 4}, 30, 1, 2, 3, 4))
	if cpu, _ := recurring(w, sat, 10*time.Minute); cpu.Peak > 0.31 {
		t.Errorf("Saturday after five workdays with the job: %+v, want at most the service's 0.3 cores", cpu)
	}
	if cpu, _ := recurring(w, sat.Add(-24*time.Hour), 10*time.Minute); cpu.Peak != 3 || cpu.Seen != 5 || cpu.Class != scaling.ClassWorkday {
		t.Errorf("Friday: %+v, want the workday peak of 3 cores on 5 days", cpu)
	}
}

// A job that ran on Monday and Tuesday but not on Wednesday night has
// stopped: on Thursday, the latest workday did not see it (the service
// before it, at 00:00, still recurs).
func TestRecurringPeakStopped(t *testing.T) {
	w := newWindow(time.Hour, 360)
	now := time.Date(2026, 12, 3, 0, 55, 0, 0, time.UTC)
	nights(w, now, on([2]float64{3, 4}, 30, 1))
	if cpu, _ := recurring(w, now, 10*time.Minute); cpu.Peak > 0.31 {
		t.Errorf("a job that did not run last night: %+v, want at most the service's 0.3 cores", cpu)
	}
}

// Every night, weekend included, is a daily peak; a Monday job over
// three weeks is a weekly one, known from the profile after the week
// tier has forgotten the first Mondays.
func TestRecurringDailyAndWeeklyPeaks(t *testing.T) {
	w := newWindow(time.Hour, 360)
	now := time.Date(2026, 12, 2, 0, 55, 0, 0, time.UTC)
	nights(w, now, on([2]float64{3, 4}, 28, 29, 30, 1))
	if cpu, _ := recurring(w, now, 10*time.Minute); cpu.Class != scaling.ClassDaily || cpu.Seen != 4 || cpu.Days != 4 {
		t.Errorf("every night: %+v, want a daily peak seen on 4 of 4 days", cpu)
	}

	w = newWindow(time.Hour, 360)
	now = time.Date(2026, 12, 21, 0, 55, 0, 0, time.UTC) // a Monday
	nights(w, now, on([2]float64{3, 4}, 30, 7, 14))
	cpu, _ := recurring(w, now, 10*time.Minute)
	want := scaling.Recurring{Peak: 3, Class: scaling.ClassWeekly + scaling.DayClass(time.Monday), At: time.Hour, Seen: 3, Days: 3, Soon: 3, Most: 3}
	if cpu != want {
		t.Errorf("three Mondays: %+v, want %+v", cpu, want)
	}
	if cpu, _ := recurring(w, now.Add(24*time.Hour), 10*time.Minute); cpu.Peak > 0.31 {
		t.Errorf("the Tuesday after: %+v, want at most the service", cpu)
	}
}

// What times a growth is yesterday's ten minutes when yesterday is of
// the same class: a job at 01:40 is in the 01:00 hour from 00:50 on, but
// in the ten minutes ahead only from 01:30 on.
func TestRecurringPeakTimedByTheLatestDay(t *testing.T) {
	jobs := on([2]float64{3, 4}, 30, 1, 2)
	now := time.Date(2026, 12, 3, 0, 55, 0, 0, time.UTC)
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

// What a backfill brings (MergeCoarse, the RRD's rows) fills the profile
// as the live hours do: a new window given another's hours has the same
// profile and sees the same recurring peak on its first pass; the live
// hours after it are not counted twice.
func TestRecurringPeakFromABackfill(t *testing.T) {
	live := newWindow(time.Hour, 360)
	now := time.Date(2026, 12, 2, 0, 55, 0, 0, time.UTC)
	nights(live, now, on([2]float64{3, 4}, 30, 1))
	fresh := newWindow(time.Hour, 360)
	fresh.MergeCoarse(live.Coarse(time.Hour))
	for i := range 7 * 24 {
		if got, want := fresh.tiers.profile.Slot(i), live.tiers.profile.Slot(i); got != want {
			t.Errorf("slot %d: backfilled %+v, live %+v", i, got, want)
		}
	}
	got, _ := recurring(fresh, now, 10*time.Minute)
	want, _ := recurring(live, now, 10*time.Minute)
	if got != want || got.Seen != 2 {
		t.Errorf("backfilled: %+v, want %+v as live", got, want)
	}
	later := now.Add(2 * time.Hour)
	for at := now; at.Before(later); at = at.Add(time.Minute) {
		fresh.Add(sampleAt(int(at.Sub(t0)/time.Second), 0.3))
	}
	if h := fresh.tiers.profile.Slot(3*24 + 0); h.Weeks != 1 {
		t.Errorf("Wednesday 00:00, half backfilled and half live: %+v, want one week", h)
	}
}

// A month of RRD half hours (PVE 9's month) fills the profile with four
// weeks of each hour: a Monday 09:00 job is a weekly peak on the fifth
// Monday from the first pass, though the week tier holds one Monday only.
func TestRecurringPeakFromAMonthOfBackfill(t *testing.T) {
	now := time.Date(2026, 12, 28, 8, 55, 0, 0, time.UTC) // a Monday
	var points []CoarsePoint
	for at := now.Add(-30 * 24 * time.Hour).Truncate(30 * time.Minute); at.Before(now.Truncate(30 * time.Minute)); at = at.Add(30 * time.Minute) {
		p := CoarsePoint{Time: at, Step: 30 * time.Minute, CPU: 0.3, CPUPeak: 0.4, Mem: 512 << 20, MemPeak: 600 << 20}
		if at.Weekday() == time.Monday && at.Hour() == 9 {
			p.CPU, p.CPUPeak, p.Mem, p.MemPeak = 2.5, 3, 3<<30, 4<<30
		}
		points = append(points, p)
	}
	w := newWindow(time.Hour, 360)
	w.MergeCoarse(points)
	cpu, _ := recurring(w, now, 10*time.Minute)
	if cpu.Peak != 3 || cpu.Seen != 4 || cpu.Days != 4 || cpu.Class != scaling.ClassWeekly+scaling.DayClass(time.Monday) {
		t.Errorf("a month backfilled: %+v, want the Monday 09:00 peak of 3 cores on 4 of 4 weeks", cpu)
	}
	if cpu, _ := recurring(w, now.Add(24*time.Hour), 10*time.Minute); cpu.Peak > 0.41 {
		t.Errorf("the Tuesday: %+v, want at most the service's 0.4 cores", cpu)
	}
}

// The seasons a container keeps from pass to pass answer as its profile
// and tiers read afresh, at every tick: asked before a tick's sample
// completes a bucket and after, an hour and ten minutes ahead, and right
// after a backfill fills a hole in the tiers (the job did not run the
// night the container was not listed: the peak stopped).
func TestSeasonsKeptAnswerAsRead(t *testing.T) {
	w := newWindow(time.Hour, 360)
	at := func(tm time.Time) Sample {
		s := sampleAt(int(tm.Sub(t0)/time.Second), 0.3)
		if tm.Hour() == 1 && dayclass.IsWorkday(tm.Weekday()) {
			s.CPU, s.Mem = 3, 4<<30
		}
		return s
	}
	feed := func(from, until time.Time) {
		for tm := from; tm.Before(until); tm = tm.Add(time.Minute) {
			w.Add(at(tm))
		}
	}
	hole := time.Date(2026, 12, 3, 0, 30, 0, 0, time.UTC) // a Thursday
	feed(t0, hole)
	feed(hole.Add(2*time.Hour), time.Date(2026, 12, 4, 0, 20, 0, 0, time.UTC))
	kept := &seasons{}
	ask := func(now time.Time) (answers [2][2]scaling.Recurring) {
		for i, ahead := range []time.Duration{time.Hour, 10 * time.Minute} {
			h := &windowHistory{w: w, now: now, seasons: kept}
			cpu, mem := h.Recurring(ahead)
			wantCPU, wantMem := w.tiers.profile.Peaks(w.tierPeaks, now, ahead)
			if cpu != wantCPU || mem != wantMem {
				t.Fatalf("%s, %s ahead: kept %+v / %+v, read %+v / %+v", now.Format(time.RFC3339Nano), ahead, cpu, mem, wantCPU, wantMem)
			}
			answers[i] = [2]scaling.Recurring{cpu, mem}
		}
		return answers
	}
	merged := false
	for now := time.Date(2026, 12, 4, 0, 20, 0, 0, time.UTC); now.Hour() < 3; now = now.Add(10*time.Second + 250*time.Millisecond) {
		ask(now)
		w.Add(at(now))
		before := ask(now)
		if !merged && now.Minute() >= 35 {
			var points []CoarsePoint
			for p := hole; p.Before(hole.Add(2 * time.Hour)); p = p.Add(10 * time.Minute) {
				points = append(points, CoarsePoint{Time: p, Step: 10 * time.Minute, CPU: 0.3, CPUPeak: 0.3, Mem: 512 << 20, MemPeak: 512 << 20})
			}
			w.MergeCoarse(points)
			merged = true
			if after := ask(now); after == before || after[0][0].Peak > 0.31 {
				t.Errorf("the night filled in without the job: %+v, want the peak stopped (was %+v)", after[0][0], before[0][0])
			}
		}
	}
}
