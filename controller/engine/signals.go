package engine

import (
	"math"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine/codes"
	"github.com/lxc-autoscale/lxc-autoscale/controller/engine/near"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// signals is what Decide needs of the container: its newest cpu and
// memory points, and its window as a scaling.History for the rest, which
// Decide reads only for a resource on its way to a change (most
// containers lean nowhere, most passes). The History is h, the walk's
// own (a shard's: shard.go), reused: Decide keeps nothing of it.
func (e *Engine) signals(h *windowHistory, tr *Container, r scaling.Rules, now time.Time) scaling.Signals {
	w := tr.Window
	h.w, h.now, h.cores, h.Recommender, h.seasons = w, now, float64(tr.Alloc.Cores), &tr.Usage, &tr.seasons
	if c := h.seasons; c.of != w {
		*c = seasons{of: w}
	}
	h.step = max(int64(e.opts.Interval/time.Second), 1)
	// The span Decide can look at: the longest period it judges and two
	// intervals, for a sample that comes a little late.
	span := max(r.StabilizationUp, r.StabilizationDown) + 2*e.opts.Interval
	h.spanSec, h.spanFrom = now.Add(-span).Unix(), -1
	h.newest = w.Len() - 1
	for h.newest >= 0 && w.secAt(h.newest) > now.Unix() { // a clock that went back (whole seconds: after now)
		h.newest--
	}
	sig := scaling.Signals{
		VMID: tr.VMID, Node: tr.Node, Running: tr.Status == "running", Alloc: tr.Alloc,
		SwapUsed: tr.Last.Swap, DiskUsed: tr.Last.Disk, DiskSize: tr.Last.MaxDisk,
		CoresMax: tr.CoresMax(),
		Score:    tr.Score, AnomalousSince: tr.AnomalousSince, Activity: tr.Features.Activity(),
		History: h,
	}
	if i := h.newest; h.inSpan(i) {
		at := w.timeAt(i)
		h.cpuNewest[0] = scaling.Point{Time: at, Value: h.utilisation(i)}
		h.memNewest[0] = scaling.Point{Time: at, Value: float64(memoryBytes(w, i))}
		sig.CPU, sig.Memory = h.cpuNewest[:], h.memNewest[:]
		p := &w.ring[w.slot(i)] // its pressures as At decodes them, not the whole sample
		sig.PressureCPU, sig.PressureMemory, sig.PressureIO = codes.FromCenti(p.psiCPU), codes.FromCenti(p.psiMem), codes.FromCenti(p.psiIO)
	}
	// A disk past its threshold, below its max, brings its use over the
	// window: a growth is sized from its fill rate (Disk).
	k := r.Disk
	h.diskOK = k.Enabled && tr.Alloc.DiskBytes < k.Max && float64(tr.Last.Disk) >= k.Threshold*float64(tr.Last.MaxDisk)
	if f := tr.Facts; f.HoldsFor(tr.Last) {
		sig.CoresUnmanaged, sig.DiskUnmanaged = f.CoresUnmanaged(), f.DiskUnmanaged()
	}
	return sig
}

// Disk is the root filesystem's use over the window of a disk past its
// threshold and below its max, nil for another (scaling.DiskHistory): read
// only when Decide sizes a growth, not while it waits for its cooldown.
func (h *windowHistory) Disk() scaling.Series {
	if !h.diskOK {
		return nil
	}
	w := h.w
	h.disk = h.disk[:0]
	for i := 0; i <= h.newest; i++ {
		h.disk = append(h.disk, scaling.Point{Time: w.timeAt(i), Value: float64(uint64(w.ring[w.slot(i)].diskMiB()) << 20)})
	}
	return h.disk
}

// windowHistory reads a container's window for Decide (scaling.History):
// the samples of the span before now, as utilisation and memory points
// computed as Decide reads them.
type windowHistory struct {
	w     *window
	now   time.Time
	cores float64 // allocated now
	// spanSec is the span's first second; spanFrom its first sample, found
	// when first asked (span: -1 until then), newest the newest sample at
	// or before now (-1: none). Most decisions read only the newest, whose
	// place in the span its own time tells: the search for the span's start
	// reads samples 45 minutes back, a cache miss or two each at 10,000
	// containers, for the decisions on their way to a change alone.
	spanSec          int64
	spanFrom, newest int
	// step is the interval in seconds, which samples are mostly apart:
	// where a search starts.
	step int64
	// What Decide is given, reused: it keeps nothing.
	cpuNewest, memNewest [1]scaling.Point
	cpu, mem             windowPoints
	disk                 scaling.Series
	diskOK               bool // Disk reads the window
	scaling.Recommender       // the container's Usage
	seasons              *seasons
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

// inSpan reports whether sample i (-1: none) is in the span, at or after
// its first: by its own time, as the samples' times do not go down.
func (h *windowHistory) inSpan(i int) bool { return i >= 0 && h.w.secAt(i) >= h.spanSec }

// span is the span's first sample.
func (h *windowHistory) span() int {
	if h.spanFrom < 0 {
		h.spanFrom = near.Search(0, h.w.Len(), h.guess(h.spanSec), func(i int) bool { return h.w.secAt(i) < h.spanSec })
	}
	return h.spanFrom
}

// from is the first sample the points for the last d start at: the newest
// at or before now-d, or the span's first when there is none or it is the
// newest at or before now (scaling.History).
func (h *windowHistory) from(d time.Duration) int {
	if !h.inSpan(h.newest) {
		return h.span()
	}
	// The first sample up to the newest that is after now-d, less one:
	// searched over all of them, it is the same sample when in the span,
	// which its time tells, and the span's start is looked for only when
	// it is not.
	// A sample's time is whole seconds: it is after start when its
	// second is after start's (rounded down).
	start := h.now.Add(-d).Unix()
	if start < h.spanSec { // the sample at or before it is too
		return h.span()
	}
	i := near.Search(0, h.newest+1, h.guess(start)+1, func(i int) bool { return h.w.secAt(i) <= start }) - 1
	if i == h.newest || !h.inSpan(i) {
		return h.span()
	}
	return i
}

// guess is where the newest sample at or before sec would be if the
// samples were step apart to the newest.
func (h *windowHistory) guess(sec int64) int {
	n := h.w.Len()
	if n == 0 {
		return 0
	}
	back := floorDiv(h.w.secAt(n-1)-sec, h.step)
	return n - 1 - int(min(max(back, -1), int64(n)))
}

func (h *windowHistory) CPU(d time.Duration) scaling.Points {
	h.cpu = windowPoints{h: h, first: h.from(d)}
	return &h.cpu
}

func (h *windowHistory) Memory(d time.Duration) scaling.Points {
	h.mem = windowPoints{h: h, first: h.from(d), memory: true}
	return &h.mem
}

// Peaks are the most memory and cores the whole window used.
func (h *windowHistory) Peaks() (memory uint64, cpu float64) { return h.w.peaks() }

// windowPoints are the window's samples from first on, as utilisation or
// memory bytes (scaling.Points).
type windowPoints struct {
	h      *windowHistory
	first  int
	memory bool
}

func (p *windowPoints) Len() int             { return p.h.w.Len() - p.first }
func (p *windowPoints) Time(i int) time.Time { return p.h.w.timeAt(p.first + i) }
func (p *windowPoints) Value(i int) float64 {
	if p.memory {
		return float64(memoryBytes(p.h.w, p.first+i))
	}
	return p.h.utilisation(p.first + i)
}

// Search is the first of points i to j-1 at or after t, or after t
// (scaling.Points): a time is whole seconds, so the first at or after
// the second c, found from where the interval puts it rather than by
// halving the span (a decrease looks for the start of five periods).
func (p *windowPoints) Search(i, j int, t time.Time, after bool) int {
	c := t.Unix() + 1
	if !after && t.Nanosecond() == 0 {
		c = t.Unix()
	}
	w, f := p.h.w, p.first
	return near.Search(i, j, p.h.guess(c-1)+1-f, func(k int) bool { return w.secAt(f+k) < c })
}

// AtLeast is how many of the newest points are at or above line in a row
// (relief.Counter): fast relief's pinned run, every pass while a pinned
// container waits for its cooldown or the guard.
func (p *windowPoints) AtLeast(line float64) int { return p.pinned(0, p.Len(), line) }

// pinned is how many of points i to j-1, from j-1 back, are at or above
// line in a row: an extremes block whose lowest is passes whole, so that
// a container pinned for the hour costs a dozen reads rather than 360.
func (p *windowPoints) pinned(i, j int, line float64) int {
	w, k := p.h.w, j
	for k > i {
		seq := w.first + uint64(p.first+k) // after point k-1's sample
		start := (seq - 1) / blockLen * blockLen
		if b := int(start-w.first) - p.first; len(w.blocks) > 0 && start >= w.first && b >= i && (seq%blockLen == 0 || p.first+k == w.n) {
			x := w.blocks[(start/blockLen)%uint64(len(w.blocks))]
			lo := x.cpuLo // where the block's lowest is: its value is the scan's
			if p.memory {
				lo = x.memLo
			}
			if p.Value(b+int(lo)) >= line {
				k = b
				continue
			}
		}
		if !(p.Value(k-1) >= line) {
			break
		}
		k--
	}
	return j - k
}

// shortPeriod is the most points Extremes reads one by one: a scale-up's
// half minute costs less read than looked up in blocks.
const shortPeriod = 32

// Extremes of more points to the newest are read from the window's
// extremes blocks (a decrease judges the 45 minutes before every pass);
// others one by one.
func (p *windowPoints) Extremes(i, j int) (lo, hi float64) {
	w := p.h.w
	if i >= j {
		return math.NaN(), math.NaN()
	}
	if p.first+j != w.Len() || j-i <= shortPeriod {
		lo, hi = p.Value(i), p.Value(i)
		for k := i + 1; k < j; k++ {
			v := p.Value(k)
			lo, hi = min(lo, v), max(hi, v)
		}
		return lo, hi
	}
	lo, hi = w.period(p.first+i, p.memory)
	if !p.memory {
		// The utilisation of busy cores against the cores allocated now:
		// dividing is monotonic, so the extremes divide.
		if p.h.cores <= 0 {
			return 0, 0
		}
		lo, hi = lo/p.h.cores, hi/p.h.cores
	}
	return lo, hi
}

// busyCores and memoryBytes are the two values of a stored sample that
// signals read.
func busyCores(w *window, i int) float64  { return w.cpuAt(i) }
func memoryBytes(w *window, i int) uint64 { return w.memAt(i) }

// TrendSums are scaling's sums over Time and Value (trend.Summer),
// bit for bit: the same operations in the same order, x the difference of
// whole seconds, without a time.Time per point. A decrease reads them over
// 45 minutes every pass: the ring is walked in its (at most two) runs,
// with the window's fields read once, not per point.
func (p *windowPoints) TrendSums(i, j int) (sx, sy, sxx, sxy float64) {
	w, cores, memory := p.h.w, p.h.cores, p.memory
	if i >= j {
		return 0, 0, 0, 0
	}
	if memory && p.first+j == w.Len() {
		if sx, sy, sxx, sxy, ok := w.memTrend(p.first + i); ok {
			return sx, sy, sxx, sxy
		}
	}
	lastU, low, unit := w.lastU, uint16(w.lastU), w.unit // secOf's
	from := w.slot(p.first + i)
	s0 := w.secOf(&w.ring[from])
	for n := j - i; n > 0; from = 0 {
		run := w.ring[from:min(from+n, len(w.ring))]
		n -= len(run)
		for k := range run {
			s := &run[k]
			x, y := float64((lastU-int64(low-s.at))*unit-s0), float64(uint64(s.memKiB())<<10)
			if !memory {
				y = 0
				if cores > 0 {
					y = float64(s.cpu()) / cores
				}
			}
			sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
		}
	}
	return sx, sy, sxx, sxy
}
