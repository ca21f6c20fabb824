package workload

import (
	"math"
	"time"
)

// Kind names a usage model.
type Kind string

// The usage models the simulator offers. Levels and periods are drawn from
// the seed within the ranges given; each shape shows within an hour of
// simulated time.
const (
	Steady   Kind = "steady"   // 0.3-1.5 cores with ±10 % noise; memory and disk flat
	Diurnal  Kind = "diurnal"  // cpu and net follow a 24 h cosine peaking 13:00-16:00 UTC
	Spike    Kind = "spike"    // 0.2-0.5 cores, with a 2-4 min burst of about 5-10x every 10-20 min
	Leak     Kind = "leak"     // memory grows 256-768 MiB/h and drops at a restart every 6-12 h
	DiskFill Kind = "diskfill" // disk grows 2-5 GiB/h (see NewSince) with matching disk writes
	Batch    Kind = "batch"    // a 10-15 min job of 2-4 cores and heavy disk I/O every 40-60 min
	Idle     Kind = "idle"     // about 0.01 cores, 32-96 MiB, a few KiB/s
	Busy     Kind = "busy"     // CPU-bound all the time: 3-6 cores with ±5 % noise
)

// Kinds returns every Kind in a stable order.
func Kinds() []Kind {
	return []Kind{Steady, Diurnal, Spike, Leak, DiskFill, Batch, Idle, Busy}
}

func kindNames() []string {
	kinds := Kinds()
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	return names
}

// ParseKind returns the Kind named s (exact, lowercase). The error is a
// *ParamError naming the allowed values.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds() {
		if string(k) == s {
			return k, nil
		}
	}
	return "", &ParamError{Param: "kind", Value: s, Allowed: kindNames()}
}

// Allocation is what the container is given. CPUs is PVE's "cpus": cores,
// else cpulimit, else the host's CPU count; cpu use is reported as a
// fraction of it. CPULimit, when above 0 and below CPUs, is the cgroup
// cpu.max cap of a container that has both cores and cpulimit: PVE still
// reports against cores, so such a container never reaches 1.0.
type Allocation struct {
	CPUs                              float64
	MemoryBytes, SwapBytes, DiskBytes uint64
	CPULimit                          float64
}

// Sample is what PVE would report for a running container at one instant.
type Sample struct {
	CPU                                                float64 // fraction of Allocation.CPUs busy, 0..1
	Mem, Swap, Disk                                    uint64  // bytes in use
	NetInRate, NetOutRate, DiskReadRate, DiskWriteRate float64 // bytes/s
	// Pressure stall information, avg10, percent (PVE 9).
	PressureCPUSome, PressureCPUFull       float64
	PressureIOSome, PressureIOFull         float64
	PressureMemorySome, PressureMemoryFull float64
}

// Demand is what the container's processes want, regardless of allocation.
type Demand struct {
	CPUCores                                           float64
	MemBytes, DiskBytes                                uint64
	NetInRate, NetOutRate, DiskReadRate, DiskWriteRate float64 // bytes/s
}

const (
	kib = 1 << 10
	mib = 1 << 20
	gib = 1 << 30

	minute = 60.0
	hour   = 3600.0
	day    = 86400.0

	// noiseBucket is pvestatd's sampling cadence: noise changes once per
	// bucket, so History sampling at that cadence sees every value.
	noiseBucket = 10
)

// Noise channels keep the per-quantity noise streams independent.
const (
	chanCPU uint64 = iota + 1
	chanMem
	chanNet
	chanIO
)

// Model is one container's usage model: a kind plus parameters drawn from a
// seed, so two containers of a kind differ but each is reproducible. A Model
// is immutable; its methods are pure functions of (kind, seed, start, t,
// allocation) and safe for concurrent use.
type Model struct {
	kind  Kind
	seed  uint64
	start float64 // unix seconds at which diskfill starts growing
	// hasStart is false for New: diskfill then restarts once a day (see NewSince).
	hasStart bool

	cpuBase, cpuPeak   float64 // cores; peak is the busy level (day, burst, job)
	cpuNoise           float64 // relative
	memBase, memExtra  float64 // bytes; extra is added when busy
	memGrowth          float64 // bytes/s (leak)
	diskBase           float64 // bytes
	diskGrowth         float64 // bytes/s (diskfill)
	netIn, netOut      float64 // bytes/s when quiet
	netBoost           float64 // net rates are multiplied by 1+netBoost when busy
	ioRead, ioWrite    float64 // bytes/s when quiet
	ioReadExtra        float64 // bytes/s added when busy
	ioWriteExtra       float64 // bytes/s added when busy
	period, phase, dur float64 // seconds: cycle length, offset, busy time per cycle
}

