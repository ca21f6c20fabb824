package sim

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// Ranges of the trace's values. They are wide: they only catch a value
// that cannot be what the writer meant (a unit mistake, a sign, a NaN).
const (
	MinVMID          = 100
	MaxVMID          = 999_999_999
	MaxCores         = 1024
	MaxMemoryMiB     = 16 << 20 // 16 TiB
	MinMemoryMiB     = 16
	MaxDiskGiB       = 1 << 20 // 1 PiB
	MinDiskSizeGiB   = 0.01
	MaxBytesPerSec   = 1e12
	MaxPressure      = 100
	bytesPerMiBFloat = 1 << 20
	bytesPerGiBFloat = 1 << 30
)

// traceColumn is one column the trace CSV may have.
type traceColumn struct {
	name     string
	required bool
	// firstRowOnly columns describe the container, not the sample: read on
	// its first row, empty on the others.
	firstRowOnly bool
	allowed      string // the allowed values, for errors
}

var traceColumns = []traceColumn{
	{name: "timestamp", required: true, allowed: "an RFC 3339 time like 2026-01-05T13:00:00Z"},
	{name: "vmid", required: true, allowed: "an integer from 100 to 999999999"},
	{name: "cpu_cores", required: true, allowed: "0 to 1024 cores"},
	{name: "memory_mb", required: true, allowed: "0 to 16777216 MiB"},
	// disk_gb is optional: usage traces of other systems rarely have the
	// root filesystem, and without it the disk is unknown, as with a disk
	// of unknown size: neither measured nor grown.
	{name: "disk_gb", allowed: "0 to 1048576 GiB"},
	{name: "io_bytes_per_s", allowed: "0 to 1e12 bytes/s"},
	{name: "net_bytes_per_s", allowed: "0 to 1e12 bytes/s"},
	{name: "pressure", allowed: "0 to 100 percent"}, // or pressure_cpu
	{name: "pressure_memory", allowed: "0 to 100 percent"},
	{name: "pressure_io", allowed: "0 to 100 percent"},
	{name: "name", firstRowOnly: true, allowed: "up to 64 letters, digits, '-', '_' and '.'"},
	{name: "cores", firstRowOnly: true, allowed: "an integer from 1 to 1024, or empty"},
	{name: "memory_limit_mb", firstRowOnly: true, allowed: "an integer from 16 to 16777216 MiB, or empty"},
	{name: "disk_size_gb", firstRowOnly: true, allowed: "0.01 to 1048576 GiB, or empty"},
}

// TraceError is a problem at one place of a trace CSV. Column is the
// 1-based field number; 0 when the problem is the whole line.
type TraceError struct {
	Line, Column int
	Name         string // the column's name, when known
	Problem      string
}

func (e *TraceError) Error() string {
	switch {
	case e.Column > 0 && e.Name != "":
		return fmt.Sprintf("line %d, column %d (%s): %s", e.Line, e.Column, e.Name, e.Problem)
	case e.Column > 0:
		return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Problem)
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Problem)
}

// ParseTrace reads a trace CSV (the columns are traceColumns; simulate's
// help describes them). Every problem of the content is a *TraceError
// naming the line and the column; other errors are from reading r.
// Containers come out in VMID order.
func ParseTrace(r io.Reader, defaults scaling.Allocation) (Trace, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return Trace{}, &TraceError{Line: 1, Problem: "empty trace: the first line names the columns, like timestamp,vmid,cpu_cores,memory_mb"}
		}
		return Trace{}, csvError(err)
	}
	line, _ := cr.FieldPos(0)
	index, err := traceHeader(header, line)
	if err != nil {
		return Trace{}, err
	}

	if index["disk_gb"] < 0 {
		defaults.DiskBytes = 0 // no usage to measure a size against
	}
	p := traceParser{cr: cr, index: index, defaults: defaults, byVMID: make(map[int]int)}
	for {
		record, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Trace{}, csvError(err)
		}
		if err := p.row(record); err != nil {
			return Trace{}, err
		}
	}
	if len(p.trace.Containers) == 0 {
		return Trace{}, &TraceError{Line: line + 1, Problem: "no sample: the trace has a header and no row"}
	}
	slices.SortFunc(p.trace.Containers, func(a, b TraceContainer) int { return a.VMID - b.VMID })
	return p.trace, nil
}

