package workload

import (
	"fmt"
	"time"
)

// Kind names a usage model.
type Kind string

// The usage models the simulator offers.
const (
	Steady   Kind = "steady"
	Diurnal  Kind = "diurnal"
	Spike    Kind = "spike"
	Leak     Kind = "leak"
	DiskFill Kind = "diskfill"
	Batch    Kind = "batch"
	Idle     Kind = "idle"
)

// Kinds returns every Kind in a stable order.
func Kinds() []Kind {
	return []Kind{Steady, Diurnal, Spike, Leak, DiskFill, Batch, Idle}
}

// ParseKind returns the Kind named s.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds() {
		if string(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("unknown workload kind %q (allowed: steady, diurnal, spike, leak, diskfill, batch, idle)", s)
}

// Allocation is what the container is given.
type Allocation struct {
	CPUs                              float64
	MemoryBytes, SwapBytes, DiskBytes uint64
}

// Sample is what PVE would report at one instant.
type Sample struct {
	CPU                                                float64
	Mem, Swap, Disk                                    uint64
	NetInRate, NetOutRate, DiskReadRate, DiskWriteRate float64
	PressureCPUSome, PressureCPUFull                   float64
	PressureIOSome, PressureIOFull                     float64
	PressureMemorySome, PressureMemoryFull             float64
}

// Demand is what the container's processes want, regardless of allocation.
type Demand struct {
	CPUCores                                           float64
	MemBytes, DiskBytes                                uint64
	NetInRate, NetOutRate, DiskReadRate, DiskWriteRate float64
}

// Model is one container's usage model.
type Model struct {
	kind Kind
	seed uint64
}

// New returns the model of kind for seed.
func New(kind Kind, seed uint64) *Model { return &Model{kind: kind, seed: seed} }

// Kind returns the model's kind.
func (m *Model) Kind() Kind { return m.kind }

// Demand returns the raw demand at t.
func (m *Model) Demand(t time.Time) Demand {
	return Demand{CPUCores: 0.1, MemBytes: 256 << 20, DiskBytes: 1 << 30}
}

// At returns what PVE would report at t under allocation a.
func (m *Model) At(t time.Time, a Allocation) Sample {
	d := m.Demand(t)
	var s Sample
	if a.CPUs > 0 {
		s.CPU = min(d.CPUCores, a.CPUs) / a.CPUs
	}
	s.Mem = min(d.MemBytes, a.MemoryBytes)
	s.Disk = min(d.DiskBytes, a.DiskBytes)
	return s
}

// Counters are cumulative bytes since container start.
type Counters struct {
	NetIn, NetOut, DiskRead, DiskWrite uint64
}

// Add integrates the sample's rates over d.
func (c *Counters) Add(s Sample, d time.Duration) {
	sec := d.Seconds()
	c.NetIn += uint64(s.NetInRate * sec)
	c.NetOut += uint64(s.NetOutRate * sec)
	c.DiskRead += uint64(s.DiskReadRate * sec)
	c.DiskWrite += uint64(s.DiskWriteRate * sec)
}

// Row is one rrddata row.
type Row struct {
	Time   int64
	Values map[string]float64
}

// AllocationAt reports the allocation at t and whether the container ran.
type AllocationAt func(t time.Time) (a Allocation, running bool)

// Resolution returns the step and row count of a PVE timeframe.
func Resolution(timeframe string) (step time.Duration, count int, ok bool) {
	return 0, 0, false
}

// History returns rrddata rows for timeframe and cf ending at now.
func History(m *Model, at AllocationAt, now time.Time, timeframe, cf string) ([]Row, error) {
	return nil, fmt.Errorf("rrd history not implemented yet")
}