// New returns the model of kind for seed. An unknown kind behaves as Steady.
// Growth that cannot repeat (diskfill) needs an origin; New has none, so a
// diskfill model from New empties once a day at a seeded time, like a
// nightly cleanup. Use NewSince for usage that never drops.
func New(kind Kind, seed uint64) *Model {
	m := &Model{kind: kind, seed: seed}
	p := paramSource{state: seed}
	switch kind {
	case Diurnal:
		m.cpuBase = p.between(0.1, 0.4)
		m.cpuPeak = p.between(1.5, 3)
		m.cpuNoise = 0.1
		m.memBase = p.between(512*mib, 2*gib)
		m.memExtra = m.memBase * 0.3
		m.diskBase = p.between(2*gib, 6*gib)
		m.netIn = p.between(20*kib, 100*kib)
		m.netOut = m.netIn * p.between(2, 5)
		m.netBoost = p.between(30, 80)
		m.ioRead = p.between(50*kib, 200*kib)
		m.ioWrite = p.between(50*kib, 300*kib)
		m.period = day
		m.phase = p.between(13*hour, 16*hour) // busiest moment, UTC
	case Spike:
		m.cpuBase = p.between(0.2, 0.5)
		m.cpuPeak = m.cpuBase * p.between(5, 10)
		m.cpuNoise = 0.15
		m.memBase = p.between(256*mib, gib)
		m.memExtra = m.memBase * 0.25
		m.diskBase = p.between(gib, 4*gib)
		m.netIn = p.between(50*kib, 500*kib)
		m.netOut = m.netIn * p.between(1.5, 4)
		m.netBoost = m.cpuPeak/m.cpuBase - 1
		m.ioRead = p.between(20*kib, 200*kib)
		m.ioWrite = p.between(50*kib, 300*kib)
		m.period = p.between(10*minute, 20*minute)
		m.dur = p.between(2*minute, 4*minute)
		m.phase = p.between(0, m.period)
	case Leak:
		m.cpuBase = p.between(0.2, 0.6)
		m.cpuNoise = 0.1
		m.memBase = p.between(256*mib, 512*mib)
		m.memGrowth = p.between(256*mib, 768*mib) / hour
		m.diskBase = p.between(gib, 4*gib)
		m.netIn = p.between(20*kib, 300*kib)
		m.netOut = m.netIn * p.between(1.5, 4)
		m.ioRead = p.between(20*kib, 100*kib)
		m.ioWrite = p.between(20*kib, 200*kib)
		m.period = p.between(6*hour, 12*hour) // time between restarts
		m.phase = p.between(0, m.period)
	case DiskFill:
		m.cpuBase = p.between(0.2, 0.5)
		m.cpuNoise = 0.1
		m.memBase = p.between(256*mib, 768*mib)
		m.diskBase = p.between(gib, 3*gib)
		m.diskGrowth = p.between(2*gib, 5*gib) / hour
		m.netIn = p.between(100*kib, 2*mib) // what arrives is written out
		m.netOut = p.between(10*kib, 100*kib)
		m.ioRead = p.between(10*kib, 100*kib)
		m.ioWrite = m.diskGrowth * p.between(1.05, 1.3) // rewrites on top of growth
		m.period = day
		m.phase = p.between(0, day) // nightly cleanup, only without a start
	case Batch:
		m.cpuBase = p.between(0.05, 0.1)
		m.cpuPeak = p.between(2, 4)
		m.cpuNoise = 0.1
		m.memBase = p.between(256*mib, 512*mib)
		m.memExtra = p.between(512*mib, 1536*mib)
		m.diskBase = p.between(2*gib, 8*gib)
		m.netIn = p.between(5*kib, 20*kib)
		m.netOut = p.between(5*kib, 20*kib)
		m.netBoost = p.between(20, 100)
		m.ioRead = p.between(5*kib, 20*kib)
		m.ioWrite = p.between(5*kib, 20*kib)
		m.ioReadExtra = p.between(20*mib, 60*mib)
		m.ioWriteExtra = p.between(10*mib, 40*mib)
		m.period = p.between(40*minute, 60*minute)
		m.dur = p.between(10*minute, 15*minute)
		m.phase = p.between(0, m.period)
	case Idle:
		m.cpuBase = p.between(0.005, 0.02)
		m.cpuNoise = 0.3
		m.memBase = p.between(32*mib, 96*mib)
		m.diskBase = p.between(512*mib, gib)
		m.netIn = p.between(512, 2*kib)
		m.netOut = p.between(512, 2*kib)
		m.ioRead = p.between(0, kib)
		m.ioWrite = p.between(512, 2*kib)
	case Busy:
		m.cpuBase = p.between(3, 6)
		m.cpuNoise = 0.05
		m.memBase = p.between(512*mib, 1536*mib)
		m.diskBase = p.between(gib, 4*gib)
		m.netIn = p.between(100*kib, 1*mib)
		m.netOut = m.netIn * p.between(1, 3)
		m.ioRead = p.between(50*kib, 500*kib)
		m.ioWrite = p.between(50*kib, 500*kib)
	default:
		m.kind = Steady
		m.cpuBase = p.between(0.3, 1.5)
		m.cpuNoise = 0.1
		m.memBase = p.between(256*mib, 1536*mib)
		m.diskBase = p.between(gib, 4*gib)
		m.netIn = p.between(50*kib, 1*mib)
		m.netOut = m.netIn * p.between(1, 3)
		m.ioRead = p.between(20*kib, 200*kib)
		m.ioWrite = p.between(50*kib, 300*kib)
	}
	return m
}

