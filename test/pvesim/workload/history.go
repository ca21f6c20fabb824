package workload

import (
	"fmt"
	"strings"
	"time"
)

// ParamError reports a value outside its allowed set, worded like PVE's
// schema check so the simulator can return it as a 400 for Param.
type ParamError struct {
	Param   string // "timeframe", "cf" or "kind"
	Value   string
	Allowed []string
}

func (e *ParamError) Error() string {
	return fmt.Sprintf("%s: value '%s' does not have a value in the enumeration '%s'",
		e.Param, e.Value, strings.Join(e.Allowed, ", "))
}

// Row is one rrddata row: Time is the start of the step in unix seconds and
// Values holds only the data sources that are defined for the step.
type Row struct {
	Time   int64
	Values map[string]float64
}

// AllocationAt reports the container's allocation at t and whether it was
// running then.
type AllocationAt func(t time.Time) (a Allocation, running bool)

type resolution struct {
	timeframe string
	step      time.Duration
	count     int
}

// resolutions are PVE 9's (pve-vm-9.0 RRD files).
var resolutions = [...]resolution{
	{"hour", time.Minute, 60},
	{"day", time.Minute, 1440},
	{"week", 30 * time.Minute, 336},
	{"month", 30 * time.Minute, 1440},
	{"year", 6 * time.Hour, 1440},
}

// Resolution returns the step and row count PVE 9 uses for an LXC rrddata
// timeframe; ok is false for anything else ("decade" is node/storage only).
func Resolution(timeframe string) (step time.Duration, count int, ok bool) {
	for _, r := range resolutions {
		if r.timeframe == timeframe {
			return r.step, r.count, true
		}
	}
	return 0, 0, false
}

// Data source names, in the order History accumulates them.
const (
	dsMaxCPU = iota
	dsMaxMem
	dsMaxDisk
	dsDisk
	dsCPU
	dsMem
	dsNetIn
	dsNetOut
	dsDiskRead
	dsDiskWrite
	dsPressureCPUSome
	dsPressureCPUFull
	dsPressureIOSome
	dsPressureIOFull
	dsPressureMemorySome
	dsPressureMemoryFull
	dsCount
)

var dsNames = [dsCount]string{
	"maxcpu", "maxmem", "maxdisk", "disk", "cpu", "mem", "netin", "netout", "diskread", "diskwrite",
	"pressurecpusome", "pressurecpufull", "pressureiosome", "pressureiofull",
	"pressurememorysome", "pressurememoryfull",
}

const (
	// sampleInterval is pvestatd's update interval.
	sampleInterval = 10 * time.Second
	// maxSamplesPerRow bounds the work per row for long steps.
	maxSamplesPerRow = 12
)

// History returns the rrddata rows PVE 9 would serve at now for timeframe
// ("hour", "day", "week", "month", "year") and cf ("AVERAGE", "MAX"; empty
// means AVERAGE, as in PVE). Rows start at step*floor(now/step) - step*count
// and end at that boundary. Each row consolidates samples of m.At taken
// every 10 s inside the step, at most 12 per row and evenly spread. As in
// rrdtool with xff 0.5, a data source is left out of a row when more than
// half of its samples are undefined: while the container is stopped only
// maxcpu, maxmem, maxdisk and disk (0, as pvestatd reports it) are defined.
// A bad timeframe or cf gives a *ParamError.
func History(m *Model, at AllocationAt, now time.Time, timeframe, cf string) ([]Row, error) {
	step, count, ok := Resolution(timeframe)
	if !ok {
		allowed := make([]string, len(resolutions))
		for i, r := range resolutions {
			allowed[i] = r.timeframe
		}
		return nil, &ParamError{Param: "timeframe", Value: timeframe, Allowed: allowed}
	}
	var useMax bool
	switch cf {
	case "", "AVERAGE":
	case "MAX":
		useMax = true
	default:
		return nil, &ParamError{Param: "cf", Value: cf, Allowed: []string{"AVERAGE", "MAX"}}
	}

	stepSec := int64(step / time.Second)
	samples := min(maxSamplesPerRow, stepSec/int64(sampleInterval/time.Second))
	spacing := stepSec / samples
	end := floorDiv(now.Unix(), stepSec) * stepSec
	first := end - stepSec*int64(count)

	rows := make([]Row, count)
	for i := range rows {
		rowStart := first + int64(i)*stepSec
		var acc accumulator
		for j := range samples {
			t := time.Unix(rowStart+j*spacing, 0)
			a, running := at(t)
			acc.add(dsMaxCPU, a.CPUs, useMax)
			acc.add(dsMaxMem, float64(a.MemoryBytes), useMax)
			acc.add(dsMaxDisk, float64(a.DiskBytes), useMax)
			if !running {
				acc.add(dsDisk, 0, useMax)
				continue
			}
			s := m.At(t, a)
			acc.add(dsDisk, float64(s.Disk), useMax)
			acc.add(dsCPU, s.CPU, useMax)
			acc.add(dsMem, float64(s.Mem), useMax)
			acc.add(dsNetIn, s.NetInRate, useMax)
			acc.add(dsNetOut, s.NetOutRate, useMax)
			acc.add(dsDiskRead, s.DiskReadRate, useMax)
			acc.add(dsDiskWrite, s.DiskWriteRate, useMax)
			acc.add(dsPressureCPUSome, s.PressureCPUSome, useMax)
			acc.add(dsPressureCPUFull, s.PressureCPUFull, useMax)
			acc.add(dsPressureIOSome, s.PressureIOSome, useMax)
			acc.add(dsPressureIOFull, s.PressureIOFull, useMax)
			acc.add(dsPressureMemorySome, s.PressureMemorySome, useMax)
			acc.add(dsPressureMemoryFull, s.PressureMemoryFull, useMax)
		}
		rows[i] = Row{Time: rowStart, Values: acc.values(int(samples), useMax)}
	}
	return rows, nil
}

// accumulator consolidates one row's samples per data source.
type accumulator struct {
	value [dsCount]float64 // sum, or maximum with MAX
	known [dsCount]int
}

func (c *accumulator) add(ds int, v float64, useMax bool) {
	switch {
	case c.known[ds] == 0:
		c.value[ds] = v
	case useMax:
		c.value[ds] = max(c.value[ds], v)
	default:
		c.value[ds] += v
	}
	c.known[ds]++
}

func (c *accumulator) values(samples int, useMax bool) map[string]float64 {
	out := make(map[string]float64, dsCount)
	for ds, n := range c.known {
		if n == 0 || 2*n < samples {
			continue
		}
		v := c.value[ds]
		if !useMax {
			v /= float64(n)
		}
		out[dsNames[ds]] = v
	}
	return out
}
