package engine

import (
	"unsafe"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine/codes"
	"github.com/lxc-autoscale/lxc-autoscale/controller/engine/lsq"
	"github.com/lxc-autoscale/lxc-autoscale/controller/engine/topk"
)

// statsOf are the Stats of m with x taken from d seconds after the
// origin, and p95.
func statsOf(m *lsq.Moments, d int64, p95 float64) Stats {
	if m.N == 0 {
		return Stats{}
	}
	mean, std, perHour := m.Stats(d)
	return Stats{Mean: mean, P95: p95, N: m.N, Std: std, Trend: perHour}
}

// mean averages the finite values it holds (rates are NaN when unknown).
type mean struct {
	n   int
	sum float64
}

// apply adds v when s is 1 and takes it out when s is -1, if v is finite.
func (m *mean) apply(v float64, s int64) {
	if v-v == 0 {
		m.n += int(s)
		m.sum += float64(s) * v
	}
}

func (m *mean) value() float64 {
	if m.n == 0 {
		return 0
	}
	return m.sum / float64(m.n)
}

// obs is what the features take from one sample.
type obs struct {
	x            int64 // seconds from the origin
	cpu, mem     float64
	cores        float64 // busy: cpu is this over the cores allocated then
	disk         float64
	hasDisk      bool
	io, net, psi float64
}

// period aggregates the samples of one period: seqs first .. rolling.next.
type period struct {
	first          uint64
	cpu, mem       lsq.Moments
	io, net        mean
	cores          float64 // the sum of the busy cores, of cpu.N samples
	cpuTop, memTop topk.Top
}

// apply adds o when s is 1 and takes it out when s is -1.
func (p *period) apply(o *obs, s int64) {
	p.cpu.Apply(o.x, o.cpu, s)
	p.mem.Apply(o.x, o.mem, s)
	p.cores += float64(s) * o.cores
	p.io.apply(o.io, s)
	p.net.apply(o.net, s)
	if s > 0 {
		p.cpuTop.Insert(o.cpu)
		p.memTop.Insert(o.mem)
	} else {
		p.cpuTop.Remove(o.cpu)
		p.memTop.Remove(o.mem)
	}
}

// coresMean is the mean busy cores of the period's samples.
func (p *period) coresMean() float64 {
	if p.cpu.N == 0 {
		return 0
	}
	return p.cores / float64(p.cpu.N)
}

// reset empties the period, keeping the lists' memory.
func (p *period) reset(first uint64, n, headroom int) {
	cpu, mem := p.cpuTop, p.memTop
	*p = period{first: first, cpuTop: cpu, memTop: mem}
	limit := n - topk.P95Index(n) + headroom
	p.cpuTop.Reset(limit)
	p.memTop.Reset(limit)
}

// rolling are the aggregates the features of a pass are read from, for
// the long and the short period before the time they were last read at
// (end). Samples enter both as the window takes them and leave as the
// window drops them or end moves past them, so a pass costs O(1) per
// sample that came or went, not O(window). The sums are rebuilt from the
// window when the origin of x is far behind end (every two to three
// windows, at a point that differs from container to container), which
// keeps x*y sums small.
type rolling struct {
	built             bool
	shortSec, longSec int64
	origin, end       int64
	rebuildAfter      int64 // end - origin beyond which the sums are rebuilt
	next              uint64
	long, short       period
	disk              lsq.Moments // of the long period, samples with a disk size
	// calm and calmN are the sum of the busy cores of the long period's
	// calm samples and how many they are.
	calm  float64
	calmN int
	psi   mean // of the short period
}

// applyLong and applyShort add o to (s 1) or take it out of (s -1) the
// long or the short period.
func (r *rolling) applyLong(o *obs, s int64) {
	r.long.apply(o, s)
	if o.hasDisk {
		r.disk.Apply(o.x, o.disk, s)
	}
	if o.cpu < calmShare {
		r.calm += float64(s) * o.cores
		r.calmN += int(s)
	}
}

func (r *rolling) applyShort(o *obs, s int64) {
	r.short.apply(o, s)
	r.psi.apply(o.psi, s)
}

// headroom is how many more of the largest values than the percentile
// needs the running lists keep, so that they refill from the window only
// after that many of them have left.
func headroom(n int) int { return (n-topk.P95Index(n))/2 + 4 }

