package scenario

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/controller/sim"
)

// Spec describes a scenario: its name, what it models, and its default
// size and length.
type Spec struct {
	Name, Description string
	Containers        int
	Duration          time.Duration
}

// List returns the scenarios of this package in a stable order.
func List() []Spec {
	out := make([]Spec, len(builtins))
	for i, b := range builtins {
		out[i] = b.Spec
	}
	return out
}

// Find returns the scenario named name.
func Find(name string) (Spec, bool) {
	for _, b := range builtins {
		if b.Name == name {
			return b.Spec, true
		}
	}
	return Spec{}, false
}

// Options say what to generate: containers (0: the scenario's default)
// sampled every Step from Start for Duration (0: the scenario's default).
type Options struct {
	Seed        uint64
	Start       time.Time
	Step        time.Duration
	Duration    time.Duration
	Containers  int
	NameHashKey uint64 // mixed into the seed with the name; see Generate
}

// Generate returns the trace of the named scenario. The parameters of
// each container are drawn from a PCG seeded with (Seed, NameHashKey):
// the caller passes a fixed hash of the name, so that two scenarios with
// one seed are not the same draws.
func Generate(name string, o Options) (sim.Trace, error) {
	var b *builtin
	for i := range builtins {
		if builtins[i].Name == name {
			b = &builtins[i]
		}
	}
	if b == nil {
		return sim.Trace{}, fmt.Errorf("scenario: unknown scenario %q", name)
	}
	if o.Step <= 0 {
		return sim.Trace{}, fmt.Errorf("scenario: step %s: want above 0", o.Step)
	}
	n, length := o.Containers, o.Duration
	if n == 0 {
		n = b.Containers
	}
	if length == 0 {
		length = b.Duration
	}
	rng := rand.New(rand.NewPCG(o.Seed, o.NameHashKey))
	samples := int(length / o.Step)
	tr := sim.Trace{Containers: make([]sim.TraceContainer, n)}
	for i := range tr.Containers {
		m := b.model(rng)
		m.seed = rng.Uint64()
		m.start = o.Start
		c := sim.TraceContainer{
			VMID: 101 + i, Name: fmt.Sprintf("%s-%d", name, i+1),
			Initial: m.initial,
			Points:  make([]sim.TracePoint, samples),
		}
		for j := range c.Points {
			t := o.Start.Add(time.Duration(j) * o.Step)
			c.Points[j] = m.point(t)
		}
		tr.Containers[i] = c
	}
	return tr, nil
}

// builtin is a scenario and its model.
type builtin struct {
	Spec
	model func(r *rand.Rand) *container
}

// container is one generated container: its initial allocation and its
// demand as a function of time.
type container struct {
	initial scaling.Allocation
	seed    uint64
	start   time.Time
	disk    float64 // bytes used on the root filesystem
	net, io float64 // bytes/s when quiet
	// demand returns the cores and memory bytes wanted at t (seconds
	// since the start), the io rate and io pressure, and the runaway's
	// cores; noise is the container's noise at t in [-1, 1] per channel.
	demand func(t float64, at time.Time, noise func(channel uint64) float64) demand
}

type demand struct {
	cores, mem, io, ioPSI, runaway float64
}

// point is the trace's sample at t, PSI as seen under the initial
// allocation (see the package doc).
func (c *container) point(at time.Time) sim.TracePoint {
	t := at.Sub(c.start).Seconds()
	bucket := uint64(max(at.Unix(), 0) / noiseBucket)
	d := c.demand(t, at, func(ch uint64) float64 { return noise(c.seed, ch, bucket) })
	cores := float64(c.initial.Cores)
	limit := float64(c.initial.MemoryMiB) * mib
	// Some task waits for a CPU from about 80 % of the cores on, every
	// task past the limit; memory stalls from 90 % of the limit on.
	// cpuPSI is a smooth stand-in, physically neither of PVE's limits: on
	// a cpuset (cores) "some" reads near 100 % at any excess of runnable
	// threads, where this ramp reaches 100 % only at 1.8 x the cores;
	// under CFS bandwidth throttling (cpulimit's cpu.max) every task
	// stalls together for 1 - quota/demand of the time, "some" and "full"
	// alike, which never saturates. The rules compare PSI with 10-20 %
	// (crossed here at 0.9-1.0 x the cores, about where a cpuset's rises)
	// and never read its size as demand (scaling's relief.go says why).
	cpuPSI := clamp(100*((d.cores+d.runaway)/cores-0.8), 0, 100)
	if d.runaway > 0 {
		cpuPSI = clamp(10+100*d.cores/cores, 0, 100) // the real threads compete with the spinner
	}
	memPSI := clamp(100*(d.mem/limit-0.9)/0.3, 0, 100)
	return sim.TracePoint{
		Time:           at,
		CPUCores:       max(d.cores, 0),
		MemoryBytes:    uint64(max(d.mem, 0)),
		DiskBytes:      uint64(c.disk),
		NetRate:        c.net * (1 + 0.1*noise(c.seed, chanNet, bucket)),
		IORate:         max(c.io+d.io, 0),
		PressureCPU:    round2(cpuPSI),
		PressureMemory: round2(memPSI),
		PressureIO:     round2(clamp(d.ioPSI, 0, 100)),
		RunawayCores:   d.runaway,
	}
}

// Units, noise channels and the noise's cadence: pvestatd's 10 s, so that
// a trace sampled every 10 s sees every value and a coarser one a sample
// of them.
const (
	mib         = 1 << 20
	gib         = 1 << 30
	hour        = 3600.0
	day         = 24 * hour
	noiseBucket = 10
)

const (
	chanCPU uint64 = iota + 1
	chanMem
	chanNet
	chanDay // per-day variation (a nightly job's length)
)

// noise is uniform in [-1, 1], a hash (splitmix64) of the seed, the
// channel and the 10-s bucket.
func noise(seed, ch, bucket uint64) float64 {
	x := seed ^ ch*0x9e3779b97f4a7c15 ^ bucket*0xbf58476d1ce4e5b9
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return float64(x>>11)/(1<<52) - 1
}

func clamp(v, lo, hi float64) float64 { return min(max(v, lo), hi) }

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// between draws uniformly from [lo, hi).
func between(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

// pick draws one of the values.
func pick[T any](r *rand.Rand, values ...T) T { return values[r.IntN(len(values))] }

// ramp is 0 before from, 1 after from+width, linear between.
func ramp(t, from, width float64) float64 { return clamp((t-from)/width, 0, 1) }

// newContainer draws what every model shares: a root filesystem of 2-6
// GiB used on a disk of 8, 16 or 32 GiB (at least 1.25 x the use), and
// quiet network and disk rates.
func newContainer(r *rand.Rand, cores, memMiB int) *container {
	c := &container{
		disk: between(r, 2*gib, 6*gib),
		net:  between(r, 20e3, 500e3),
		io:   between(r, 20e3, 200e3),
	}
	disk := uint64(pick(r, 8, 16, 32)) << 30
	disk = max(disk, uint64(math.Ceil(c.disk*1.25/gib))<<30)
	c.initial = scaling.Allocation{Cores: cores, MemoryMiB: memMiB, DiskBytes: disk}
	return c
}
