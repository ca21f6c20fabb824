package ctview

import (
	"math"
	"time"
)

// Minutes is the length of a History: an hour of one-minute points.
const Minutes = 60

// History is a container's usage per minute over the hour ending at End
// (the start of the newest minute), oldest first: the highest CPU
// utilisation of the allocated cores and memory use of the limit seen in
// each minute, as fractions in [0, 1]; NaN where no pass saw it.
type History struct {
	End    time.Time
	CPU    [Minutes]float64
	Memory [Minutes]float64
}

// ring holds a History in 128 bytes: each minute's peak quantised to a
// byte (0: no sample, 1..255: 0..1), in slots indexed by minute modulo
// Minutes. A peak, not a mean: a sparkline is read for the load that
// made a change.
type ring struct {
	newest   int64 // unix minute of the newest sample; 0 before the first
	cpu, mem [Minutes]uint8
}

func quantise(f float64) uint8 {
	if f < 0 || math.IsNaN(f) {
		return 0
	}
	return 1 + uint8(math.Round(min(f, 1)*254))
}

func unquantise(q uint8) float64 {
	if q == 0 {
		return math.NaN()
	}
	return float64(q-1) / 254
}

// add folds a sample at now into its minute, clearing the minutes that
// passed without one. A clock that went back restarts the history.
func (r *ring) add(now time.Time, cpu, mem float64) {
	m := now.Unix() / 60
	switch {
	case r.newest == 0 || m < r.newest || m-r.newest >= Minutes:
		*r = ring{}
	default:
		for gap := r.newest + 1; gap <= m; gap++ {
			r.cpu[gap%Minutes], r.mem[gap%Minutes] = 0, 0
		}
	}
	r.newest = m
	slot := m % Minutes
	r.cpu[slot] = max(r.cpu[slot], quantise(cpu))
	r.mem[slot] = max(r.mem[slot], quantise(mem))
}

// read is the hour ending at now's minute.
func (r *ring) read(now time.Time) History {
	end := now.Unix() / 60
	h := History{End: time.Unix(end*60, 0).UTC()}
	for i := range Minutes {
		m := end - Minutes + 1 + int64(i)
		if r.newest == 0 || m > r.newest || m <= r.newest-Minutes {
			h.CPU[i], h.Memory[i] = math.NaN(), math.NaN()
			continue
		}
		h.CPU[i], h.Memory[i] = unquantise(r.cpu[m%Minutes]), unquantise(r.mem[m%Minutes])
	}
	return h
}
