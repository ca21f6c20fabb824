package engine

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func sampleAt(sec int, cpu float64) Sample {
	return Sample{
		Time: t0.Add(time.Duration(sec) * time.Second), CPU: cpu, Cores: 2,
		Mem: 512 << 20, MaxMem: 1 << 30, Swap: 1 << 20, MaxSwap: 512 << 20,
		Disk: 3 << 30, MaxDisk: 8 << 30,
		NetIn: 100, NetOut: 200, DiskRead: math.NaN(), DiskWrite: 4096,
		PressureCPU: 1.5, PressureMemory: math.NaN(), PressureIO: 0,
	}
}

// A sample comes back as stored: cores busy, memory, disk and the limits
// exactly (to the KiB and MiB), swap to 0.025 %, rates as totals to 1/16
// B/s or 0.025 %, pressure to 0.01, unknowns as NaN.
func TestWindowRoundTrip(t *testing.T) {
	w := newWindow(time.Hour, 16)
	in := sampleAt(0, 1.25)
	in.Time = in.Time.Add(700 * time.Millisecond)
	in.NetIn, in.NetOut, in.DiskWrite = 100.3, 100, 123456.7
	in.Swap, in.PressureCPU, in.PressureIO = 12345<<10, 1.5, 0.07
	w.Add(in)
	got, ok := w.Last()
	if !ok {
		t.Fatal("Last of a window with one sample: not ok")
	}
	want := in
	want.Time = in.Time.Truncate(time.Second)
	want.NetIn, want.NetOut = 200.3125, 0 // in + out, to 1/16 B/s
	want.DiskRead, want.DiskWrite = math.NaN(), 0
	if got.Time != want.Time || got.CPU != want.CPU || got.Cores != want.Cores ||
		got.Mem != want.Mem || got.MaxMem != want.MaxMem || got.MaxSwap != want.MaxSwap ||
		got.Disk != want.Disk || got.MaxDisk != want.MaxDisk || got.NetIn != want.NetIn || got.NetOut != 0 ||
		!math.IsNaN(got.DiskRead) || got.DiskWrite != 0 || got.PressureCPU != 1.5 || !math.IsNaN(got.PressureMemory) ||
		got.PressureIO != 0.07 || math.Abs(float64(got.Swap)-float64(in.Swap)) > float64(in.Swap)/4096 {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
	}
	in.Time, in.DiskRead = in.Time.Add(10*time.Second), 1e9
	w.Add(in)
	if got, _ := w.Last(); math.Abs(got.DiskRead-(1e9+123456.7)) > 1e9/4096 {
		t.Errorf("disk I/O %v B/s, want read + write %v to 0.025 %%", got.DiskRead, 1e9+123456.7)
	}
	if sampleBytes != 26 {
		t.Errorf("a stored sample takes %d bytes, want 26", sampleBytes)
	}
}

// Times are kept in 16 bits from the newest sample: they read back to the
// second over days of samples, across every wrap of the code, and Since
// finds them.
func TestWindowTimesAcrossTheWrap(t *testing.T) {
	w := newWindow(time.Hour, 368)
	rnd := rand.New(rand.NewPCG(5, 6))
	var times []time.Time
	at := t0
	for range 3 * 24 * 360 { // three days: the code wraps every 18 h
		at = at.Add(time.Duration(5+rnd.IntN(10))*time.Second + time.Duration(rnd.IntN(1e9)))
		w.Add(sampleAt(0, 1).at(at))
		times = append(times, at.Truncate(time.Second))
		if len(times) > w.Len() {
			times = times[len(times)-w.Len():]
		}
		if w.Len() > 1 && rnd.IntN(100) == 0 {
			for i := range w.Len() {
				if got := w.timeAt(i); !got.Equal(times[i]) || got.Location() != time.UTC {
					t.Fatalf("after %v: sample %d at %v, want %v", at.Sub(t0), i, got, times[i])
				}
			}
			i := rnd.IntN(w.Len())
			if got := w.Since(times[i].Add(-time.Nanosecond)); got != i {
				t.Fatalf("Since(just before sample %d) = %d", i, got)
			}
		}
	}
	if age := times[len(times)-1].Sub(times[0]); age > time.Hour {
		t.Errorf("the window spans %v, want at most the hour", age)
	}
}

