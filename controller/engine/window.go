package engine

import (
	"cmp"
	"math"
	"slices"
	"time"
	"unsafe"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine/codes"
)

// Sample is one observation of a running container.
type Sample struct {
	Time time.Time
	// CPU is the number of cores busy (Proxmox's cpu fraction x cpus);
	// Cores the cores allocated.
	CPU, Cores float64
	// Bytes in use and limits.
	Mem, MaxMem, Swap, MaxSwap, Disk, MaxDisk uint64
	// Rates in bytes per second; NaN when unknown (the first sample, or
	// after a counter reset or a restart).
	NetIn, NetOut, DiskRead, DiskWrite float64
	// Pressure (PSI "some", as Proxmox reports it); NaN when absent.
	PressureCPU, PressureMemory, PressureIO float64
}

// CPUUtilisation is the share of the allocated cores in use.
func (s Sample) CPUUtilisation() float64 {
	if s.Cores <= 0 {
		return 0
	}
	return s.CPU / s.Cores
}

// MemoryUtilisation is used memory over the limit.
func (s Sample) MemoryUtilisation() float64 {
	if s.MaxMem == 0 {
		return 0
	}
	return float64(s.Mem) / float64(s.MaxMem)
}

// fineSample is a Sample as the window stores it, 26 bytes instead of 168
// (doc.go: the fine tier): what the decisions compare against thresholds
// (cores busy, memory, disk) exactly as before, rates and pressure in 16
// bits, the limits apart as change points. Every field is 16 bits wide so
// that the struct has no padding.
type fineSample struct {
	at                    uint16 // time in units of the window, modulo 2^16
	cpuHi, cpuLo          uint16 // float32 bits of the cores busy
	memHi, memLo          uint16 // KiB
	diskHi, diskLo        uint16 // MiB
	swap                  uint16 // KiB, codes.Float16
	net, io               uint16 // bytes/s in+out and read+write x rateScale, codes.Float16
	psiCPU, psiMem, psiIO uint16 // codes.Centi
}

func (p *fineSample) cpu() float32   { return math.Float32frombits(codes.Join32(p.cpuHi, p.cpuLo)) }
func (p *fineSample) memKiB() uint32 { return codes.Join32(p.memHi, p.memLo) }
func (p *fineSample) diskMiB() uint32 {
	return codes.Join32(p.diskHi, p.diskLo)
}

// rateScale is the unit of a stored rate: 1/16 byte per second, so that
// rates are exact to it up to 256 B/s and kept up to 275 GB/s.
const rateScale = 16

// limits are the allocation a run of samples was taken under: they change
// only when someone resizes the container, so they are kept once per run.
type limits struct {
	from                              uint64 // sequence number of the run's first sample
	cores                             float32
	maxMemKiB, maxSwapKiB, maxDiskMiB uint32
}

// sampleBytes, limitsBytes and tierPointBytes are the memory one stored
// sample, one change of limits and one point of a coarse tier take.
const (
	sampleBytes    = int(unsafe.Sizeof(fineSample{}))
	limitsBytes    = int(unsafe.Sizeof(limits{}))
	tierPointBytes = int(unsafe.Sizeof(tierPoint{}))
)

// window is a container's history: the fine tier, a ring of the samples of
// the last span (monitor.window) at the tick interval, oldest first; the
// coarse tiers (window_tiers.go) of days at ten minutes and of weeks at an hour,
// fed as samples arrive; and the running aggregates the features of every
// pass are read from (features_rolling.go). Not safe for concurrent use;
// the engine owns it.
//
// Samples are numbered in the order they enter (seq), which ties a sample
// to its limits and the running aggregates to the samples they hold.
type window struct {
	span time.Duration
	// unit is the resolution of the stored times in seconds: 1, or 2 when
	// span is longer than 2^16 s (18 h), so that a 16-bit code, taken
	// modulo 2^16 from the newest sample, always names one time.
	unit  int64
	loc   *time.Location // of the newest sample, for the times returned
	ring  []fineSample
	start int    // slot of the oldest sample
	n     int    // samples held
	first uint64 // seq of the oldest sample
	lastU int64  // time of the newest sample, in units since the epoch
	lims  []limits
	// blocks are where the extremes of each run of blockLen samples are
	// (peaks.go), for the peaks and periods Decide reads.
	blocks []block
	// peak holds the peaks as last read while peakOK: a new sample is
	// folded in exactly, one that may have been a peak leaving clears it
	// unless the newest holds that peak too.
	peak   extremes
	peakOK bool
	// spanOK (spanSums, spanExtreme), spanAt and spanFrom (the low 32
	// bits of its seq) are the cursor of agg (period.go): in the
	// padding after peakOK.
	spanOK   uint8
	spanAt   uint16
	spanFrom uint32
	agg      periodAgg
	tiers    tiers
	roll     rolling
}

