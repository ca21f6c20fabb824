package histogram

import (
	"math"
	"testing"
	"time"
	"unsafe"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

var t0 = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

// within reports whether got is v to the bucket's 5 % (the percentile is a
// bucket's end).
func within(got, v float64) bool { return got >= v && got <= v*1.06+0.011 }

// A known distribution: 90 % of the time at 1 core, 10 % at 4: p50 and
// p85 read 1 core, p95 4, each to a bucket; a day of history.
func TestPercentiles(t *testing.T) {
	var u Usage
	for i := range 8640 { // a day at 10 s
		v := 1.0
		if i%10 == 0 {
			v = 4
		}
		u.Observe(t0.Add(time.Duration(i)*10*time.Second), v, 1e9, 10*time.Second, false)
	}
	for _, c := range []struct{ p, want float64 }{{0.5, 1}, {0.85, 1}, {0.95, 4}} {
		got, days := u.Percentile(scaling.ResourceCores, c.p)
		if !within(got, c.want) || math.Abs(days-1) > 0.01 {
			t.Errorf("p%.0f = %.3f cores over %.3f days; want %.0f over 1", c.p*100, got, days, c.want)
		}
	}
	var empty *Usage
	if v, d := empty.Percentile(scaling.ResourceMemory, 0.5); v != 0 || d != 0 {
		t.Errorf("a nil Usage answers %v, %v", v, d)
	}
}

// Newer samples weigh more: a day at 1 core, then a day at 3; p50 reads
// 3 (the second day weighs twice the first), and after a week at 3 and a
// renormalisation the old day is all but gone.
func TestDecay(t *testing.T) {
	var u Usage
	at := t0
	feed := func(hours int, v float64) {
		for range hours * 60 {
			u.Observe(at, v, 1e9, time.Minute, false)
			at = at.Add(time.Minute)
		}
	}
	feed(24, 1)
	feed(24, 3)
	if got, _ := u.Percentile(scaling.ResourceCores, 0.5); !within(got, 3) {
		t.Errorf("p50 after a day at 1 then a day at 3: %.3f; want 3", got)
	}
	if got, _ := u.Percentile(scaling.ResourceCores, 0.3); !within(got, 1) {
		t.Errorf("p30: %.3f; want 1 (a third of the weight)", got)
	}
	feed(24*70, 3) // past maxExponent half-lives: renormalised
	if u.cpu.ref == uint32(t0.Unix()) {
		t.Fatal("no renormalisation in 70 days")
	}
	if got, _ := u.Percentile(scaling.ResourceCores, 0.001); !within(got, 3) {
		t.Errorf("p0.1 after 70 days at 3: %.3f; want 3", got)
	}
}

// Memory enters as one peak per hour: a short high peak in one hour of
// ten counts as that hour, and the peak of the hour under way counts too.
func TestMemoryHourlyPeaks(t *testing.T) {
	var u Usage
	for i := range 10 * 360 {
		m := 1e9
		if i == 5*360+7 { // one 10-s sample of hour 5
			m = 4e9
		}
		u.Observe(t0.Add(time.Duration(i)*10*time.Second), 1, m, 10*time.Second, false)
	}
	if got, _ := u.Percentile(scaling.ResourceMemory, 0.85); !within(got, 1e9) {
		t.Errorf("p85 of ten hourly peaks, one at 4 GB: %.3g; want 1e9", got)
	}
	if got, _ := u.Percentile(scaling.ResourceMemory, 0.95); !within(got, 4e9) {
		t.Errorf("p95: %.3g; want 4e9 (the hour with the peak)", got)
	}
	u.Observe(t0.Add(10*time.Hour), 1, 8e9, 10*time.Second, false) // the new hour's first sample
	if got, _ := u.Percentile(scaling.ResourceMemory, 1); !within(got, 8e9) {
		t.Errorf("p100 with the hour under way at 8 GB: %.3g", got)
	}
}

// Anomalous samples count a quarter: spikes the forest flags on every
// fourth sample (a quarter of the time, 1/13 of the weight) stay out of
// p90, which they would reach counted in full; an anomalous hour of
// memory weighs a quarter of a normal one; a repeated time is ignored.
func TestAnomalousSamplesCountAQuarter(t *testing.T) {
	var flagged, counted Usage
	for i := range 3600 {
		at := t0.Add(time.Duration(i) * 10 * time.Second)
		spike := i%4 == 0
		cores := 1.0
		if spike {
			cores = 6
		}
		flagged.Observe(at, cores, 1e9, 10*time.Second, spike)
		flagged.Observe(at, 6, 6e9, 10*time.Second, false) // the same time again
		counted.Observe(at, cores, 1e9, 10*time.Second, false)
	}
	if got, _ := flagged.Percentile(scaling.ResourceCores, 0.9); !within(got, 1) {
		t.Errorf("p90 with flagged spikes: %.3f cores; want 1", got)
	}
	if got, _ := counted.Percentile(scaling.ResourceCores, 0.9); !within(got, 6) {
		t.Errorf("p90 with the spikes counted: %.3f cores; want 6", got)
	}
	var m Usage
	for i := range 2 * 360 { // an hour at 1 GB, then an anomalous one at 6 GB
		mem, anomalous := 1e9, i >= 360
		if anomalous {
			mem = 6e9
		}
		m.Observe(t0.Add(time.Duration(i)*10*time.Second), 1, mem, 10*time.Second, anomalous)
	}
	if got, _ := m.Percentile(scaling.ResourceMemory, 0.75); !within(got, 1e9) {
		t.Errorf("memory p75 with an anomalous hour at 6 GB: %.3g; want 1e9 (that hour weighs a fifth)", got)
	}
}

// A backfill feeds what came before the first own sample, cut at it: a
// point that straddles counts only its part before, one after counts
// nothing; the days of history reach back to the oldest point.
func TestPastBeforeOwn(t *testing.T) {
	var u Usage
	own := t0.Add(48 * time.Hour)
	for i := range 360 {
		u.Observe(own.Add(time.Duration(i)*10*time.Second), 1, 1e9, 10*time.Second, false)
	}
	for h := range 48 {
		at := t0.Add(time.Duration(h) * time.Hour)
		if !u.Past(at, time.Hour, scaling.ResourceCores, 3) || !u.Past(at, time.Hour, scaling.ResourceMemory, 3e9) {
			t.Fatalf("hour %d before the own samples was not fed", h)
		}
	}
	if u.Past(own.Add(-30*time.Minute), time.Hour, scaling.ResourceCores, 50) != true {
		t.Fatal("the half hour before the own samples was not fed")
	}
	if u.Past(own, time.Hour, scaling.ResourceCores, 50) {
		t.Error("a point after the first own sample was fed")
	}
	if got, days := u.Percentile(scaling.ResourceCores, 0.5); !within(got, 3) || days < 2 {
		t.Errorf("p50 %.3f over %.2f days; want 3 over 2 days and more", got, days)
	}
	if got, _ := u.Percentile(scaling.ResourceCores, 0.999); !within(got, 50) {
		t.Errorf("p99.9 %.3f; want the straddling half hour's 50", got)
	}
	if got, _ := u.Percentile(scaling.ResourceMemory, 0.5); !within(got, 3e9) {
		t.Errorf("memory p50 %.3g; want 3e9", got)
	}

	// Before any own sample: live samples up to the newest past point are
	// not counted again.
	var w Usage
	w.Past(t0, time.Hour, scaling.ResourceCores, 2)
	w.Observe(t0.Add(30*time.Minute), 9, 1e9, time.Hour, false)
	if got, _ := w.Percentile(scaling.ResourceCores, 1); !within(got, 2) {
		t.Errorf("a live sample within the backfilled hour counted: p100 %.3f", got)
	}
}

// The size the engine's budget reserves room for (histogramReserve:
// 2 x (175 x 4 + 32) bytes).
func TestUsageSize(t *testing.T) {
	if got := unsafe.Sizeof(Usage{}); got > 2*(175*4+32) {
		t.Errorf("a Usage takes %d bytes, over the 1,464 reserved", got)
	}
	t.Logf("a Usage takes %d bytes", unsafe.Sizeof(Usage{}))
}

// Recommend: the target is what the profile's target percentile needs,
// the bounds widen while the history is short; nothing without history.
func TestRecommend(t *testing.T) {
	r := scaling.Rules{CPU: scaling.CPURules{Up: 0.9}, StabilizationDown: 45 * time.Minute}
	var u Usage
	if _, ok := u.Recommend(scaling.ResourceCores, r); ok {
		t.Fatal("a recommendation without history")
	}
	at := t0
	feed := func(d time.Duration) {
		for end := at.Add(d); at.Before(end); at = at.Add(time.Minute) {
			u.Observe(at, 1.7, 1e9, time.Minute, false)
		}
	}
	feed(time.Hour)
	short, ok := u.Recommend(scaling.ResourceCores, r)
	if !ok || short.Target != 2 || short.Usage < 1.7 || short.Usage > 1.8 {
		t.Fatalf("an hour at 1.7 cores busy: %+v; want a target of 2 cores", short)
	}
	feed(3 * 24 * time.Hour)
	long, _ := u.Recommend(scaling.ResourceCores, r)
	if long.Target != 2 || long.Upper >= short.Upper || long.Lower >= short.Lower || long.Days < 3 {
		t.Errorf("three days more: %+v; want the bounds narrower than after an hour (%+v)", long, short)
	}
}

// The bounds of each profile are in order and widen less as history
// grows; the needs keep the hour's floor (cores below up, memory plus
// the margin and below up).
func TestBounds(t *testing.T) {
	r := scaling.Rules{CPU: scaling.CPURules{Up: 0.9}, Memory: scaling.MemoryRules{Up: 0.85, Margin: 256 << 20}, StabilizationDown: 45 * time.Minute}
	for _, p := range []string{"balanced", "cost", "performance"} {
		b := boundsOf(p)
		if !(b.lower < b.target && b.target < b.upper && b.widen(0.01, r) > b.widen(1, r) && b.widen(1, r) > 1) {
			t.Errorf("profile %s: %+v", p, b)
		}
	}
	if boundsOf("") != boundsOf("balanced") {
		t.Error("the default profile is not balanced")
	}
	if got := need(scaling.ResourceCores, r, 1.7); got != 2 {
		t.Errorf("1.7 cores busy need %d cores, want 2", got)
	}
	if got := need(scaling.ResourceMemory, r, 1000<<20); got != 1256 {
		t.Errorf("1000 MiB used need %d MiB, want 1256", got)
	}
	// 2900 MiB + 256 would hold it at 0.92 of the limit, past up: a
	// decrease to there is undone by the next such peak.
	if got := need(scaling.ResourceMemory, r, 2900<<20); got != 3412 {
		t.Errorf("2900 MiB used need %d MiB, want 3412 (2900 / 0.85, below up)", got)
	}
}

// Floor: the lower percentile's need with days of history; with an hour
// the widened need, which holds the allocation (it is at least cur).
func TestFloor(t *testing.T) {
	r := scaling.Rules{CPU: scaling.CPURules{Up: 0.9}, StabilizationDown: 45 * time.Minute}
	var u Usage
	if _, ok := u.Floor(scaling.ResourceCores, r, 8); ok {
		t.Fatal("a floor without history")
	}
	at := t0
	for range 60 {
		u.Observe(at, 1.7, 1e9, time.Minute, false)
		at = at.Add(time.Minute)
	}
	f, ok := u.Floor(scaling.ResourceCores, r, 4)
	if !ok || f.Widen < 3 || f.Floor < 4 || f.Pct != 50 {
		t.Fatalf("an hour at 1.7 cores, 4 allocated: %+v; want the widened need, at least 4", f)
	}
	for range 3 * 24 * 60 {
		u.Observe(at, 1.7, 1e9, time.Minute, false)
		at = at.Add(time.Minute)
	}
	if f, _ := u.Floor(scaling.ResourceCores, r, 4); f.Floor != 2 || f.Widen != 1 {
		t.Errorf("three days more: %+v; want the need, 2 cores", f)
	}
}