// A window longer than 18 h keeps times at two seconds, so that one code
// still names one time.
func TestWindowLongSpanKeepsTimesToTwoSeconds(t *testing.T) {
	w := newWindow(24*time.Hour, 8640+8)
	for i := range 2 * 8640 {
		w.Add(sampleAt(i*10+1, float64(i)))
	}
	if w.unit != 2 || w.Len() != 8641 {
		t.Fatalf("unit %d s, %d samples; want 2 s and the day (8641)", w.unit, w.Len())
	}
	first, last := w.At(0), w.At(w.Len()-1)
	if want := t0.Add(time.Duration(8639*10) * time.Second); !first.Time.Equal(want) || first.CPU != 8639 {
		t.Errorf("oldest sample at %v (cpu %v), want %v (8639): times to 2 s", first.Time, first.CPU, want)
	}
	if got := last.Time.Sub(first.Time); got != 24*time.Hour {
		t.Errorf("window spans %v, want 24h", got)
	}
}

// Limits are kept once per run of samples: each sample reads back with the
// limits it was taken under, and runs that left the window go.
func TestWindowKeepsLimitsPerRun(t *testing.T) {
	w := newWindow(time.Minute, 8)
	for i := range 20 {
		s := sampleAt(i*10, 1)
		s.Cores = float64(1 + i/4) // a resize every fourth sample
		w.Add(s)
	}
	for i := range w.Len() {
		s := w.At(i)
		taken := int(s.Time.Sub(t0) / (10 * time.Second))
		if want := float64(1 + taken/4); s.Cores != want {
			t.Errorf("sample %d at %v: %v cores, want %v", i, s.Time.Sub(t0), s.Cores, want)
		}
	}
	// 60 s at 10 s: 7 samples, from 130 s to 190 s: runs 3 (120..150 s)
	// and 4 (160..190 s).
	if w.Len() != 7 || len(w.lims) != 2 {
		t.Errorf("%d samples under %d runs of limits, want 7 under 2", w.Len(), len(w.lims))
	}
}

// at is s taken at t.
func (s Sample) at(t time.Time) Sample { s.Time = t; return s }

func TestWindowDropsByAgeAndCapacity(t *testing.T) {
	w := newWindow(time.Minute, 4)
	for i := range 10 {
		w.Add(sampleAt(i*10, float64(i)))
	}
	// Capacity 4 keeps the newest four: 60..90 s.
	if w.Len() != 4 {
		t.Fatalf("Len = %d, want 4", w.Len())
	}
	for i := range w.Len() {
		if got, want := w.At(i).CPU, float64(6+i); got != want {
			t.Errorf("At(%d).CPU = %v, want %v", i, got, want)
		}
	}
	// A sample 2 minutes later leaves only samples within the minute.
	w.Add(sampleAt(210, 42))
	if w.Len() != 1 || w.At(0).CPU != 42 {
		t.Errorf("after a gap: Len %d, first CPU %v; want only the new sample", w.Len(), w.At(0).CPU)
	}
}

func TestWindowIgnoresOlderSamples(t *testing.T) {
	w := newWindow(time.Hour, 8)
	w.Add(sampleAt(60, 1))
	w.Add(sampleAt(30, 2)) // a backfill point older than live data
	w.Add(sampleAt(60, 3)) // same time
	if w.Len() != 1 || w.At(0).CPU != 1 {
		t.Errorf("Len %d, CPU %v: an older or equal sample changed the window", w.Len(), w.At(0).CPU)
	}
}

func TestWindowSince(t *testing.T) {
	w := newWindow(time.Hour, 8)
	for i := range 5 {
		w.Add(sampleAt(i*10, float64(i)))
	}
	for _, tc := range []struct {
		sec  int
		want int
	}{{-5, 0}, {0, 0}, {5, 1}, {10, 1}, {40, 4}, {41, 5}} {
		if got := w.Since(t0.Add(time.Duration(tc.sec) * time.Second)); got != tc.want {
			t.Errorf("Since(+%ds) = %d, want %d", tc.sec, got, tc.want)
		}
	}
}