func (r *rolling) reset() { r.built = false }

func (r *rolling) bytes() int {
	b := int(unsafe.Sizeof(float64(0)))
	return b * (r.long.cpuTop.Cap() + r.long.memTop.Cap() + r.short.cpuTop.Cap() + r.short.memTop.Cap())
}

// obsOf reads the sample numbered seq.
func (r *rolling) obsOf(w *window, seq uint64, o *obs) {
	r.obsUnder(w, seq, w.limitsOf(seq), o)
}

// obsUnder reads the sample numbered seq, taken under l.
func (r *rolling) obsUnder(w *window, seq uint64, l *limits, o *obs) {
	p := &w.ring[w.slot(int(seq-w.first))]
	*o = obs{
		x:   w.secOf(p) - r.origin,
		io:  codes.FromFloat16(p.io) / rateScale,
		net: codes.FromFloat16(p.net) / rateScale,
		psi: codes.MaxCenti(p.psiCPU, p.psiMem, p.psiIO),
	}
	o.cores = float64(p.cpu())
	if l.cores > 0 {
		o.cpu = o.cores / float64(l.cores)
	}
	if l.maxMemKiB > 0 {
		o.mem = float64(p.memKiB()) / float64(l.maxMemKiB)
	}
	if l.maxDiskMiB > 0 {
		o.disk, o.hasDisk = float64(p.diskMiB())/float64(l.maxDiskMiB), true
	}
}

// build aggregates the samples first..last (indexes) for features at
// endSec; running sizes the lists with headroom and sets when to rebuild,
// for the window's own aggregates.
func (r *rolling) build(w *window, first, last int, endSec, shortSec, longSec int64, running bool) {
	r.built, r.shortSec, r.longSec = true, shortSec, longSec
	r.origin, r.end = endSec, endSec
	r.next = w.first + uint64(last)
	shortFirst := max(first, w.sinceSec(endSec-shortSec+1))
	nl, ns := last-first, last-shortFirst
	hl, hs := 0, 0
	if running {
		hl, hs = headroom(nl), headroom(ns)
		// Two to three windows before the next rebuild, differently for
		// every container (the bits of its newest sample).
		p := &w.ring[w.slot(max(last-1, 0))]
		r.rebuildAfter = 2*longSec + int64(p.cpuLo^p.memLo)%max(longSec, 1)
	}
	r.long.reset(w.first+uint64(first), nl, hl)
	r.short.reset(w.first+uint64(shortFirst), ns, hs)
	r.disk, r.psi, r.calm, r.calmN = lsq.Moments{}, mean{}, 0, 0
	var o obs
	j := 0 // the run of limits of sample i: a walk instead of a search
	for i := first; i < last; i++ {
		seq := w.first + uint64(i)
		for j+1 < len(w.lims) && w.lims[j+1].from <= seq {
			j++
		}
		r.obsUnder(w, seq, &w.lims[j], &o)
		r.applyLong(&o, 1)
		if i >= shortFirst {
			r.applyShort(&o, 1)
		}
	}
}

// refill rebuilds the lists of p from the window, when too many of its
// largest values have left.
func (r *rolling) refill(w *window, p *period) {
	n := int(r.next - p.first)
	limit := n - topk.P95Index(n) + headroom(n)
	p.cpuTop.Reset(limit)
	p.memTop.Reset(limit)
	var o obs
	for seq := p.first; seq < r.next; seq++ {
		r.obsOf(w, seq, &o)
		p.cpuTop.Insert(o.cpu)
		p.memTop.Insert(o.mem)
	}
}

// added takes the sample numbered seq into both periods.
func (r *rolling) added(w *window, seq uint64) {
	if !r.built {
		return
	}
	var o obs
	r.obsOf(w, seq, &o)
	r.applyLong(&o, 1)
	r.applyShort(&o, 1)
	r.next = seq + 1
}

// dropped takes the window's oldest sample, numbered seq, out before the
// window lets it go.
func (r *rolling) dropped(w *window, seq uint64) {
	if !r.built || seq < r.long.first {
		return
	}
	var o obs
	r.obsOf(w, seq, &o)
	r.applyLong(&o, -1)
	r.long.first = seq + 1
	if seq >= r.short.first {
		r.applyShort(&o, -1)
		r.short.first = seq + 1
	}
}

