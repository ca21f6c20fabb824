package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine/topk"
)

// referenceFeatures is the features' definition written plainly, as the
// scan before the running aggregates computed them: every sample of
// [end-long, end] and, for the short period, of (end-short, end], from the
// samples as the window returns them; percentiles by sorting.
func referenceFeatures(samples []Sample, end time.Time, short, long time.Duration) Features {
	var f Features
	endSec := end.Unix()
	type xy struct{ x, y []float64 }
	var cpuL, memL, cpuS, memS, disk xy
	var ioL, ioS, netL, netS, psiS, coresL, coresS, calm []float64
	for _, s := range samples {
		sec := s.Time.Unix()
		if sec < endSec-int64(long/time.Second) {
			continue
		}
		h := float64(sec-endSec) / 3600
		inShort := sec > endSec-int64(short/time.Second)
		cpu, mem := s.CPUUtilisation(), s.MemoryUtilisation()
		io, net := s.DiskRead+s.DiskWrite, s.NetIn+s.NetOut
		cpuL.x, cpuL.y = append(cpuL.x, h), append(cpuL.y, cpu)
		memL.x, memL.y = append(memL.x, h), append(memL.y, mem)
		ioL, netL, coresL = append(ioL, io), append(netL, net), append(coresL, s.CPU)
		if cpu < calmShare {
			calm = append(calm, s.CPU)
		}
		if s.MaxDisk > 0 {
			f.DiskRatio = float64(s.Disk) / float64(s.MaxDisk)
			disk.x, disk.y = append(disk.x, h), append(disk.y, f.DiskRatio)
		}
		if inShort {
			cpuS.x, cpuS.y = append(cpuS.x, h), append(cpuS.y, cpu)
			memS.x, memS.y = append(memS.x, h), append(memS.y, mem)
			ioS, netS, coresS = append(ioS, io), append(netS, net), append(coresS, s.CPU)
			psiS = append(psiS, max(nanTo0(s.PressureCPU), nanTo0(s.PressureMemory), nanTo0(s.PressureIO)))
			f.SwapRatio = 0
			if s.MaxSwap > 0 {
				f.SwapRatio = float64(s.Swap) / float64(s.MaxSwap)
			}
		}
	}
	stats := func(v xy) Stats {
		n := float64(len(v.y))
		if n == 0 {
			return Stats{}
		}
		var sx, sy, sxx, sxy, syy float64
		for i := range v.y {
			sx, sy, sxx, sxy, syy = sx+v.x[i], sy+v.y[i], sxx+v.x[i]*v.x[i], sxy+v.x[i]*v.y[i], syy+v.y[i]*v.y[i]
		}
		sorted := slices.Sorted(slices.Values(v.y))
		st := Stats{Mean: sy / n, N: len(v.y), P95: sorted[topk.P95Index(len(sorted))]}
		st.Std = math.Sqrt(max(0, syy/n-st.Mean*st.Mean))
		if den := n*sxx - sx*sx; n > 1 && den > 1e-12 {
			st.Trend = (n*sxy - sx*sy) / den
		}
		return st
	}
	avg := func(v []float64) float64 {
		var sum float64
		n := 0
		for _, x := range v {
			if x-x == 0 {
				sum += x
				n++
			}
		}
		if n == 0 {
			return 0
		}
		return sum / float64(n)
	}
	f.CPUShort, f.CPULong, f.MemoryShort, f.MemoryLong = stats(cpuS), stats(cpuL), stats(memS), stats(memL)
	f.DiskTrend = stats(disk).Trend
	f.IORate, f.IORateLong, f.NetRate, f.NetRateLong = avg(ioS), avg(ioL), avg(netS), avg(netL)
	f.Pressure = avg(psiS)
	f.CoresShort, f.CoresLong, f.CoresCalm, f.Calm = avg(coresS), avg(coresL), avg(calm), len(calm)
	return f
}

// diffFeatures names the first feature where a and b differ by more than
// float rounding: counts, percentiles and latest ratios exactly, sums to
// 1e-9 of their size; a deviation, a square root of a difference of sums,
// to 1e-6.
func diffFeatures(a, b Features) string {
	near := func(x, y, tol float64) bool { return math.Abs(x-y) <= tol*max(1, math.Abs(x), math.Abs(y)) }
	stats := func(name string, x, y Stats) string {
		switch {
		case x.N != y.N || x.P95 != y.P95:
			return fmt.Sprintf("%s: N %d / %d, P95 %v / %v", name, x.N, y.N, x.P95, y.P95)
		case !near(x.Mean, y.Mean, 1e-9) || !near(x.Std, y.Std, 1e-6) || !near(x.Trend, y.Trend, 1e-6):
			return fmt.Sprintf("%s: %+v / %+v", name, x, y)
		}
		return ""
	}
	for _, d := range []string{
		stats("CPUShort", a.CPUShort, b.CPUShort), stats("CPULong", a.CPULong, b.CPULong),
		stats("MemoryShort", a.MemoryShort, b.MemoryShort), stats("MemoryLong", a.MemoryLong, b.MemoryLong),
	} {
		if d != "" {
			return d
		}
	}
	if a.DiskRatio != b.DiskRatio || a.SwapRatio != b.SwapRatio {
		return fmt.Sprintf("ratios: disk %v / %v, swap %v / %v", a.DiskRatio, b.DiskRatio, a.SwapRatio, b.SwapRatio)
	}
	for i, p := range [][2]float64{{a.DiskTrend, b.DiskTrend}, {a.IORate, b.IORate}, {a.IORateLong, b.IORateLong},
		{a.NetRate, b.NetRate}, {a.NetRateLong, b.NetRateLong}, {a.Pressure, b.Pressure},
		{a.CoresShort, b.CoresShort}, {a.CoresLong, b.CoresLong}, {a.CoresCalm, b.CoresCalm}, {float64(a.Calm), float64(b.Calm)}} {
		if !near(p[0], p[1], 1e-9) {
			return fmt.Sprintf("rate or trend %d: %v / %v", i, p[0], p[1])
		}
	}
	return ""
}