// NewSince is New with an origin: diskfill usage grows from its base at start
// and never drops. Before start it stays at the base. Other kinds are
// periodic and ignore start.
func NewSince(kind Kind, seed uint64, start time.Time) *Model {
	m := New(kind, seed)
	m.start = seconds(start)
	m.hasStart = true
	return m
}

// Kind returns the model's kind.
func (m *Model) Kind() Kind { return m.kind }

// Demand returns what the container's processes want at t, independent of
// any allocation.
func (m *Model) Demand(t time.Time) Demand {
	s := seconds(t)
	bucket := floorDiv(t.Unix(), noiseBucket)
	busy := m.busy(s)

	cores := m.cpuBase + (m.cpuPeak-m.cpuBase)*busy
	cores *= 1 + m.cpuNoise*m.noise(chanCPU, bucket)

	mem := m.memBase + m.memExtra*busy
	if m.kind == Leak {
		mem += m.memGrowth * posMod(s-m.phase, m.period)
	}
	mem *= 1 + 0.01*m.noise(chanMem, bucket)

	disk := m.diskBase
	if m.kind == DiskFill {
		if m.hasStart {
			disk += m.diskGrowth * max(0, s-m.start)
		} else {
			disk += m.diskGrowth * posMod(s-m.phase, m.period)
		}
	}

	netScale := (1 + m.netBoost*busy) * (1 + 0.2*m.noise(chanNet, bucket))
	ioScale := 1 + 0.3*m.noise(chanIO, bucket)
	return Demand{
		CPUCores:      max(0, cores),
		MemBytes:      toBytes(mem),
		DiskBytes:     toBytes(disk),
		NetInRate:     max(0, m.netIn*netScale),
		NetOutRate:    max(0, m.netOut*netScale),
		DiskReadRate:  max(0, (m.ioRead+m.ioReadExtra*busy)*ioScale),
		DiskWriteRate: max(0, (m.ioWrite+m.ioWriteExtra*busy)*ioScale),
	}
}

// busy returns how busy the model is at s: 0 is quiet, 1 is the peak (a
// spike burst is 0.8 to 1.2 of it).
func (m *Model) busy(s float64) float64 {
	switch m.kind {
	case Diurnal:
		return 0.5 + 0.5*math.Cos(2*math.Pi*(s-m.phase)/day)
	case Spike:
		// One burst per window, at a place and of a size hashed from the
		// window, so bursts neither line up nor all look the same.
		window := math.Floor((s - m.phase) / m.period)
		into := s - m.phase - window*m.period
		h := mix(m.seed ^ mix(uint64(int64(window))))
		offset := unit(h) * (m.period - m.dur)
		if into >= offset && into < offset+m.dur {
			return 0.8 + 0.4*unit(mix(h))
		}
	case Batch:
		if posMod(s-m.phase, m.period) < m.dur {
			return 1
		}
	}
	return 0
}

func (m *Model) noise(channel uint64, bucket int64) float64 {
	return 2*unit(mix(m.seed^mix(channel^mix(uint64(bucket))))) - 1
}