func newWindow(span time.Duration, capacity int) *window {
	secs := int64(max(span, time.Second) / time.Second)
	return &window{
		span: span, unit: secs/(1<<16) + 1, loc: time.UTC,
		ring:   make([]fineSample, capacity),
		lims:   make([]limits, 0, 2), // a resize within the window is common
		blocks: make([]block, blockCount(capacity)),
		tiers:  newTiers(secs / int64(max(capacity, 1))),
	}
}

// Len is the number of samples held.
func (w *window) Len() int { return w.n }

// Resolution is the step of the times it keeps: a sample's time is
// rounded down to it.
func (w *window) Resolution() time.Duration { return time.Duration(w.unit) * time.Second }

// Bytes is the memory the window holds: itself, its fine tier, limits and
// extremes blocks, its coarse tiers and the running aggregates, as
// allocated.
func (w *window) Bytes() int {
	return int(unsafe.Sizeof(*w)) + cap(w.ring)*sampleBytes + cap(w.lims)*limitsBytes +
		w.blocksBytes() + w.tiers.bytes() + w.roll.bytes()
}

// Add appends s, dropping samples older than the span and, when full, the
// oldest, and feeds the coarse tiers. A sample not after the newest's
// stored time is ignored, so a backfill can never reorder the window.
func (w *window) Add(s Sample) {
	if w.append(s) {
		w.tiers.add(w.secAt(w.n-1), s.CPU, float64(s.Mem))
	}
}

// append is Add without the coarse tiers, for Merge; false when s was not
// taken.
func (w *window) append(s Sample) bool {
	sec := s.Time.Unix()
	u := sec
	if w.unit > 1 {
		u = floorDiv(sec, w.unit)
	}
	// As before the packing: a sample later in the newest one's second
	// (tests run passes within one) is taken, at the same stored time.
	if w.n > 0 && (u < w.lastU || u == w.lastU && sec == u*w.unit && s.Time.Nanosecond() == 0) {
		return false
	}
	oldest := u*w.unit - int64(w.span/time.Second)
	p := fineSample{
		at:     uint16(u),
		swap:   codes.Float16(float64(s.Swap >> 10)),
		net:    codes.Float16((s.NetIn + s.NetOut) * rateScale),
		io:     codes.Float16((s.DiskRead + s.DiskWrite) * rateScale),
		psiCPU: codes.Centi(s.PressureCPU), psiMem: codes.Centi(s.PressureMemory), psiIO: codes.Centi(s.PressureIO),
	}
	cpu := s.CPU
	if cpu != cpu {
		cpu = 0 // unknown: as a listing's CPUFraction has it
	}
	p.cpuHi, p.cpuLo = codes.Split32(math.Float32bits(float32(cpu)))
	p.memHi, p.memLo = codes.Split32(codes.Units(s.Mem, 10))
	p.diskHi, p.diskLo = codes.Split32(codes.Units(s.Disk, 20))
	for w.n > 0 && (w.n == len(w.ring) || w.secAt(0) < oldest) {
		w.dropOldest(&p)
	}
	if w.n == 0 {
		w.lims = w.lims[:0]
	}
	seq := w.first + uint64(w.n)
	lim := limits{
		from: seq, cores: float32(s.Cores),
		maxMemKiB: codes.Units(s.MaxMem, 10), maxSwapKiB: codes.Units(s.MaxSwap, 10), maxDiskMiB: codes.Units(s.MaxDisk, 20),
	}
	if k := len(w.lims); k == 0 || !sameLimits(w.lims[k-1], lim) {
		w.lims = append(w.lims, lim)
	}
	w.ring[w.slot(w.n)] = p
	w.peak.take(&p, &p)
	w.n++
	w.lastU = u
	w.loc = s.Time.Location()
	w.blocked(seq)
	w.roll.added(w, seq)
	w.spanAdd(&w.ring[w.slot(w.n-1)])
	return true
}

