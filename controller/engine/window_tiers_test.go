package engine

import (
	"math"
	"testing"
	"time"
)

// near16 is whether a tier's value got is want to the precision of a tier
// point: 2^-12, or the unit (1/1024 core, 1 KiB) near zero.
func near16(got, want, unit float64) bool {
	return math.Abs(got-want) <= max(unit, want/4096)
}

// A week and a day of samples at 10 s: the day tier holds the last day at
// ten minutes and the week tier the last week at an hour, each the
// average and the peak of the samples of its bucket, the last point being
// the bucket being filled.
func TestTiersHoldAveragesAndPeaks(t *testing.T) {
	w := newWindow(time.Hour, 360)
	busy := func(i int) (cpu float64, mem uint64) {
		day := math.Sin(2 * math.Pi * float64(i) / 8640) // a daily season
		return 2 + day + float64(i%7)/10, uint64((3 + day + float64(i%5)/10) * (1 << 30))
	}
	const n = 8 * 8640
	for i := range n {
		s := sampleAt(i*10, 0)
		s.CPU, s.Mem = busy(i)
		w.Add(s)
	}
	for _, tier := range []struct {
		step   time.Duration
		points int
	}{{10 * time.Minute, 144}, {time.Hour, 168}} {
		got := w.Coarse(tier.step)
		if len(got) != tier.points+1 {
			t.Fatalf("%v tier: %d points, want %d and the bucket being filled", tier.step, len(got), tier.points)
		}
		per := int(tier.step / (10 * time.Second))
		for k, p := range got {
			first := int(p.Time.Sub(t0) / (10 * time.Second))
			if k > 0 && !p.Time.Equal(got[k-1].Time.Add(tier.step)) {
				t.Fatalf("%v tier: point %d at %v after %v", tier.step, k, p.Time, got[k-1].Time)
			}
			var cpu, mem, cpuPeak, memPeak float64
			m := min(per, n-first)
			for i := first; i < first+m; i++ {
				c, b := busy(i)
				cpu, mem = cpu+c/float64(m), mem+float64(b)/float64(m)
				cpuPeak, memPeak = max(cpuPeak, c), max(memPeak, float64(b))
			}
			if !near16(p.CPU, cpu, 1.0/1024) || !near16(p.CPUPeak, cpuPeak, 1.0/1024) ||
				!near16(p.Mem, mem, 1024) || !near16(p.MemPeak, memPeak, 1024) || p.Step != tier.step {
				t.Fatalf("%v tier, point %d at %v: %+v; want cpu %v peak %v, mem %v peak %v",
					tier.step, k, p.Time, p, cpu, cpuPeak, mem, memPeak)
			}
		}
	}
	// The first sample of an hour: the hour before is complete (though its
	// last ten minutes only reach the hour's bucket when the next ten
	// are complete) and the new one shows.
	before := w.Coarse(time.Hour)
	s := sampleAt(n*10, 7)
	w.Add(s)
	got := w.Coarse(time.Hour)
	if p := got[len(got)-1]; !p.Time.Equal(s.Time) || p.CPU != 7 || p.CPUPeak != 7 {
		t.Errorf("after the first sample of an hour: last point %+v, want that sample", p)
	}
	if p, q := got[len(got)-2], before[len(before)-1]; !p.Time.Equal(s.Time.Add(-time.Hour)) || math.Abs(p.CPU-q.CPU) > 1e-12 || p.MemPeak != q.MemPeak {
		t.Errorf("after the first sample of an hour: the hour before is %+v, want %+v", p, q)
	}
	if got := w.Coarse(time.Minute); got != nil {
		t.Errorf("Coarse(1m) = %d points, want none: there is no such tier", len(got))
	}
}

// Buckets the container was not seen in hold nothing, not the data of a
// day or a week before.
func TestTiersLeaveGapsEmpty(t *testing.T) {
	w := newWindow(time.Hour, 360)
	add := func(from, to int) { // seconds from t0, every 10 s
		for sec := from; sec < to; sec += 10 {
			w.Add(sampleAt(sec, 1))
		}
	}
	add(0, 2*86400)              // two days
	add(2*86400+3*3600, 3*86400) // stopped for three hours
	for _, p := range w.Coarse(10 * time.Minute) {
		if off := p.Time.Sub(t0); off >= 48*time.Hour && off < 51*time.Hour {
			t.Errorf("day tier has a point at +%v, inside the stop", off)
		}
	}
	hours := 0
	for _, p := range w.Coarse(time.Hour) {
		if off := p.Time.Sub(t0); off >= 48*time.Hour && off < 51*time.Hour {
			t.Errorf("week tier has a point at +%v, inside the stop", off)
		}
		hours++
	}
	if hours != 3*24-3 {
		t.Errorf("week tier holds %d hours, want the 69 seen", hours)
	}
}

