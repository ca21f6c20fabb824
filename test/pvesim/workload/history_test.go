package workload

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	runningKeys = []string{
		"cpu", "disk", "diskread", "diskwrite", "maxcpu", "maxdisk", "maxmem", "mem", "netin", "netout",
		"pressurecpufull", "pressurecpusome", "pressureiofull", "pressureiosome",
		"pressurememoryfull", "pressurememorysome",
	}
	stoppedKeys = []string{"disk", "maxcpu", "maxdisk", "maxmem"}
)

// historyNow is deliberately off every step boundary.
var historyNow = time.Date(2026, 11, 26, 13, 47, 23, 500, time.UTC)

var testAlloc = Allocation{CPUs: 2, MemoryBytes: 2 * gib, SwapBytes: 512 * mib, DiskBytes: 8 * gib}

func alwaysRunning(time.Time) (Allocation, bool) { return testAlloc, true }
func alwaysStopped(time.Time) (Allocation, bool) { return testAlloc, false }

func keys(r Row) []string {
	out := make([]string, 0, len(r.Values))
	for k := range r.Values {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestResolution(t *testing.T) {
	t.Parallel()
	tests := []struct {
		timeframe string
		step      time.Duration
		count     int
		ok        bool
	}{
		{"hour", time.Minute, 60, true},
		{"day", time.Minute, 1440, true},
		{"week", 30 * time.Minute, 336, true},
		{"month", 30 * time.Minute, 1440, true},
		{"year", 6 * time.Hour, 1440, true},
		{"decade", 0, 0, false},
		{"Hour", 0, 0, false},
		{"", 0, 0, false},
	}
	for _, tt := range tests {
		step, count, ok := Resolution(tt.timeframe)
		if step != tt.step || count != tt.count || ok != tt.ok {
			t.Errorf("Resolution(%q) = %v, %d, %v, want %v, %d, %v", tt.timeframe, step, count, ok, tt.step, tt.count, tt.ok)
		}
	}
}

func TestHistoryRows(t *testing.T) {
	t.Parallel()
	m := New(Diurnal, 8)
	for _, timeframe := range []string{"hour", "day", "week", "month", "year"} {
		for _, cf := range []string{"", "AVERAGE", "MAX"} {
			for _, running := range []bool{true, false} {
				name := timeframe + "/" + cf + "/running"
				at, want := alwaysRunning, runningKeys
				if !running {
					name = timeframe + "/" + cf + "/stopped"
					at, want = alwaysStopped, stoppedKeys
				}
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					step, count, _ := Resolution(timeframe)
					rows, err := History(m, at, historyNow, timeframe, cf)
					if err != nil {
						t.Fatalf("History: %v", err)
					}
					if len(rows) != count {
						t.Fatalf("%d rows, want %d", len(rows), count)
					}
					stepSec := int64(step / time.Second)
					boundary := historyNow.Unix() / stepSec * stepSec
					if first := rows[0].Time; first != boundary-stepSec*int64(count) {
						t.Errorf("first row at %d, want %d", first, boundary-stepSec*int64(count))
					}
					if last := rows[len(rows)-1].Time; last+stepSec != boundary || last+stepSec > historyNow.Unix() {
						t.Errorf("last row at %d, want the step ending at %d, no later than now %d", last, boundary, historyNow.Unix())
					}
					for i, r := range rows {
						if i > 0 && r.Time-rows[i-1].Time != stepSec {
							t.Fatalf("row %d at %d follows %d, want %d s apart", i, r.Time, rows[i-1].Time, stepSec)
						}
						if got := keys(r); !slices.Equal(got, want) {
							t.Fatalf("row %d keys %v, want %v", i, got, want)
						}
						if r.Values["maxcpu"] != testAlloc.CPUs || r.Values["maxmem"] != float64(testAlloc.MemoryBytes) {
							t.Fatalf("row %d maxcpu %v maxmem %v, want the allocation %v", i, r.Values["maxcpu"], r.Values["maxmem"], testAlloc)
						}
						if !running && r.Values["disk"] != 0 {
							t.Fatalf("row %d disk %v while stopped, want 0 as pvestatd sends", i, r.Values["disk"])
						}
					}
				})
			}
		}
	}
}

