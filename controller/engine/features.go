package engine

import (
	"math"
	"slices"
	"time"
)

// Stats summarise one metric over a period.
type Stats struct {
	Mean, P95, Std float64
	// Trend is the least-squares slope, in units per hour.
	Trend float64
	N     int
}

// Features describe a container's recent behaviour, computed from its
// window. Utilisations are ratios of the allocation (0..1, more when a
// container uses more than it is guaranteed), so containers of any size
// compare; rates are bytes per second.
type Features struct {
	CPUShort, CPULong       Stats
	MemoryShort, MemoryLong Stats
	SwapRatio               float64 // swap used / swap limit, 0 without swap
	DiskRatio               float64 // rootfs used / size, latest
	DiskTrend               float64 // change of DiskRatio per hour over the long period
	IORate, IORateLong      float64 // disk read + write, short and long means
	NetRate, NetRateLong    float64 // network in + out
	Pressure                float64 // largest PSI "some" of cpu, memory, io; short mean; 0 when absent
}

// NumModelFeatures is the width of the vector the anomaly model sees.
const NumModelFeatures = 12

// ModelVector writes the features the anomaly model is trained and scored
// on. They are chosen to be comparable across containers (one pooled
// model): utilisations, their change from the container's own long-run
// level, trends, and log-scaled rate changes; never raw cumulative
// counters or absolute sizes.
func (f *Features) ModelVector(v []float64) []float64 {
	return append(v[:0],
		f.CPUShort.Mean,
		f.CPUShort.P95,
		f.CPUShort.Mean-f.CPULong.Mean,
		f.CPUShort.Std,
		f.MemoryShort.Mean,
		f.MemoryShort.Mean-f.MemoryLong.Mean,
		clampTrend(f.MemoryLong.Trend),
		f.SwapRatio,
		math.Log1p(f.IORate)-math.Log1p(f.IORateLong),
		math.Log1p(f.NetRate)-math.Log1p(f.NetRateLong),
		f.Pressure,
		clampTrend(f.DiskTrend),
	)
}

// clampTrend keeps a slope fitted on few points from dominating the model.
func clampTrend(t float64) float64 { return max(-10, min(10, t)) }

// featureScratch is reusable memory for computeFeatures, one per goroutine.
type featureScratch struct {
	cpu, mem []float64
}

// computeFeatures summarises the samples of w in (end-long, end], the
// short period being the last short of it. last is the index just after the
// newest sample to consider.
func computeFeatures(w *window, last int, end time.Time, short, long time.Duration, s *featureScratch) Features {
	var f Features
	first := w.Since(end.Add(-long))
	var cpuLong, memLong, cpuShort, memShort moments
	var ioShort, ioLong, netShort, netLong, psiShort mean
	var diskTrend moments
	s.cpu, s.mem = s.cpu[:0], s.mem[:0]
	// Times as seconds from the window's base, so the loop does integer
	// comparisons instead of time.Time arithmetic.
	endAt := int64(end.Sub(w.base) / time.Second)
	shortAt := endAt - int64(short/time.Second)
	for i := first; i < last; i++ {
		p := w.packedAt(i)
		hours := float64(int64(p.at)-endAt) / 3600 // <= 0
		cpu := 0.0
		if p.cores > 0 {
			cpu = float64(p.cpu) / float64(p.cores)
		}
		mem := 0.0
		if p.maxMemKiB > 0 {
			mem = float64(p.memKiB) / float64(p.maxMemKiB)
		}
		cpuLong.add(hours, cpu)
		memLong.add(hours, mem)
		io := float64(p.diskRead) + float64(p.diskWrite)
		net := float64(p.netIn) + float64(p.netOut)
		ioLong.add(io)
		netLong.add(net)
		if p.maxDiskMiB > 0 {
			f.DiskRatio = float64(p.diskMiB) / float64(p.maxDiskMiB)
			diskTrend.add(hours, f.DiskRatio)
		}
		if int64(p.at) > shortAt {
			cpuShort.add(hours, cpu)
			memShort.add(hours, mem)
			ioShort.add(io)
			netShort.add(net)
			psi := max(nanTo0(p.psiCPU), nanTo0(p.psiMemory), nanTo0(p.psiIO))
			psiShort.add(psi)
			if p.maxSwapKiB > 0 {
				f.SwapRatio = float64(p.swapKiB) / float64(p.maxSwapKiB)
			} else {
				f.SwapRatio = 0
			}
		}
		s.cpu = append(s.cpu, cpu)
		s.mem = append(s.mem, mem)
	}
	// The short period is the tail of the long one: its percentile first,
	// since selecting over the whole reorders the tail.
	nShort := cpuShort.n
	f.CPUShort = cpuShort.stats(p95(s.cpu[len(s.cpu)-nShort:]))
	f.MemoryShort = memShort.stats(p95(s.mem[len(s.mem)-nShort:]))
	f.CPULong = cpuLong.stats(p95(s.cpu))
	f.MemoryLong = memLong.stats(p95(s.mem))
	f.DiskTrend = diskTrend.stats(0).Trend
	f.IORate, f.IORateLong = ioShort.value(), ioLong.value()
	f.NetRate, f.NetRateLong = netShort.value(), netLong.value()
	f.Pressure = psiShort.value()
	return f
}

func nanTo0(v float32) float64 {
	if v != v {
		return 0
	}
	return float64(v)
}

// moments accumulates what mean, standard deviation and a least-squares
// slope need, in one pass.
type moments struct {
	n                     int
	sx, sy, sxx, sxy, syy float64
}

func (m *moments) add(x, y float64) {
	m.n++
	m.sx += x
	m.sy += y
	m.sxx += x * x
	m.sxy += x * y
	m.syy += y * y
}

func (m *moments) stats(p95 float64) Stats {
	if m.n == 0 {
		return Stats{}
	}
	n := float64(m.n)
	mean := m.sy / n
	st := Stats{Mean: mean, P95: p95, N: m.n, Std: math.Sqrt(max(0, m.syy/n-mean*mean))}
	if den := n*m.sxx - m.sx*m.sx; m.n > 1 && den > 1e-12 {
		st.Trend = (n*m.sxy - m.sx*m.sy) / den
	}
	return st
}

// mean averages the finite values it is given (rates are NaN when unknown).
type mean struct {
	n   int
	sum float64
}

func (m *mean) add(v float64) {
	if v-v == 0 {
		m.n++
		m.sum += v
	}
}

func (m *mean) value() float64 {
	if m.n == 0 {
		return 0
	}
	return m.sum / float64(m.n)
}

// p95 is the 95th percentile (nearest rank) of vals, which it reorders.
func p95(vals []float64) float64 {
	if len(vals) == 0 {
		return 0
	}
	k := int(math.Ceil(0.95*float64(len(vals)))) - 1
	if len(vals) <= 32 {
		slices.Sort(vals)
		return vals[k]
	}
	return selectKth(vals, k)
}

// selectKth returns the k-th smallest value of vals (reordering it) in
// linear expected time: Hoare's selection with a median-of-three pivot.
func selectKth(vals []float64, k int) float64 {
	lo, hi := 0, len(vals)-1
	for lo < hi {
		mid := lo + (hi-lo)/2
		a, b, c := vals[lo], vals[mid], vals[hi]
		pivot := max(min(a, b), min(max(a, b), c))
		i, j := lo, hi
		for i <= j {
			for vals[i] < pivot {
				i++
			}
			for vals[j] > pivot {
				j--
			}
			if i <= j {
				vals[i], vals[j] = vals[j], vals[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return vals[k]
		}
	}
	return vals[k]
}
