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

// resolutions are PVE 9's (pve-vm-9.0 RRD files, pve-cluster
// src/PVE/RRD.pm and src/pmxcfs/status.c).
var resolutions = [...]resolution{
	{"hour", time.Minute, 60},
	{"day", time.Minute, 1440},
	{"week", 30 * time.Minute, 336},
	{"month", 30 * time.Minute, 1440},
	{"year", 6 * time.Hour, 1440},
}

// legacyResolutions are PVE 7 and 8's (pve2-vm RRD files): 70 rows for
// every timeframe (pve-cluster src/PVE/RRD.pm before 9.0).
var legacyResolutions = [...]resolution{
	{"hour", time.Minute, 70},
	{"day", 30 * time.Minute, 70},
	{"week", 3 * time.Hour, 70},
	{"month", 12 * time.Hour, 70},
	{"year", 7 * 24 * time.Hour, 70},
}

// Resolution returns the step and row count PVE 9 uses for an LXC rrddata
// timeframe; ok is false for anything else ("decade" is node/storage only).
func Resolution(timeframe string) (step time.Duration, count int, ok bool) {
	return ResolutionOf(false, timeframe)
}

// ResolutionOf is Resolution for the pve2-vm layout of PVE 7 and 8 when
// legacy is true.
func ResolutionOf(legacy bool, timeframe string) (step time.Duration, count int, ok bool) {
	table := resolutions[:]
	if legacy {
		table = legacyResolutions[:]
	}
	for _, r := range table {
		if r.timeframe == timeframe {
			return r.step, r.count, true
		}
	}
	return 0, 0, false
}

// Query selects the rows History builds. The zero value of every field but
// Now, Timeframe and CF is PVE 9's behaviour.
type Query struct {
	Now       time.Time
	Timeframe string // "hour", "day", "week", "month", "year"
	CF        string // "AVERAGE" (also "") or "MAX"
	// Legacy selects PVE 7/8's pve2-vm layout: other resolutions, no
	// pressure data sources, and an all-empty newest row is kept.
	Legacy bool
	// NoPSI leaves the pressure data sources out although the layout has
	// them: a PVE 9 file fed by a PVE 8 node's pvestatd, which collects none.
	NoPSI bool
	// Unreported tells the times at which no sample reached the RRD at all
	// (the node was down); rows of such times hold only "time". nil = none.
	Unreported func(t time.Time) bool
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
	return HistoryQuery(m, at, Query{Now: now, Timeframe: timeframe, CF: cf})
}

// HistoryQuery is History with the choices of q. With PVE 9's layout the
// newest row is dropped when it holds only "time", as PVE 9's
// create_rrd_data does (pve-cluster src/PVE/RRD.pm), so a container whose
// node stopped reporting gets one row fewer than the timeframe's count.
func HistoryQuery(m *Model, at AllocationAt, q Query) ([]Row, error) {
	now, timeframe, cf := q.Now, q.Timeframe, q.CF
	step, count, ok := ResolutionOf(q.Legacy, timeframe)
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

	psi := !q.Legacy && !q.NoPSI
	rows := make([]Row, count)
	for i := range rows {
		rowStart := first + int64(i)*stepSec
		var acc accumulator
		for j := range samples {
			t := time.Unix(rowStart+j*spacing, 0)
			if q.Unreported != nil && q.Unreported(t) {
				continue // rrdtool stores U for every data source
			}
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
			if !psi {
				continue
			}
			acc.add(dsPressureCPUSome, s.PressureCPUSome, useMax)
			acc.add(dsPressureCPUFull, s.PressureCPUFull, useMax)
			acc.add(dsPressureIOSome, s.PressureIOSome, useMax)
			acc.add(dsPressureIOFull, s.PressureIOFull, useMax)
			acc.add(dsPressureMemorySome, s.PressureMemorySome, useMax)
			acc.add(dsPressureMemoryFull, s.PressureMemoryFull, useMax)
		}
		rows[i] = Row{Time: rowStart, Values: acc.values(int(samples), useMax)}
	}
	if n := len(rows); !q.Legacy && n > 0 && len(rows[n-1].Values) == 0 {
		rows = rows[:n-1]
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