// TestHistoryAgreesWithAt recomputes hour rows (six 10 s samples per 60 s
// step) from At directly.
func TestHistoryAgreesWithAt(t *testing.T) {
	t.Parallel()
	for _, k := range Kinds() {
		t.Run(string(k), func(t *testing.T) {
			t.Parallel()
			m := New(k, 21)
			avg, err := History(m, alwaysRunning, historyNow, "hour", "AVERAGE")
			if err != nil {
				t.Fatal(err)
			}
			mx, err := History(m, alwaysRunning, historyNow, "hour", "MAX")
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range avg {
				var sumCPU, sumMem, sumNetIn, sumPSI, maxCPU, maxWrite float64
				for j := range 6 {
					s := m.At(time.Unix(r.Time+int64(10*j), 0), testAlloc)
					sumCPU += s.CPU
					sumMem += float64(s.Mem)
					sumNetIn += s.NetInRate
					sumPSI += s.PressureCPUSome
					maxCPU = max(maxCPU, s.CPU)
					maxWrite = max(maxWrite, s.DiskWriteRate)
				}
				checks := []struct {
					key       string
					got, want float64
				}{
					{"cpu", r.Values["cpu"], sumCPU / 6},
					{"mem", r.Values["mem"], sumMem / 6},
					{"netin", r.Values["netin"], sumNetIn / 6},
					{"pressurecpusome", r.Values["pressurecpusome"], sumPSI / 6},
					{"cpu MAX", mx[i].Values["cpu"], maxCPU},
					{"diskwrite MAX", mx[i].Values["diskwrite"], maxWrite},
				}
				for _, c := range checks {
					if math.Abs(c.got-c.want) > 1e-9*max(1, math.Abs(c.want)) {
						t.Fatalf("row %d (%d) %s = %v, want %v from At", i, r.Time, c.key, c.got, c.want)
					}
				}
			}
		})
	}
}

// TestHistoryLongStepsWithinAt checks coarse rows against every 10 s sample
// of their step: a consolidated value must lie within what At reported.
func TestHistoryLongStepsWithinAt(t *testing.T) {
	t.Parallel()
	m := New(Spike, 2)
	for _, cf := range []string{"AVERAGE", "MAX"} {
		rows, err := History(m, alwaysRunning, historyNow, "week", cf)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows[len(rows)-4:] {
			lo, hi := math.Inf(1), math.Inf(-1)
			for ts := r.Time; ts < r.Time+1800; ts += 10 {
				c := m.At(time.Unix(ts, 0), testAlloc).CPU
				lo, hi = min(lo, c), max(hi, c)
			}
			if got := r.Values["cpu"]; got < lo || got > hi {
				t.Errorf("%s row %d cpu %v outside the step's samples [%v, %v]", cf, r.Time, got, lo, hi)
			}
		}
	}
}

func TestHistoryMaxAtLeastAverage(t *testing.T) {
	t.Parallel()
	for _, k := range Kinds() {
		t.Run(string(k), func(t *testing.T) {
			t.Parallel()
			m := New(k, 13)
			for _, timeframe := range []string{"hour", "week"} {
				avg, err := History(m, alwaysRunning, historyNow, timeframe, "AVERAGE")
				if err != nil {
					t.Fatal(err)
				}
				mx, err := History(m, alwaysRunning, historyNow, timeframe, "MAX")
				if err != nil {
					t.Fatal(err)
				}
				var strictly int
				for i := range avg {
					for key, a := range avg[i].Values {
						x := mx[i].Values[key]
						if x < a-1e-9*max(1, math.Abs(a)) {
							t.Fatalf("%s row %d %s MAX %v below AVERAGE %v", timeframe, i, key, x, a)
						}
						if x > a {
							strictly++
						}
					}
				}
				if strictly == 0 {
					t.Errorf("%s: MAX never above AVERAGE, want noise to show", timeframe)
				}
			}
		})
	}
}

// TestHistoryFollowsAllocation starts the container halfway through the
// hour and doubles its cores later, as a resize would.
func TestHistoryFollowsAllocation(t *testing.T) {
	t.Parallel()
	m := New(Steady, 6)
	rowsEnd := historyNow.Unix() / 60 * 60
	startAt := time.Unix(rowsEnd-30*60+25, 0) // 25 s into a step: 3 of 6 samples running
	resizeAt := time.Unix(rowsEnd-10*60, 0)
	at := func(t time.Time) (Allocation, bool) {
		a := testAlloc
		if !t.Before(resizeAt) {
			a.CPUs = 4
		}
		return a, !t.Before(startAt)
	}
	rows, err := History(m, at, historyNow, "hour", "AVERAGE")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		step := time.Unix(r.Time, 0)
		switch {
		case step.Add(time.Minute).Before(startAt):
			if got := keys(r); !slices.Equal(got, stoppedKeys) {
				t.Fatalf("row %d before start has keys %v, want %v", r.Time, got, stoppedKeys)
			}
		case step.Before(startAt):
			// Half the samples are running: rrdtool's xff 0.5 still counts them.
			if _, ok := r.Values["cpu"]; !ok {
				t.Fatalf("row %d half running has no cpu", r.Time)
			}
		case step.Before(resizeAt):
			if r.Values["maxcpu"] != 2 {
				t.Fatalf("row %d maxcpu %v before the resize, want 2", r.Time, r.Values["maxcpu"])
			}
		default:
			resized := testAlloc
			resized.CPUs = 4
			lo, hi := math.Inf(1), math.Inf(-1)
			for ts := r.Time; ts < r.Time+60; ts += 10 {
				c := m.At(time.Unix(ts, 0), resized).CPU
				lo, hi = min(lo, c), max(hi, c)
			}
			if got := r.Values["cpu"]; r.Values["maxcpu"] != 4 || got < lo || got > hi {
				t.Fatalf("row %d maxcpu %v cpu %v after the resize, want 4 and cpu in [%v, %v]", r.Time, r.Values["maxcpu"], got, lo, hi)
			}
		}
	}
}

