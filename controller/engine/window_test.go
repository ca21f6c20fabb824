package engine

import (
	"math"
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

func TestWindowRoundTrip(t *testing.T) {
	w := newWindow(time.Hour, 16)
	in := sampleAt(0, 1.25)
	w.Add(in)
	got, ok := w.Last()
	if !ok {
		t.Fatal("Last of a window with one sample: not ok")
	}
	if !got.Time.Equal(in.Time) || got.CPU != in.CPU || got.Cores != in.Cores ||
		got.Mem != in.Mem || got.MaxMem != in.MaxMem || got.Swap != in.Swap || got.MaxSwap != in.MaxSwap ||
		got.Disk != in.Disk || got.MaxDisk != in.MaxDisk || got.NetIn != in.NetIn || got.DiskWrite != in.DiskWrite ||
		!math.IsNaN(got.DiskRead) || got.PressureCPU != in.PressureCPU || !math.IsNaN(got.PressureMemory) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, in)
	}
	if sampleBytes != 64 {
		t.Errorf("a stored sample takes %d bytes, want 64", sampleBytes)
	}
}

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

// BenchmarkWindowAdd measures a tick's append; the reported bytes per
// container-hour are for the default 10 s interval.
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
	b.ReportMetric(float64(w.Bytes()), "bytes/container-hour")
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
