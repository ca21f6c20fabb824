package engine

import (
	"cmp"
	"math"
	"slices"
	"time"
	"unsafe"
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

// packedSample is a Sample as the window stores it: 64 bytes instead of
// 168. Times are seconds from the window's base, memory is in KiB and disk
// in MiB, which keeps 4 TiB of memory and 4 PiB of disk in 32 bits; the
// ratios the controller works from lose nothing that matters.
type packedSample struct {
	at                                 int32
	cpu, cores                         float32
	memKiB, maxMemKiB                  uint32
	swapKiB, maxSwapKiB                uint32
	diskMiB, maxDiskMiB                uint32
	netIn, netOut, diskRead, diskWrite float32
	psiCPU, psiMemory, psiIO           float32
}

// sampleBytes is the memory one stored sample takes.
const sampleBytes = int(unsafe.Sizeof(packedSample{}))

func toUnits(v uint64, shift uint) uint32 {
	return uint32(min(v>>shift, math.MaxUint32))
}

// window is a container's sliding window: a ring of samples, oldest first,
// holding at most span of history. Not safe for concurrent use; the
// controller owns it.
type window struct {
	base  time.Time // sample times are seconds since base
	span  time.Duration
	ring  []packedSample
	start int // index of the oldest sample
	n     int
}

func newWindow(span time.Duration, capacity int) *window {
	return &window{span: span, ring: make([]packedSample, capacity)}
}

// Len is the number of samples held.
func (w *window) Len() int { return w.n }

// Bytes is the memory the window holds.
func (w *window) Bytes() int { return cap(w.ring) * sampleBytes }

// Add appends s, dropping samples older than the span and, when full, the
// oldest. A sample not newer than the newest is ignored, so a backfill can
// never reorder the window.
func (w *window) Add(s Sample) {
	if w.n == 0 {
		w.base = s.Time.Truncate(time.Second)
		w.start = 0
	} else if !s.Time.After(w.At(w.n - 1).Time) {
		return
	}
	at := s.Time.Sub(w.base) / time.Second
	if at > math.MaxInt32 { // 68 years of uptime: start over
		w.n = 0
		w.Add(s)
		return
	}
	if w.n == len(w.ring) {
		w.start = (w.start + 1) % len(w.ring)
		w.n--
	}
	w.ring[(w.start+w.n)%len(w.ring)] = packedSample{
		at:     int32(at),
		cpu:    float32(s.CPU),
		cores:  float32(s.Cores),
		memKiB: toUnits(s.Mem, 10), maxMemKiB: toUnits(s.MaxMem, 10),
		swapKiB: toUnits(s.Swap, 10), maxSwapKiB: toUnits(s.MaxSwap, 10),
		diskMiB: toUnits(s.Disk, 20), maxDiskMiB: toUnits(s.MaxDisk, 20),
		netIn: float32(s.NetIn), netOut: float32(s.NetOut),
		diskRead: float32(s.DiskRead), diskWrite: float32(s.DiskWrite),
		psiCPU: float32(s.PressureCPU), psiMemory: float32(s.PressureMemory), psiIO: float32(s.PressureIO),
	}
	w.n++
	w.trim(s.Time)
}

// trim drops the samples older than span before now.
func (w *window) trim(now time.Time) {
	oldest := int32(now.Add(-w.span).Sub(w.base) / time.Second)
	for w.n > 0 && w.ring[w.start].at < oldest {
		w.start = (w.start + 1) % len(w.ring)
		w.n--
	}
}

// At returns the i-th sample, 0 being the oldest.
func (w *window) At(i int) Sample {
	p := &w.ring[(w.start+i)%len(w.ring)]
	return Sample{
		Time: w.base.Add(time.Duration(p.at) * time.Second),
		CPU:  float64(p.cpu), Cores: float64(p.cores),
		Mem: uint64(p.memKiB) << 10, MaxMem: uint64(p.maxMemKiB) << 10,
		Swap: uint64(p.swapKiB) << 10, MaxSwap: uint64(p.maxSwapKiB) << 10,
		Disk: uint64(p.diskMiB) << 20, MaxDisk: uint64(p.maxDiskMiB) << 20,
		NetIn: float64(p.netIn), NetOut: float64(p.netOut),
		DiskRead: float64(p.diskRead), DiskWrite: float64(p.diskWrite),
		PressureCPU: float64(p.psiCPU), PressureMemory: float64(p.psiMemory), PressureIO: float64(p.psiIO),
	}
}

// Last returns the newest sample; ok is false when the window is empty.
func (w *window) Last() (s Sample, ok bool) {
	if w.n == 0 {
		return Sample{}, false
	}
	return w.At(w.n - 1), true
}

// Since returns the index of the first sample at or after t.
func (w *window) Since(t time.Time) int {
	at := t.Sub(w.base) / time.Second
	lo, hi := 0, w.n
	for lo < hi {
		mid := (lo + hi) / 2
		if time.Duration(w.ring[(w.start+mid)%len(w.ring)].at) < at {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// timeAt is the time of the i-th sample without unpacking it.
func (w *window) timeAt(i int) time.Time {
	return w.base.Add(time.Duration(w.ring[(w.start+i)%len(w.ring)].at) * time.Second)
}

// packedAt is the i-th stored sample, for loops that read a few fields.
func (w *window) packedAt(i int) *packedSample {
	return &w.ring[(w.start+i)%len(w.ring)]
}

// Merge adds samples that may be older than those held, as a backfill from
// RRD after lxc_metrics.json has filled the window: the window becomes the
// union in time order, within the span before its newest sample and its
// capacity. Where both have a sample in the same second, the merged one
// wins: it was read last. It returns how many of samples the window holds
// afterwards, which is what a backfill may count.
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
	// Stable: of two samples in one second the merged one comes last.
	slices.SortStableFunc(all, func(a, b entry) int { return cmp.Compare(a.s.Time.Unix(), b.s.Time.Unix()) })
	kept := all[:0]
	for _, e := range all {
		if n := len(kept); n > 0 && kept[n-1].s.Time.Unix() == e.s.Time.Unix() {
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
	w.n = 0
	held := 0
	for _, e := range kept[first:] {
		w.Add(e.s)
		if e.fresh {
			held++
		}
	}
	return held
}