// dropOldest removes the oldest sample, from the running aggregates first;
// next (nil: none) is the sample that enters after it.
func (w *window) dropOldest(next *fineSample) {
	w.roll.dropped(w, w.first)
	if w.spanIndex() == 0 {
		w.spanForward(0)
	}
	if p := &w.ring[w.start]; (p.cpu() >= w.peak.cpuHi || p.memKiB() >= w.peak.memHi) && !w.peakStays(p, next) {
		w.peakOK = false
	}
	w.start++
	if w.start == len(w.ring) {
		w.start = 0
	}
	w.n--
	w.first++
	for len(w.lims) > 1 && w.lims[1].from <= w.first {
		w.lims = w.lims[:copy(w.lims, w.lims[1:])]
		// An hour of many resizes would keep its array for good: a
		// quarter used, half of it is kept.
		if c := cap(w.lims); c > 2 && 4*len(w.lims) <= c {
			w.lims = append(make([]limits, 0, max(2, 2*len(w.lims))), w.lims...)
		}
	}
}

func sameLimits(a, b limits) bool {
	return a.cores == b.cores && a.maxMemKiB == b.maxMemKiB && a.maxSwapKiB == b.maxSwapKiB && a.maxDiskMiB == b.maxDiskMiB
}

// peakStays reports whether the sample entering next (nil: none), or
// else the newest, holds, to the bit, each peak that p, the oldest,
// leaving, may have held: the peaks then stay. Flat memory ties with its
// peak sample after sample, which had the whole window read for its peaks
// every pass; the entering sample is at hand, the newest may be a cache
// miss.
func (w *window) peakStays(p, next *fineSample) bool {
	if !w.peakOK {
		return false
	}
	if next != nil && w.holdsPeaks(p, next) {
		return true
	}
	return w.n >= 2 && w.holdsPeaks(p, &w.ring[w.slot(w.n-1)])
}

// holdsPeaks reports whether q holds each peak that p may hold.
func (w *window) holdsPeaks(p, q *fineSample) bool {
	if p.cpu() >= w.peak.cpuHi && math.Float32bits(q.cpu()) != math.Float32bits(w.peak.cpuHi) {
		return false
	}
	return p.memKiB() < w.peak.memHi || q.memKiB() == w.peak.memHi
}

// floorDiv is a / b rounded down (b > 0).
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b < 0 {
		q--
	}
	return q
}

// slot is the ring index of the i-th sample, 0 being the oldest.
func (w *window) slot(i int) int {
	if s := w.start + i; s < len(w.ring) {
		return s
	} else {
		return s - len(w.ring)
	}
}

// secAt is the time of the i-th sample in seconds since the epoch.
func (w *window) secAt(i int) int64 {
	return w.secOf(&w.ring[w.slot(i)])
}

func (w *window) secOf(p *fineSample) int64 {
	return (w.lastU - int64(uint16(w.lastU)-p.at)) * w.unit
}

// limitsOf are the limits the sample numbered seq was taken under.
func (w *window) limitsOf(seq uint64) *limits {
	j := len(w.lims) - 1
	for j > 0 && w.lims[j].from > seq {
		j--
	}
	return &w.lims[j]
}

// At returns the i-th sample, 0 being the oldest. Net and disk I/O come
// back as totals in NetIn and DiskRead (NetOut and DiskWrite are 0): the
// window keeps the sums the features use.
func (w *window) At(i int) Sample {
	p := &w.ring[w.slot(i)]
	l := w.limitsOf(w.first + uint64(i))
	return Sample{
		Time: w.timeAt(i),
		CPU:  float64(p.cpu()), Cores: float64(l.cores),
		Mem: uint64(p.memKiB()) << 10, MaxMem: uint64(l.maxMemKiB) << 10,
		Swap: uint64(codes.FromFloat16(p.swap)) << 10, MaxSwap: uint64(l.maxSwapKiB) << 10,
		Disk: uint64(p.diskMiB()) << 20, MaxDisk: uint64(l.maxDiskMiB) << 20,
		NetIn: codes.FromFloat16(p.net) / rateScale, DiskRead: codes.FromFloat16(p.io) / rateScale,
		PressureCPU: codes.FromCenti(p.psiCPU), PressureMemory: codes.FromCenti(p.psiMem), PressureIO: codes.FromCenti(p.psiIO),
	}
}