// advance moves end to endSec: the samples it leaves behind leave the
// periods.
func (r *rolling) advance(w *window, endSec int64) {
	var o obs
	for ; r.long.first < r.next; r.long.first++ {
		if w.secAt(int(r.long.first-w.first)) >= endSec-r.longSec {
			break
		}
		r.obsOf(w, r.long.first, &o)
		r.applyLong(&o, -1)
		if r.long.first >= r.short.first {
			r.applyShort(&o, -1)
			r.short.first = r.long.first + 1
		}
	}
	for ; r.short.first < r.next; r.short.first++ {
		if w.secAt(int(r.short.first-w.first)) > endSec-r.shortSec {
			break
		}
		r.obsOf(w, r.short.first, &o)
		r.applyShort(&o, -1)
	}
	r.end = endSec
}

// current brings the running aggregates to endSec and reads the features
// there; ok is false when end went back (a past point): scan instead. The
// aggregates are built from the window on first use, when the periods
// change, after a Merge, and when their origin is far behind.
func (r *rolling) current(w *window, endSec, shortSec, longSec int64) (f Features, ok bool) {
	stale := !r.built || r.shortSec != shortSec || r.longSec != longSec || endSec-r.origin > r.rebuildAfter
	switch {
	case stale:
		r.build(w, w.sinceSec(endSec-longSec), w.n, endSec, shortSec, longSec, true)
	case endSec < r.end:
		return Features{}, false
	default:
		r.advance(w, endSec)
	}
	return r.features(w, endSec), true
}

// features reads the features at endSec from what r holds.
func (r *rolling) features(w *window, endSec int64) Features {
	d := endSec - r.origin
	var f Features
	f.CPUShort = statsOf(&r.short.cpu, d, r.p95(w, &r.short, &r.short.cpuTop, r.short.cpu.N))
	f.MemoryShort = statsOf(&r.short.mem, d, r.p95(w, &r.short, &r.short.memTop, r.short.mem.N))
	f.CPULong = statsOf(&r.long.cpu, d, r.p95(w, &r.long, &r.long.cpuTop, r.long.cpu.N))
	f.MemoryLong = statsOf(&r.long.mem, d, r.p95(w, &r.long, &r.long.memTop, r.long.mem.N))
	f.DiskTrend = statsOf(&r.disk, d, 0).Trend
	f.IORate, f.IORateLong = r.short.io.value(), r.long.io.value()
	f.NetRate, f.NetRateLong = r.short.net.value(), r.long.net.value()
	f.Pressure = r.psi.value()
	f.CoresShort, f.CoresLong = r.short.coresMean(), r.long.coresMean()
	if f.Calm = r.calmN; f.Calm > 0 {
		f.CoresCalm = r.calm / float64(f.Calm)
	}
	f.DiskRatio = r.diskRatio(w)
	if r.short.first < r.next {
		seq := r.next - 1
		p := &w.ring[w.slot(int(seq-w.first))]
		if l := w.limitsOf(seq); l.maxSwapKiB > 0 {
			f.SwapRatio = codes.FromFloat16(p.swap) / float64(l.maxSwapKiB)
		}
	}
	return f
}

func (r *rolling) p95(w *window, p *period, t *topk.Top, n int) float64 {
	v, ok := t.P95(n)
	if !ok {
		r.refill(w, p)
		v, _ = t.P95(n)
	}
	return v
}

// diskRatio is the disk use over the size of the newest sample of the long
// period taken under a known size, found through the runs of limits.
func (r *rolling) diskRatio(w *window) float64 {
	for j := len(w.lims) - 1; j >= 0; j-- {
		l := &w.lims[j]
		end := r.next
		if j+1 < len(w.lims) {
			end = min(end, w.lims[j+1].from)
		}
		if l.maxDiskMiB == 0 || end == 0 || end-1 < max(l.from, r.long.first) {
			continue
		}
		p := &w.ring[w.slot(int(end-1-w.first))]
		return float64(p.diskMiB()) / float64(l.maxDiskMiB)
	}
	return 0
}