// traceHeader maps each known column name to its field index (-1 when
// absent).
func traceHeader(header []string, line int) (map[string]int, error) {
	index := make(map[string]int, len(traceColumns))
	for _, c := range traceColumns {
		index[c.name] = -1
	}
	for i, name := range header {
		name = strings.TrimSpace(name)
		if i == 0 {
			name = strings.TrimPrefix(name, "\ufeff") // a spreadsheet's byte order mark
		}
		written := name
		if name == "pressure_cpu" {
			name = "pressure" // as its siblings pressure_memory and pressure_io are named
		}
		at, known := index[name]
		switch {
		case !known:
			names := make([]string, len(traceColumns))
			for j, c := range traceColumns {
				names[j] = c.name
			}
			return nil, &TraceError{Line: line, Column: i + 1, Problem: fmt.Sprintf("unknown column %q; allowed: %s", name, strings.Join(names, ", "))}
		case at >= 0:
			return nil, &TraceError{Line: line, Column: i + 1, Problem: fmt.Sprintf("column %q is also column %d", written, at+1)}
		}
		index[name] = i
	}
	for _, c := range traceColumns {
		if c.required && index[c.name] < 0 {
			return nil, &TraceError{Line: line, Problem: fmt.Sprintf("the header lacks the required column %q (required: timestamp, vmid, cpu_cores, memory_mb)", c.name)}
		}
	}
	if index["disk_size_gb"] >= 0 && index["disk_gb"] < 0 {
		return nil, &TraceError{Line: line, Column: index["disk_size_gb"] + 1, Name: "disk_size_gb",
			Problem: "a disk size needs the disk used: add the column disk_gb, or drop disk_size_gb (the disk is then unknown: neither measured nor grown)"}
	}
	return index, nil
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			return &TraceError{Line: pe.Line, Problem: "the row has not as many fields as the header has columns"}
		}
		return &TraceError{Line: pe.Line, Column: pe.Column, Problem: pe.Err.Error() + " (column counts bytes here)"}
	}
	return err
}

type traceParser struct {
	cr       *csv.Reader
	index    map[string]int
	defaults scaling.Allocation
	trace    Trace
	byVMID   map[int]int // index into trace.Containers
}

// field returns the trimmed value of a column and where it is; ok is false
// when the trace has no such column.
func (p *traceParser) field(record []string, name string) (value string, at fieldAt, ok bool) {
	i := p.index[name]
	if i < 0 {
		return "", fieldAt{}, false
	}
	line, _ := p.cr.FieldPos(i)
	return strings.TrimSpace(record[i]), fieldAt{line: line, column: i + 1, name: name}, true
}

type fieldAt struct {
	line, column int
	name         string
}

func (at fieldAt) errorf(format string, args ...any) error {
	allowed := ""
	for _, c := range traceColumns {
		if c.name == at.name {
			allowed = c.allowed
		}
	}
	return &TraceError{Line: at.line, Column: at.column, Name: at.name, Problem: fmt.Sprintf(format, args...) + "; allowed: " + allowed}
}

// number parses a value in [lo, hi]; NaN and infinities are out of range.
func (p *traceParser) number(record []string, name string, lo, hi float64) (float64, error) {
	s, at, ok := p.field(record, name)
	if !ok {
		return 0, nil
	}
	return parseNumber(s, at, lo, hi)
}

func parseNumber(s string, at fieldAt, lo, hi float64) (float64, error) {
	if s == "" {
		return 0, at.errorf("empty")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || strings.ContainsAny(s, "xX_pP") { // no hex floats or digit separators
		return 0, at.errorf("%q is not a number", s)
	}
	if !(v >= lo && v <= hi) {
		return 0, at.errorf("%s is out of range", s)
	}
	return v, nil
}

func parseInteger(s string, at fieldAt, lo, hi int) (int, error) {
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, at.errorf("%q is not an integer", s)
	}
	if v < lo || v > hi {
		return 0, at.errorf("%d is out of range", v)
	}
	return v, nil
}