// A backfill fills the buckets that hold no data; live data is kept; the
// hour being filled takes only the part the ten-minute tier will not pass
// on, so that nothing counts twice, however often the backfill runs.
func TestMergeCoarseFillsOnlyWhatIsMissing(t *testing.T) {
	w := newWindow(time.Hour, 360) // span/capacity: the first sample counts for 10 s
	noon := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	const liveCPU, liveMem, rrdCPU, rrdPeak, rrdMem = 3, 3 << 30, 1, 2, 1 << 30
	live := 0
	for at := noon.Add(13 * time.Minute); at.Before(noon.Add(55 * time.Minute)); at = at.Add(10 * time.Second) {
		s := sampleAt(0, liveCPU).at(at)
		s.Mem = liveMem
		w.Add(s)
		live++
	}
	var rrd []CoarsePoint // PVE 9's day: a minute each, the last 24 h
	for at := noon.Add(-23 * time.Hour); at.Before(noon.Add(time.Hour)); at = at.Add(time.Minute) {
		rrd = append(rrd, CoarsePoint{Time: at, Step: time.Minute, CPU: rrdCPU, CPUPeak: rrdPeak, Mem: rrdMem, MemPeak: math.NaN()})
	}
	for range 2 {
		w.MergeCoarse(rrd)
	}
	// From 13:00 the day before to 12:50, the live bucket being filled;
	// what the backfill has after the live data is not taken.
	day := w.Coarse(10 * time.Minute)
	if len(day) != 144 {
		t.Errorf("day tier: %d points, want 144 (13:00 the day before to 12:40, and the live bucket being filled)", len(day))
	}
	for _, p := range day {
		want := [2]float64{rrdCPU, rrdPeak}
		if !p.Time.Before(noon.Add(10 * time.Minute)) {
			want = [2]float64{liveCPU, liveCPU} // live data, kept as it is
		}
		if p.CPU != want[0] || p.CPUPeak != want[1] {
			t.Errorf("day tier at %v: cpu %v peak %v, want %v", p.Time.Format("15:04"), p.CPU, p.CPUPeak, want)
		}
		if wantMem := map[bool]float64{true: rrdMem, false: liveMem}[want[0] == rrdCPU]; p.Mem != wantMem || p.MemPeak != wantMem {
			t.Errorf("day tier at %v: mem %v peak %v, want %v (a NaN peak is the average)", p.Time.Format("15:04"), p.Mem, p.MemPeak, wantMem)
		}
	}
	week := w.Coarse(time.Hour)
	if len(week) != 24 {
		t.Fatalf("week tier: %d points, want 24 (23 merged hours and noon)", len(week))
	}
	// Noon: ten merged minutes, then the live data.
	liveSecs := float64(live) * 10
	want := (600*rrdCPU + liveSecs*liveCPU) / (600 + liveSecs)
	if p := week[23]; math.Abs(p.CPU-want) > 1e-9 || p.CPUPeak != liveCPU {
		t.Errorf("noon: cpu %v peak %v, want %v (600 s merged, %v s live) and %v", p.CPU, p.CPUPeak, want, liveSecs, liveCPU)
	}
	if p := week[0]; !p.Time.Equal(noon.Add(-23*time.Hour)) || p.CPU != rrdCPU || p.CPUPeak != rrdPeak {
		t.Errorf("first hour: %+v, want the merged one at %v", p, noon.Add(-23*time.Hour))
	}
}

// A point coarser than a tier (PVE 8's week: three hours) is spread over
// the buckets it covers; samples merged into the fine tier reach the
// coarse ones too.
func TestMergeSpreadsCoarsePointsAndFeedsFromSamples(t *testing.T) {
	w := newWindow(time.Hour, 360)
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var week []CoarsePoint
	for i := range 8 {
		week = append(week, CoarsePoint{Time: start.Add(time.Duration(3*i) * time.Hour), Step: 3 * time.Hour, CPU: float64(i), CPUPeak: float64(i) + 0.5, Mem: 1 << 30})
	}
	w.MergeCoarse(week)
	hours := w.Coarse(time.Hour)
	if len(hours) != 24 {
		t.Fatalf("%d hours from eight points of three hours, want 24", len(hours))
	}
	for k, p := range hours {
		if p.CPU != float64(k/3) || p.CPUPeak != float64(k/3)+0.5 {
			t.Errorf("hour %d: cpu %v peak %v, want the point's %v and %v", k, p.CPU, p.CPUPeak, k/3, float64(k/3)+0.5)
		}
	}

	w = newWindow(time.Hour, 360)
	var rrd []Sample // RRD's hour: a minute each
	for i := range 60 {
		rrd = append(rrd, sampleAt(i*60, float64(i%5)))
	}
	if held := w.Merge(rrd); held != 60 {
		t.Fatalf("Merge held %d of 60", held)
	}
	day := w.Coarse(10 * time.Minute)
	if len(day) != 6 {
		t.Fatalf("day tier after a merge of an hour: %d points, want 6", len(day))
	}
	for _, p := range day {
		if p.CPU != 2 || p.CPUPeak != 4 {
			t.Errorf("at %v: cpu %v peak %v, want the ten minutes' 2 and 4", p.Time, p.CPU, p.CPUPeak)
		}
	}
}
