package features

import (
	"math"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
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
	// CoresShort and CoresLong are the mean busy cores (not a ratio: a
	// resize does not move them); CoresCalm is that of the long period's
	// samples below CalmShare of the cores allocated then, Calm how many
	// of those there were. What a runaway process is told by (Activity).
	CoresShort, CoresLong, CoresCalm float64
	Calm                             int
}

// CalmShare is the utilisation below which a sample is calm: not pinned
// at its allocation, so its busy cores are what the container wanted.
const CalmShare = 0.9

// Width is the width of the vector the anomaly model sees.
const Width = 14

// ModelVector writes the features the anomaly model is trained and scored
// on. They are chosen to be comparable across containers (one pooled
// model): utilisations, their change from the container's own long-run
// level, trends, and log-scaled rate changes; never raw cumulative
// counters or absolute sizes. The last two are the rise of the busy
// cores that memory, io and network did not share, over the window's mean
// and over its calm level (scaling.Activity): a process that burns every
// core it is given while nothing else moves, where real demand moves the
// rest with it.
func (f *Features) ModelVector(v []float64) []float64 {
	alone, aboveCalm := f.Activity().CPURises()
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
		alone,
		aboveCalm,
	)
}

// clampTrend keeps a slope fitted on few points from dominating the model.
func clampTrend(t float64) float64 { return max(-10, min(10, t)) }

// Activity is what the runaway rule and the model's last two features
// read of the features (scaling.Activity).
func (f *Features) Activity() scaling.Activity {
	a := scaling.Activity{
		CoresShort: f.CoresShort, CoresLong: f.CoresLong, CoresCalm: f.CoresCalm,
		MemShort: f.MemoryShort.Mean, MemLong: f.MemoryLong.Mean,
		IOShort: f.IORate, IOLong: f.IORateLong, NetShort: f.NetRate, NetLong: f.NetRateLong,
	}
	if f.CPULong.N > 0 {
		a.CalmShare = float64(f.Calm) / float64(f.CPULong.N)
	}
	return a
}