// At returns what PVE would report for the running container at t under
// allocation a: demand filtered through the allocation. CPU demand above
// a.CPUs (or a lower a.CPULimit) is served only up to it and shows as cpu
// pressure; the unserved share also slows network and disk I/O. Memory above
// a.MemoryBytes spills into swap up to a.SwapBytes and shows as memory
// pressure; io pressure follows disk I/O and swapping.
func (m *Model) At(t time.Time, a Allocation) Sample {
	d := m.Demand(t)
	var s Sample

	cpus := max(0, a.CPUs)
	capacity := cpus
	if a.CPULimit > 0 {
		capacity = min(capacity, a.CPULimit)
	}
	used := min(d.CPUCores, capacity)
	if cpus > 0 {
		s.CPU = used / cpus
	}
	served := 1.0 // share of the demanded cpu time the container gets
	if d.CPUCores > capacity {
		served = capacity / d.CPUCores
	}
	unmet := 1 - served
	var contention float64 // run queues form before saturation
	if capacity > 0 {
		contention = max(0, (used/capacity-0.8)/0.2)
	}
	s.PressureCPUSome = min(100, 100*unmet+5*contention)
	s.PressureCPUFull = min(100, 60*unmet)

	s.NetInRate = d.NetInRate * served
	s.NetOutRate = d.NetOutRate * served
	s.DiskReadRate = d.DiskReadRate * served
	s.DiskWriteRate = d.DiskWriteRate * served

	s.Mem = min(d.MemBytes, a.MemoryBytes)
	if over := d.MemBytes - s.Mem; over > 0 {
		s.Swap = min(over, a.SwapBytes)
		overShare := float64(over) / float64(d.MemBytes)
		s.PressureMemorySome = min(100, 10+150*overShare)
		s.PressureMemoryFull = 0.4 * s.PressureMemorySome
		if over > s.Swap { // nowhere left to put it: the container thrashes
			s.PressureMemorySome = max(s.PressureMemorySome, 90)
			s.PressureMemoryFull = max(s.PressureMemoryFull, 60)
		}
	} else if a.MemoryBytes > 0 {
		near := max(0, (float64(d.MemBytes)/float64(a.MemoryBytes)-0.9)/0.1) // reclaim near the limit
		s.PressureMemorySome = 3 * near
		s.PressureMemoryFull = near
	}

	io := s.DiskReadRate + s.DiskWriteRate
	s.PressureIOSome = 100 * io / (io + 100*mib)
	if s.Swap > 0 {
		s.PressureIOSome += 0.2 * s.PressureMemorySome
	}
	s.PressureIOSome = min(100, s.PressureIOSome)
	s.PressureIOFull = 0.5 * s.PressureIOSome

	s.Disk = min(d.DiskBytes, a.DiskBytes)
	return s
}

// Counters are cumulative bytes since container start, as status/current and
// the lxc list report them.
type Counters struct {
	NetIn, NetOut, DiskRead, DiskWrite uint64
}

// Add integrates the sample's rates over d. Rounding rather than truncating
// keeps slow rates from vanishing when Add is called often.
func (c *Counters) Add(s Sample, d time.Duration) {
	sec := max(0, d.Seconds())
	c.NetIn += toBytes(s.NetInRate * sec)
	c.NetOut += toBytes(s.NetOutRate * sec)
	c.DiskRead += toBytes(s.DiskReadRate * sec)
	c.DiskWrite += toBytes(s.DiskWriteRate * sec)
}

// seconds is t as fractional unix seconds.
func seconds(t time.Time) float64 {
	return float64(t.Unix()) + float64(t.Nanosecond())/1e9
}

// toBytes rounds a byte count, clamping what uint64 cannot hold.
func toBytes(f float64) uint64 {
	switch {
	case !(f > 0): // also NaN
		return 0
	case f >= 1<<63:
		return 1 << 63
	}
	return uint64(math.Round(f))
}

func posMod(a, m float64) float64 {
	if m <= 0 {
		return 0
	}
	// Floor, not math.Mod, which is several times slower.
	r := a - m*math.Floor(a/m)
	return min(max(r, 0), m) // rounding can land a hair outside
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// mix is splitmix64's finaliser: a fast, well-distributed hash, so noise for
// any instant is computed directly instead of drawn from a shared generator.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// unit maps a hash to [0, 1).
func unit(x uint64) float64 { return float64(x>>11) / (1 << 53) }

// paramSource draws a model's parameters from its seed (splitmix64).
type paramSource struct{ state uint64 }

func (p *paramSource) between(lo, hi float64) float64 {
	p.state += 0x9e3779b97f4a7c15
	return lo + (hi-lo)*unit(mix(p.state))
}