func TestWindowSaturatesHugeValues(t *testing.T) {
	w := newWindow(time.Hour, 2)
	s := sampleAt(0, 1)
	s.Mem, s.MaxMem = math.MaxUint64, math.MaxUint64
	w.Add(s)
	got := w.At(0)
	if got.Mem != math.MaxUint32<<10 || got.MemoryUtilisation() != 1 {
		t.Errorf("huge memory stored as %d (utilisation %v); want saturation at 4 TiB", got.Mem, got.MemoryUtilisation())
	}
}

// BenchmarkWindowAdd measures a tick's append to a full window at the
// default settings (an hour at 10 s), coarse tiers included; it reports
// the bytes of a container's whole history.
func BenchmarkWindowAdd(b *testing.B) {
	w := newWindow(time.Hour, 368)
	s := sampleAt(0, 1)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		s.Time = t0.Add(time.Duration(i) * 10 * time.Second)
		w.Add(s)
		i++
	}
	b.ReportMetric(float64(w.Bytes()), "bytes/container")
}

// A backfill older than what the window holds goes in, in time order; the
// merged sample wins a second both have; what falls outside the span or the
// capacity is not counted.
func TestWindowMergeKeepsBothSources(t *testing.T) {
	base := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	w := newWindow(time.Hour, 200)
	for i := range 10 { // the export: the last 10 minutes
		w.Add(Sample{Time: base.Add(time.Duration(i-10) * time.Minute), CPU: 1, Cores: 2})
	}
	var rrd []Sample
	for i := range 70 { // RRD: 70 minutes, overlapping the export by 10
		rrd = append(rrd, Sample{Time: base.Add(time.Duration(i-70) * time.Minute), CPU: 0.5, Cores: 2})
	}
	held := w.Merge(rrd)
	// 60 of the RRD's minutes are within the hour before the newest sample
	// (-1 min): -61 .. -1; the 10 overlapping seconds are the RRD's.
	if held != 61 || w.Len() != 61 {
		t.Fatalf("Merge held %d, window %d samples; want 61 and 61", held, w.Len())
	}
	for i := 1; i < w.Len(); i++ {
		if !w.At(i).Time.After(w.At(i - 1).Time) {
			t.Fatalf("sample %d at %v not after %v", i, w.At(i).Time, w.At(i-1).Time)
		}
	}
	if last, _ := w.Last(); last.CPU != 0.5 {
		t.Errorf("the second both had keeps %v, want the merged 0.5", last.CPU)
	}
	small := newWindow(time.Hour, 5)
	small.Add(Sample{Time: base, CPU: 1})
	if held := small.Merge(rrd[60:]); held != 4 || small.Len() != 5 {
		t.Errorf("capacity 5: held %d of the merged, window %d; want 4 and 5", held, small.Len())
	}
}

// LastPressure is what the guard's ordering used to unpack the newest
// sample for: the larger utilisation of Last, bit for bit, under resizes,
// zero cores or memory limits, and an empty window.
func TestWindowLastPressureIsLasts(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	w := newWindow(time.Minute, 8)
	if got := w.LastPressure(); got != 0 {
		t.Fatalf("empty window: pressure %v, want 0", got)
	}
	for i := range 2000 {
		s := sampleAt(i*10, rng.Float64()*8)
		s.Cores = float64(rng.IntN(5))       // 0: no cores known
		s.MaxMem = uint64(rng.IntN(4)) << 30 // 0: no limit known
		s.Mem = uint64(rng.Float64() * float64(s.MaxMem+1<<20))
		w.Add(s)
		last, _ := w.Last()
		want := max(last.CPUUtilisation(), last.MemoryUtilisation())
		if got := w.LastPressure(); math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("sample %d: pressure %v, want %v (Last %+v)", i, got, want, last)
		}
	}
}