// stream makes a container's samples: noisy cpu and memory (some runs
// flat, so that the percentile has ties), a resize now and then, unknown
// rates and pressure, disk filling, swap.
type stream struct {
	rnd                   *rand.Rand
	cores                 float64
	maxMem, maxDisk, disk uint64
}

func (s *stream) next(at time.Time) Sample {
	r := s.rnd
	if r.IntN(50) == 0 {
		s.cores = float64(1 + r.IntN(4))
		if r.IntN(3) == 0 {
			s.cores += 0.5 // a fractional cpulimit
		}
	}
	if r.IntN(80) == 0 {
		s.maxMem = uint64(1+r.IntN(8)) << 30
	}
	if r.IntN(100) == 0 {
		s.maxDisk = [...]uint64{0, 8 << 30, 16 << 30}[r.IntN(3)]
	}
	s.disk += uint64(r.IntN(3)) << 20
	cpu := s.cores * r.Float64()
	if r.IntN(4) == 0 {
		cpu = s.cores / 2
	}
	x := Sample{
		Time: at, CPU: cpu, Cores: s.cores,
		Mem: uint64(float64(s.maxMem) * (0.3 + 0.5*r.Float64())), MaxMem: s.maxMem,
		Swap: uint64(r.IntN(64)) << 20, MaxSwap: uint64(r.IntN(2)) * (512 << 20),
		Disk: s.disk, MaxDisk: s.maxDisk,
		NetIn: 1e6 * r.ExpFloat64(), NetOut: 1e4 * r.Float64(), DiskRead: 1e5 * r.Float64(), DiskWrite: math.NaN(),
		PressureCPU: 100 * r.Float64(), PressureMemory: math.NaN(), PressureIO: r.Float64(),
	}
	if r.IntN(5) == 0 {
		x.DiskWrite = 4096
	}
	if r.IntN(9) == 0 { // a node without PSI
		x.PressureCPU, x.PressureIO = math.NaN(), math.NaN()
	}
	if r.IntN(20) == 0 {
		x.NetIn = math.NaN()
	}
	if r.IntN(7) == 0 {
		x.Mem = s.maxMem / 2
	}
	return x
}

// TestRunningFeaturesMatchScanAndDefinition follows containers through
// hours of passes, with resizes, unknown rates, ticks without a sample (a
// stopped container is still scored), samples closer than the interval
// (the ring drops by capacity before age), backfills merged in and passes
// at an earlier time: at every pass the running aggregates, a scan of the
// window and the plain definition give the same features.
func TestRunningFeaturesMatchScanAndDefinition(t *testing.T) {
	for _, tc := range []struct {
		name                  string
		seed                  uint64
		capacity              int
		interval, short, span time.Duration
	}{
		{"defaults", 1, 368, 10 * time.Second, 5 * time.Minute, time.Hour},
		{"ring fuller than the span", 2, 100, 10 * time.Second, 5 * time.Minute, time.Hour},
		{"1 s ticks", 3, 610, time.Second, time.Minute, 10 * time.Minute},
		{"short is the window", 4, 368, 10 * time.Second, time.Hour, time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rnd := rand.New(rand.NewPCG(tc.seed, 99))
			src := &stream{rnd: rnd, cores: 2, maxMem: 1 << 30, maxDisk: 8 << 30, disk: 2 << 30}
			w := newWindow(tc.span, tc.capacity)
			s := &featureScratch{}
			now := t0
			passes := int(3 * tc.span / tc.interval)
			for pass := range passes {
				now = now.Add(tc.interval + time.Duration(rnd.IntN(3)-1)*time.Second)
				switch k := rnd.IntN(200); {
				case k < 12: // stopped: no sample this tick
				case k < 14: // a backfill of older samples
					var older []Sample
					for i := range 20 {
						older = append(older, src.next(now.Add(-tc.span*5/6-time.Duration(i)*tc.span/60)))
					}
					w.Merge(older)
				case k < 16 && pass > 0: // a pass at an earlier time
					end := now.Add(-time.Duration(1+rnd.IntN(600)) * time.Second)
					check(t, w, s, end, tc.short, tc.span, pass)
				default:
					w.Add(src.next(now))
				}
				check(t, w, s, now, tc.short, tc.span, pass)
				if t.Failed() {
					return
				}
			}
		})
	}
}

func nanTo0(v float64) float64 {
	if v != v {
		return 0
	}
	return v
}

func check(t *testing.T, w *window, s *featureScratch, end time.Time, short, long time.Duration, pass int) {
	t.Helper()
	running := computeFeatures(w, w.Len(), end, short, long, s)
	scanned := scanFeatures(w, w.Len(), end.Unix(), int64(short/time.Second), int64(long/time.Second), s)
	if d := diffFeatures(running, scanned); d != "" {
		t.Errorf("pass %d: running / scanned: %s", pass, d)
	}
	if pass%7 != 0 {
		return
	}
	samples := make([]Sample, w.Len())
	for i := range samples {
		samples[i] = w.At(i)
	}
	def := referenceFeatures(samples, end, short, long)
	if d := diffFeatures(scanned, def); d != "" {
		t.Errorf("pass %d: scanned / definition: %s", pass, d)
	}
}