func (p *traceParser) row(record []string) error {
	s, at, _ := p.field(record, "vmid")
	vmid, err := parseInteger(s, at, MinVMID, MaxVMID)
	if err != nil {
		return err
	}
	s, at, _ = p.field(record, "timestamp")
	ts, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return at.errorf("%q is not an RFC 3339 time", s)
	}

	var pt TracePoint
	pt.Time = ts
	if pt.CPUCores, err = p.number(record, "cpu_cores", 0, MaxCores); err != nil {
		return err
	}
	mem, err := p.number(record, "memory_mb", 0, MaxMemoryMiB)
	if err != nil {
		return err
	}
	pt.MemoryBytes = uint64(math.Round(mem * bytesPerMiBFloat))
	disk, err := p.number(record, "disk_gb", 0, MaxDiskGiB)
	if err != nil {
		return err
	}
	pt.DiskBytes = uint64(math.Round(disk * bytesPerGiBFloat))
	if pt.IORate, err = p.number(record, "io_bytes_per_s", 0, MaxBytesPerSec); err != nil {
		return err
	}
	if pt.NetRate, err = p.number(record, "net_bytes_per_s", 0, MaxBytesPerSec); err != nil {
		return err
	}
	// Pressure goes where a listing's would: the window, the features and
	// the anomaly model.
	if pt.PressureCPU, err = p.number(record, "pressure", 0, MaxPressure); err != nil {
		return err
	}
	if pt.PressureMemory, err = p.number(record, "pressure_memory", 0, MaxPressure); err != nil {
		return err
	}
	if pt.PressureIO, err = p.number(record, "pressure_io", 0, MaxPressure); err != nil {
		return err
	}

	i, seen := p.byVMID[vmid]
	if !seen {
		c, err := p.container(record, vmid)
		if err != nil {
			return err
		}
		i = len(p.trace.Containers)
		p.byVMID[vmid] = i
		p.trace.Containers = append(p.trace.Containers, c)
	} else {
		for _, col := range traceColumns {
			if s, at, ok := p.field(record, col.name); ok && col.firstRowOnly && s != "" {
				return &TraceError{Line: at.line, Column: at.column, Name: col.name,
					Problem: fmt.Sprintf("given again for vmid %d; it describes the container and is read on its first row only: leave it empty here", vmid)}
			}
		}
		points := p.trace.Containers[i].Points
		if last := points[len(points)-1].Time; !ts.After(last) {
			_, at, _ := p.field(record, "timestamp")
			return &TraceError{Line: at.line, Column: at.column, Name: at.name,
				Problem: fmt.Sprintf("%s is not after the previous sample of vmid %d (%s): a container's samples must be in time order", s, vmid, last.Format(time.RFC3339Nano))}
		}
	}
	c := &p.trace.Containers[i]
	c.Points = append(c.Points, pt)
	return nil
}

// container reads the columns that describe a container, on its first row.
func (p *traceParser) container(record []string, vmid int) (TraceContainer, error) {
	c := TraceContainer{VMID: vmid, Initial: p.defaults}
	if s, at, ok := p.field(record, "name"); ok && s != "" {
		if !validName(s) {
			return c, at.errorf("%q is not a container name", s)
		}
		c.Name = s
	}
	if s, at, ok := p.field(record, "cores"); ok && s != "" {
		v, err := parseInteger(s, at, 1, MaxCores)
		if err != nil {
			return c, err
		}
		c.Initial.Cores = v
	}
	if s, at, ok := p.field(record, "memory_limit_mb"); ok && s != "" {
		v, err := parseInteger(s, at, MinMemoryMiB, MaxMemoryMiB)
		if err != nil {
			return c, err
		}
		c.Initial.MemoryMiB = v
	}
	if s, at, ok := p.field(record, "disk_size_gb"); ok && s != "" {
		v, err := parseNumber(s, at, MinDiskSizeGiB, MaxDiskGiB)
		if err != nil {
			return c, err
		}
		c.Initial.DiskBytes = uint64(math.Round(v * bytesPerGiBFloat))
	}
	return c, nil
}

// validName accepts what Proxmox accepts as a hostname, loosely: the name
// ends up in file names and SVG text.
func validName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		ok := r == '-' || r == '_' || r == '.' || ('0' <= r && r <= '9') || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z')
		if !ok {
			return false
		}
	}
	return true
}

// WriteTrace writes tr as a trace CSV that ParseTrace reads back: every
// column but name's first-row companions on later rows, PSI included, so
// that a generated scenario can be kept, edited or replayed with --trace.
// Values are written in full precision; a runaway's burn (RunawayCores)
// has no column and is left out.
func WriteTrace(w io.Writer, tr Trace) error {
	cw := csv.NewWriter(w)
	header := []string{"timestamp", "vmid", "cpu_cores", "memory_mb", "disk_gb", "io_bytes_per_s", "net_bytes_per_s",
		"pressure", "pressure_memory", "pressure_io", "name", "cores", "memory_limit_mb", "disk_size_gb"}
	if err := cw.Write(header); err != nil {
		return err
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	row := make([]string, len(header))
	for _, c := range tr.Containers {
		for i, p := range c.Points {
			row = append(row[:0], p.Time.Format(time.RFC3339Nano), strconv.Itoa(c.VMID), f(p.CPUCores),
				f(float64(p.MemoryBytes)/bytesPerMiBFloat), f(float64(p.DiskBytes)/bytesPerGiBFloat), f(p.IORate), f(p.NetRate),
				f(p.PressureCPU), f(p.PressureMemory), f(p.PressureIO), "", "", "", "")
			if i == 0 {
				row[10], row[11], row[12] = c.Name, strconv.Itoa(c.Initial.Cores), strconv.Itoa(c.Initial.MemoryMiB)
				if c.Initial.DiskBytes > 0 {
					row[13] = f(float64(c.Initial.DiskBytes) / bytesPerGiBFloat)
				}
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
