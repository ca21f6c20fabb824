package engine

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestComputeFeaturesKnownSeries(t *testing.T) {
	w := newWindow(time.Hour, 400)
	// An hour at 10 s: CPU utilisation ramps from 0 to 1 (busy = util x 2
	// cores), memory constant at half, disk from 50 % to 60 %.
	n := 360
	for i := range n {
		s := sampleAt(i*10, 2*float64(i)/float64(n-1))
		s.Mem, s.MaxMem = 512<<20, 1<<30
		s.Disk, s.MaxDisk = uint64(float64(10<<30)*(0.5+0.1*float64(i)/float64(n-1))), 10<<30
		s.DiskRead, s.DiskWrite = 1000, 0
		w.Add(s)
	}
	end := w.At(n - 1).Time
	f := computeFeatures(w, w.Len(), end, 5*time.Minute, time.Hour, &featureScratch{})

	approx := func(name string, got, want, tol float64) {
		t.Helper()
		if math.Abs(got-want) > tol {
			t.Errorf("%s = %v, want %v ± %v", name, got, want, tol)
		}
	}
	approx("CPULong.Mean", f.CPULong.Mean, 0.5, 0.01)
	approx("CPULong.Trend (per hour)", f.CPULong.Trend, 1.0, 0.01)
	approx("CPULong.P95", f.CPULong.P95, 0.95, 0.01)
	// The last five minutes: 30 samples from about 0.917 to 1.
	approx("CPUShort.Mean", f.CPUShort.Mean, 0.96, 0.01)
	if f.CPUShort.N != 30 {
		t.Errorf("CPUShort.N = %d, want 30 samples in five minutes", f.CPUShort.N)
	}
	approx("MemoryLong.Mean", f.MemoryLong.Mean, 0.5, 1e-9)
	approx("MemoryLong.Std", f.MemoryLong.Std, 0, 1e-9)
	approx("DiskRatio", f.DiskRatio, 0.6, 0.001)
	approx("DiskTrend", f.DiskTrend, 0.1, 0.002)
	approx("IORate", f.IORate, 1000, 1e-9)
	approx("Pressure", f.Pressure, 1.5, 1e-6)

	v := f.ModelVector(nil)
	if len(v) != NumModelFeatures {
		t.Fatalf("ModelVector has %d values, want %d", len(v), NumModelFeatures)
	}
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			t.Errorf("ModelVector[%d] = %v", i, x)
		}
	}
}

func TestComputeFeaturesEmptyAndUnknownRates(t *testing.T) {
	w := newWindow(time.Hour, 8)
	f := computeFeatures(w, 0, t0, 5*time.Minute, time.Hour, &featureScratch{})
	if f.CPULong.N != 0 || f.CPUShort.Mean != 0 {
		t.Errorf("empty window gave %+v", f)
	}
	s := sampleAt(0, 1)
	s.NetIn, s.NetOut, s.DiskRead, s.DiskWrite = math.NaN(), math.NaN(), math.NaN(), math.NaN()
	w.Add(s)
	f = computeFeatures(w, 1, s.Time, 5*time.Minute, time.Hour, &featureScratch{})
	for i, x := range f.ModelVector(nil) {
		if math.IsNaN(x) {
			t.Errorf("ModelVector[%d] is NaN with unknown rates", i)
		}
	}
}

// benchWindow is a full default window (an hour at 10 s) of varied
// samples, and the next sample to add.
func benchWindow() (w *window, next func() Sample) {
	w = newWindow(time.Hour, 368)
	rnd := rand.New(rand.NewPCG(3, 4))
	i := 0
	next = func() Sample {
		s := sampleAt(i*10, 2*rnd.Float64())
		s.Mem = uint64(float64(1<<30) * (0.4 + 0.2*rnd.Float64()))
		s.NetIn, s.DiskWrite = 1e5*rnd.Float64(), 1e4*rnd.Float64()
		i++
		return s
	}
	for range 400 {
		w.Add(next())
	}
	return w, next
}

// BenchmarkComputeFeatures is a steady-state pass on one container: a full
// default window, the clock moving one interval per op, one sample added
// and the features computed at the new time, as the loop does.
func BenchmarkComputeFeatures(b *testing.B) {
	w, next := benchWindow()
	s := &featureScratch{}
	b.ReportAllocs()
	for b.Loop() {
		smp := next()
		w.Add(smp)
		computeFeatures(w, w.Len(), smp.Time, 5*time.Minute, time.Hour, s)
	}
}

// BenchmarkScanFeatures is the features at a past point of a full window,
// as a training row takes them.
func BenchmarkScanFeatures(b *testing.B) {
	w, _ := benchWindow()
	s := &featureScratch{}
	idx := w.Len() - 30
	b.ReportAllocs()
	for b.Loop() {
		computeFeatures(w, idx+1, w.timeAt(idx), 5*time.Minute, time.Hour, s)
	}
}
