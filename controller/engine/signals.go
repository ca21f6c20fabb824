package engine

import (
	"sort"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// signals is what Decide needs of the container: its newest cpu and
// memory points, and its window as a scaling.History for the rest, which
// Decide reads only for a resource on its way to a change (most
// containers lean nowhere, most passes). The History is the engine's
// own, reused: Decide keeps nothing of it.
func (e *Engine) signals(tr *Container, r scaling.Rules, now time.Time) scaling.Signals {
	w := tr.Window
	h := &e.history
	h.w, h.now, h.cores, h.timesFrom = w, now, float64(tr.Alloc.Cores), -1
	// The span Decide can look at: the longest period it judges and two
	// intervals, for a sample that comes a little late.
	span := max(r.StabilizationUp, r.StabilizationDown, e.anomalyRise()) + 2*e.opts.Interval
	h.spanFrom = w.Since(now.Add(-span))
	h.newest = w.Len() - 1
	for h.newest >= 0 && w.timeAt(h.newest).After(now) { // a clock that went back
		h.newest--
	}
	sig := scaling.Signals{
		VMID: tr.VMID, Node: tr.Node, Running: tr.Status == "running", Alloc: tr.Alloc,
		SwapUsed: tr.Last.Swap, DiskUsed: tr.Last.Disk, DiskSize: tr.Last.MaxDisk,
		CoresMax: tr.CoresMax(),
		Score:    tr.Score, AnomalousSince: tr.AnomalousSince,
		History: h,
	}
	if i := h.newest; i >= h.spanFrom {
		at := w.timeAt(i)
		h.cpuNewest[0] = scaling.Point{Time: at, Value: h.utilisation(i)}
		h.memNewest[0] = scaling.Point{Time: at, Value: float64(memoryBytes(w, i))}
		sig.CPU, sig.Memory = h.cpuNewest[:], h.memNewest[:]
	}
	if f := tr.Facts; f.HoldsFor(tr.Last) {
		sig.CoresUnmanaged, sig.DiskUnmanaged = f.CoresUnmanaged(), f.DiskUnmanaged()
	}
	return sig
}

// windowHistory reads a container's window for Decide (scaling.History):
// the samples of the span before now, as utilisation and memory series.
type windowHistory struct {
	w     *window
	now   time.Time
	cores float64 // allocated now
	// spanFrom is the first sample of the span, newest the newest at or
	// before now (-1: none).
	spanFrom, newest int
	// Buffers: Decide keeps nothing it is given. times are the times of
	// the samples from timesFrom on (-1: none yet), which the cpu and the
	// memory series of one decision share.
	cpuNewest, memNewest [1]scaling.Point
	cpu, mem             scaling.Series
	times                []time.Time
	timesFrom            int
}

// utilisation is sample i's busy cores over the cores allocated now, not
// then: after a resize the older samples no longer count as past the
// threshold, so a new change needs new evidence.
func (h *windowHistory) utilisation(i int) float64 {
	if h.cores <= 0 {
		return 0
	}
	return busyCores(h.w, i) / h.cores
}

// from is the first sample a series for the last d starts at: the newest
// at or before now-d, or the span's first when there is none or it is the
// newest at or before now (scaling.History).
func (h *windowHistory) from(d time.Duration) int {
	if h.newest < h.spanFrom {
		return h.spanFrom
	}
	// The first sample of the span's part up to the newest that is after
	// now-d, less one.
	start := h.now.Add(-d)
	i := h.spanFrom + sort.Search(h.newest+1-h.spanFrom, func(k int) bool { return h.w.timeAt(h.spanFrom + k).After(start) }) - 1
	if i < h.spanFrom || i == h.newest {
		return h.spanFrom
	}
	return i
}

// timesFor returns the times of the samples from first on.
func (h *windowHistory) timesFor(first int) []time.Time {
	if h.timesFrom < 0 || first < h.timesFrom {
		h.times = h.times[:0]
		for i := first; i < h.w.Len(); i++ {
			h.times = append(h.times, h.w.timeAt(i))
		}
		h.timesFrom = first
	}
	return h.times[first-h.timesFrom:]
}

func (h *windowHistory) CPU(d time.Duration) scaling.Series {
	first := h.from(d)
	h.cpu = h.cpu[:0]
	for k, t := range h.timesFor(first) {
		h.cpu = append(h.cpu, scaling.Point{Time: t, Value: h.utilisation(first + k)})
	}
	return h.cpu
}

func (h *windowHistory) Memory(d time.Duration) scaling.Series {
	first := h.from(d)
	h.mem = h.mem[:0]
	for k, t := range h.timesFor(first) {
		h.mem = append(h.mem, scaling.Point{Time: t, Value: float64(memoryBytes(h.w, first+k))})
	}
	return h.mem
}

// Peaks are the most memory and cores the whole window used.
func (h *windowHistory) Peaks() (memory uint64, cpu float64) {
	for i := range h.w.Len() {
		memory = max(memory, memoryBytes(h.w, i))
		cpu = max(cpu, busyCores(h.w, i))
	}
	return memory, cpu
}

// busyCores and memoryBytes are the two values of a stored sample that
// signals read.
func busyCores(w *window, i int) float64  { return w.cpuAt(i) }
func memoryBytes(w *window, i int) uint64 { return w.memAt(i) }
