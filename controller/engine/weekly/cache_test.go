package weekly

import (
	"math/rand/v2"
	"testing"
	"time"
	"unsafe"
)

// Cache answers as Peaks does, bit for bit, while now moves on by ticks
// with and without fractions of a second, lands on bucket edges and jumps
// hours, the tiers complete buckets and the profile hours (gen counts
// them, and a backfill's changes too), and Decide asks an hour and ten
// minutes ahead and other periods; most asks are answered without reading
// the tiers.
func TestCacheAnswersAsPeaks(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 3))
	var p Profile
	day, week := map[int64]TierPeak{}, map[int64]TierPeak{}
	reads := 0
	read := func(w bool, from time.Time, d time.Duration) (TierPeak, bool) {
		reads++
		m, step := day, int64(DayStep)
		if w {
			m, step = week, WeekStep
		}
		first := floorDiv(from.Unix(), step)
		last := max(first, floorDiv(from.Unix()+int64(d/time.Second)-1, step))
		var out TierPeak
		ok := false
		for b := first; b <= last; b++ {
			if x, has := m[b]; has {
				out.CPU, out.Memory, ok = max(out.CPU, x.CPU), max(out.Memory, x.Memory), true
			}
		}
		return out, ok
	}
	// A workday 09:00 job and a daily 14:00 one, noisy, idle otherwise;
	// one day in nine the job does not run.
	level := func(sec int64) TierPeak {
		h, d := (sec/3600)%24, time.Unix(sec, 0).UTC().Weekday()
		cpu := 0.2 + rng.Float64()*0.1
		if (h == 9 && d != time.Saturday && d != time.Sunday || h == 14) && rng.IntN(9) > 0 {
			cpu = 2 + rng.Float64()*0.5
		}
		return TierPeak{CPU: cpu, Memory: cpu * 2 * gib}
	}
	var gen uint64
	completed := int64(0) // day buckets completed so far
	complete := func(now time.Time) {
		for b := floorDiv(now.Unix(), DayStep) - 1; completed < b; {
			completed++
			day[completed] = level(completed * DayStep)
			gen++
			if (completed+1)*DayStep%WeekStep == 0 { // the hour completes too
				h := completed * DayStep / WeekStep
				peak := TierPeak{}
				for k := range int64(WeekStep / DayStep) {
					x := day[h*WeekStep/DayStep+k]
					peak.CPU, peak.Memory = max(peak.CPU, x.CPU), max(peak.Memory, x.Memory)
				}
				week[h] = peak
				p.Add(h*WeekStep, peak.CPU, peak.Memory)
			}
		}
	}
	now := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	completed = floorDiv(now.Unix(), DayStep) - 1
	now = now.Add(3 * 7 * 24 * time.Hour)
	complete(now)

	var c Cache
	aheads := []time.Duration{time.Hour, 10 * time.Minute, 4*time.Hour + 10*time.Minute}
	asks, cachedReads, seen := 0, 0, 0
	edge := func() int64 { return (floorDiv(now.Unix(), DayStep) + 1) * DayStep }
	past := false // the next tick goes just past the edge ahead
	for range 60_000 {
		switch k := rng.IntN(100); {
		case past: // an edge to the nanosecond, then the nanosecond after
			now, past = now.Add(time.Nanosecond), false
		case k < 3:
			now, past = time.Unix(edge(), 0).UTC(), true
		case k < 90: // a tick, a little late or early
			now = now.Add(10*time.Second + time.Duration(rng.IntN(2000)-1000)*time.Millisecond)
		case k < 93: // onto a bucket's edge, to the nanosecond
			now = time.Unix(edge(), 0).UTC()
		case k < 95: // just past it
			now = time.Unix(edge(), 1).UTC()
		case k < 96:
			now = now.Add(time.Duration(rng.IntN(5)+1) * time.Hour)
		case k < 97: // a clock that went back
			now = now.Add(-time.Duration(rng.IntN(1800)) * time.Second)
		default:
			now = now.Add(time.Duration(rng.IntN(3)) * time.Second)
		}
		complete(now)
		if rng.IntN(30) == 0 { // a backfill changes what the tiers hold
			b := completed - int64(rng.IntN(8*24*6))
			day[b] = level(b * DayStep)
			week[b*DayStep/WeekStep] = level(b * DayStep)
			gen++
		}
		ahead := aheads[rng.IntN(len(aheads))]
		if rng.IntN(50) == 0 {
			ahead = time.Duration(rng.IntN(7200)+1) * time.Second
		}
		r := reads
		cpu, mem := c.Peaks(&p, read, gen, now, ahead)
		cachedReads += reads - r
		wantCPU, wantMem := p.Peaks(read, now, ahead)
		if cpu != wantCPU || mem != wantMem {
			t.Fatalf("at %s, %s ahead: cached %+v / %+v, want %+v / %+v", now.Format(time.RFC3339Nano), ahead, cpu, mem, wantCPU, wantMem)
		}
		asks++
		if wantCPU.Seen > 0 {
			seen++
		}
	}
	if seen < asks/20 {
		t.Fatalf("%d of %d asks found a recurring peak: the test checks too little", seen, asks)
	}
	direct := reads - cachedReads // the same asks, uncached
	if cachedReads*2 > direct {
		t.Errorf("the cache read the tiers %d times where Peaks alone read them %d times", cachedReads, direct)
	}
	if size := unsafe.Sizeof(Cache{}); size != 688 {
		t.Errorf("a Cache is %d bytes; its doc says 688", size)
	}
}