// Last returns the newest sample; ok is false when the window is empty.
func (w *window) Last() (s Sample, ok bool) {
	if w.n == 0 {
		return Sample{}, false
	}
	return w.At(w.n - 1), true
}

// LastPressure is max(CPUUtilisation, MemoryUtilisation) of the newest
// sample (0 when empty), as Last gives it, without unpacking the rest: the
// guard's ordering asks it of every decision that wants a change.
func (w *window) LastPressure() float64 {
	if w.n == 0 {
		return 0
	}
	p := &w.ring[w.slot(w.n-1)]
	l := w.limitsOf(w.first + uint64(w.n-1))
	s := Sample{CPU: float64(p.cpu()), Cores: float64(l.cores),
		Mem: uint64(p.memKiB()) << 10, MaxMem: uint64(l.maxMemKiB) << 10}
	return max(s.CPUUtilisation(), s.MemoryUtilisation())
}

// Since returns the index of the first sample at or after t (to the
// second).
func (w *window) Since(t time.Time) int { return w.sinceSec(t.Unix()) }

// sinceSec is the index of the first sample at or after sec.
func (w *window) sinceSec(sec int64) int {
	lo, hi := 0, w.n
	for lo < hi {
		mid := (lo + hi) / 2
		if w.secAt(mid) < sec {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// timeAt is the time of the i-th sample without unpacking it.
func (w *window) timeAt(i int) time.Time {
	return time.Unix(w.secAt(i), 0).In(w.loc)
}

// cpuAt is the cores busy at the i-th sample.
func (w *window) cpuAt(i int) float64 {
	return float64(w.ring[w.slot(i)].cpu())
}

// memAt is the memory used at the i-th sample, in bytes.
func (w *window) memAt(i int) uint64 {
	return uint64(w.ring[w.slot(i)].memKiB()) << 10
}

// Merge adds samples that may be older than those held, as a backfill from
// RRD after lxc_metrics.json has filled the window: the window becomes the
// union in time order, within the span before its newest sample and its
// capacity. Where both have a sample in the same second, the merged one
// wins: it was read last. The coarse tiers take the merged samples where
// they hold nothing yet (MergeCoarse). It returns how many of samples the
// window holds afterwards, which is what a backfill may count.
func (w *window) Merge(samples []Sample) int {
	if len(samples) == 0 {
		return 0
	}
	type entry struct {
		s     Sample
		fresh bool
	}
	all := make([]entry, 0, w.n+len(samples))
	for i := range w.n {
		all = append(all, entry{s: w.At(i)})
	}
	for _, s := range samples {
		all = append(all, entry{s: s, fresh: true})
	}
	unit := func(e entry) int64 { return floorDiv(e.s.Time.Unix(), w.unit) }
	// Stable: of two samples in one unit the merged one comes last.
	slices.SortStableFunc(all, func(a, b entry) int { return cmp.Compare(unit(a), unit(b)) })
	kept := all[:0]
	for _, e := range all {
		if n := len(kept); n > 0 && unit(kept[n-1]) == unit(e) {
			kept[n-1] = e
			continue
		}
		kept = append(kept, e)
	}
	newest := kept[len(kept)-1].s.Time
	first := max(0, len(kept)-len(w.ring))
	for first < len(kept) && kept[first].s.Time.Before(newest.Add(-w.span)) {
		first++
	}
	w.roll.reset()
	w.spanOK = 0
	for w.n > 0 {
		w.dropOldest(nil)
	}
	held := 0
	for _, e := range kept[first:] {
		w.append(e.s)
		if e.fresh {
			held++
		}
	}
	w.MergeCoarse(w.coarseOf(samples))
	return held
}