func TestHistoryRejectsBadParameters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		timeframe, cf string
		param         string
		allowed       []string
	}{
		{"decade", "AVERAGE", "timeframe", []string{"hour", "day", "week", "month", "year"}},
		{"", "MAX", "timeframe", []string{"hour", "year"}},
		{"hour", "average", "cf", []string{"AVERAGE", "MAX"}},
		{"hour", "MIN", "cf", []string{"AVERAGE", "MAX"}},
	}
	for _, tt := range tests {
		rows, err := History(New(Idle, 1), alwaysRunning, historyNow, tt.timeframe, tt.cf)
		var pe *ParamError
		if !errors.As(err, &pe) || pe.Param != tt.param || rows != nil {
			t.Errorf("History(%q, %q) = %d rows, %v, want a *ParamError for %s", tt.timeframe, tt.cf, len(rows), err, tt.param)
			continue
		}
		for _, v := range tt.allowed {
			if !strings.Contains(err.Error(), v) {
				t.Errorf("History(%q, %q) error %q does not name %q", tt.timeframe, tt.cf, err, v)
			}
		}
	}
}

// TestHistoryQueryLayouts: PVE 7/8's pve2-vm layout (70 rows, no PSI), a
// PVE 9 file without PSI, and rows of times no sample reached.
func TestHistoryQueryLayouts(t *testing.T) {
	t.Parallel()
	m := New(Steady, 3)
	noPSI := runningKeys[:10]
	tests := []struct {
		name      string
		q         Query
		rows      int
		step      int64
		newestKey []string
	}{
		{"legacy hour", Query{Timeframe: "hour", Legacy: true}, 70, 60, noPSI},
		{"legacy day", Query{Timeframe: "day", Legacy: true}, 70, 1800, noPSI},
		{"legacy week", Query{Timeframe: "week", Legacy: true, CF: "MAX"}, 70, 3 * 3600, noPSI},
		{"legacy month", Query{Timeframe: "month", Legacy: true}, 70, 12 * 3600, noPSI},
		{"legacy year", Query{Timeframe: "year", Legacy: true}, 70, 7 * 86400, noPSI},
		{"9 without PSI", Query{Timeframe: "hour", NoPSI: true}, 60, 60, noPSI},
		{"9", Query{Timeframe: "hour"}, 60, 60, runningKeys},
		// The newest 10 minutes unreported: PVE 9 drops the newest,
		// all-empty row; the older layout keeps it.
		{"9 node down", Query{Timeframe: "hour", Unreported: func(t time.Time) bool { return t.After(historyNow.Add(-10 * time.Minute)) }}, 59, 60, nil},
		{"legacy node down", Query{Timeframe: "hour", Legacy: true, Unreported: func(t time.Time) bool { return t.After(historyNow.Add(-10 * time.Minute)) }}, 70, 60, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.q.Now = historyNow
			rows, err := HistoryQuery(m, alwaysRunning, tt.q)
			if err != nil || len(rows) != tt.rows {
				t.Fatalf("%d rows, %v; want %d", len(rows), err, tt.rows)
			}
			if step := rows[1].Time - rows[0].Time; step != tt.step {
				t.Errorf("step %d, want %d", step, tt.step)
			}
			if got := keys(rows[len(rows)-1]); !slices.Equal(got, tt.newestKey) && (tt.newestKey != nil || len(got) != 0) {
				t.Errorf("newest row keys %v, want %v", got, tt.newestKey)
			}
			if got := keys(rows[0]); tt.newestKey == nil && len(got) == 0 {
				t.Errorf("oldest row is empty although its node reported")
			}
		})
	}
	if _, _, ok := ResolutionOf(true, "decade"); ok {
		t.Error("ResolutionOf(legacy, decade) is ok; LXC rrddata has no decade")
	}
}
