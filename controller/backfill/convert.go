package backfill

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// RRDReader reads one timeframe of a container's RRD, as
// (*proxmox.Client).RRD does.
type RRDReader func(ctx context.Context, ref proxmox.Ref, tf proxmox.Timeframe, cf proxmox.ConsolidationFunction) ([]proxmox.RRDPoint, error)

// CoarseHistory reads the given timeframes of a container's RRD, finest
// first (averages and maxima: two reads each), as points for its
// history's coarse tiers (Window.MergeCoarse), oldest first: each coarser
// timeframe only up to where the finer one starts. It stops at the first
// failed read, returning what it has.
func CoarseHistory(ctx context.Context, read RRDReader, ref proxmox.Ref, timeframes ...proxmox.Timeframe) ([]engine.CoarsePoint, error) {
	var out []engine.CoarsePoint
	for _, tf := range timeframes {
		avg, err := read(ctx, ref, tf, proxmox.CFAverage)
		if err != nil {
			return out, fmt.Errorf("rrd %s average: %w", tf, err)
		}
		peak, err := read(ctx, ref, tf, proxmox.CFMax)
		if err != nil {
			return out, fmt.Errorf("rrd %s max: %w", tf, err)
		}
		points := Coarse(avg, peak)
		if len(out) > 0 {
			// The finer timeframe holds from first on: this one only up
			// to it, its last row cut where the finer starts.
			first := out[0].Time
			points = slices.DeleteFunc(points, func(p engine.CoarsePoint) bool { return !p.Time.Before(first) })
			if k := len(points) - 1; k >= 0 && points[k].Time.Add(points[k].Step).After(first) {
				points[k].Step = first.Sub(points[k].Time)
			}
		}
		out = append(points, out...)
	}
	return out, nil
}

// Sample converts an RRD row (rates already per second, averages over the
// step) into a window sample; ok is false for a row with no data (the
// container was stopped). RRD has no swap: the listing's (cur) stands in
// for it, as for a disk size the row lacks.
func Sample(p proxmox.RRDPoint, cur proxmox.Container) (engine.Sample, bool) {
	cpu, mem, ok := Usage(p)
	maxCPU, _ := p.MaxCPU.Get()
	maxMem, ok4 := p.MaxMem.Get()
	if !ok || !ok4 {
		return engine.Sample{}, false
	}
	get := func(o proxmox.OptFloat) float64 {
		if v, ok := o.Get(); ok {
			return v
		}
		return math.NaN()
	}
	bytes := func(o proxmox.OptFloat, fallback uint64) uint64 {
		if v, ok := o.Get(); ok && v >= 0 {
			return uint64(v)
		}
		return fallback
	}
	return engine.Sample{
		Time: p.Time,
		CPU:  cpu, Cores: maxCPU,
		Mem: uint64(mem), MaxMem: uint64(max(0, maxMem)),
		Swap: cur.Swap, MaxSwap: cur.MaxSwap,
		Disk: bytes(p.Disk, cur.Disk), MaxDisk: bytes(p.MaxDisk, cur.MaxDisk),
		NetIn: get(p.NetIn), NetOut: get(p.NetOut), DiskRead: get(p.DiskRead), DiskWrite: get(p.DiskWrite),
		PressureCPU: get(p.PressureCPUSome), PressureMemory: get(p.PressureMemSome), PressureIO: get(p.PressureIOSome),
	}, true
}

// Coarse converts the rows of one timeframe, AVERAGE and MAX (of the same
// times), into coarse points: cores busy and memory, the maxima as peaks.
// The step is the rows' spacing; rows without cpu or memory (the container
// was stopped) are left out.
func Coarse(avg, peak []proxmox.RRDPoint) []engine.CoarsePoint {
	if len(avg) < 2 {
		return nil
	}
	step := avg[1].Time.Sub(avg[0].Time)
	peaks := make(map[int64]proxmox.RRDPoint, len(peak))
	for _, p := range peak {
		peaks[p.Time.Unix()] = p
	}
	out := make([]engine.CoarsePoint, 0, len(avg))
	for _, p := range avg {
		cpu, mem, ok := Usage(p)
		if !ok {
			continue
		}
		pt := engine.CoarsePoint{Time: p.Time, Step: step, CPU: cpu, CPUPeak: math.NaN(), Mem: mem, MemPeak: math.NaN()}
		if m, found := peaks[p.Time.Unix()]; found {
			if cpu, mem, ok := Usage(m); ok {
				pt.CPUPeak, pt.MemPeak = cpu, mem
			}
		}
		out = append(out, pt)
	}
	return out
}

// Usage is the cores busy (the cpu fraction of maxcpu) and the memory
// bytes of an RRD row; ok is false for a row without them.
func Usage(p proxmox.RRDPoint) (cpu, mem float64, ok bool) {
	frac, ok1 := p.CPU.Get()
	maxCPU, ok2 := p.MaxCPU.Get()
	m, ok3 := p.Mem.Get()
	if !ok1 || !ok2 || !ok3 {
		return 0, 0, false
	}
	return engine.CPUFraction(frac) * maxCPU, max(0, m), true
}
