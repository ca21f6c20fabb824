package controller

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// lxc_metrics.json is written in the layout of the original monitor
// (reference §3.3): a JSON array with one object per collection cycle, keyed
// by container ID string plus "summary". Choices made where the original is
// silent or wrong, so that anybody reading the file knows them:
//
//   - Timestamps are UTC with microseconds and an explicit "+00:00"
//     ("2025-12-24T13:33:20.628660+00:00"): exactly what Python writes for
//     datetime.now(timezone.utc).isoformat(), so every Python that read the
//     original's naive timestamps (datetime.fromisoformat since 3.7, pandas)
//     reads ours, which "Z" would not give before Python 3.11; and unlike the
//     original's naive local time it survives DST and a change of host zone.
//     The loader accepts naive timestamps (read as UTC), "Z" and any
//     ±hh:mm offset, with 0 to 9 fraction digits (truncated to microseconds,
//     the format's precision).
//   - Keys inside an entry and inside the summary are sorted like the latest
//     original's sort_keys=True. Container IDs are in numeric order (101
//     before 1000), not Python's string order ("1000" before "101"): JSON
//     object order means nothing to any reader, and numeric order is what a
//     person scanning the file expects. "summary" comes last in both.
//   - Compact, not indent=4: at 1,000 containers x 1,000 cycles indent=4
//     adds about 300 bytes per container entry, some 300 MB of spaces.
//     Every cycle-level key starts a line, so the file still reads and greps
//     line by line: grep '^"101"' shows container 101 in every cycle.
//   - Floats are written like Python's repr (shortest round-trip digits,
//     "512.0" for whole values, exponent below 1e-4 and from 1e16), so the
//     file looks like the original's to a human and to a diff. A value that
//     is not finite (NaN, ±Inf: never valid JSON) is written as 0, except
//     anomaly_score, which is then left out.
//   - process_count is always 0: the Proxmox API has no source for it and
//     the controller runs nothing inside containers.
//   - filesystem_free_gb is total - used. The original wrote df's
//     "Available", which leaves out reserved blocks; the loader ignores the
//     field and derives nothing from it.
//
// New fields beside the original ones: node, cores, memory_limit_mb,
// pressure (PSI avg10 percentages; left out when Proxmox sent none) and
// anomaly_score (left out when no model has scored the container).
//
// The loader is lenient where the original files vary and strict where a
// value could not be what the writer meant: unknown keys are skipped, a
// missing or null field is zero (NaN for anomaly_score, nil for pressure),
// collected_containers, total_duration_seconds, process_count and
// filesystem_free_gb are read over but not kept (they are derived); a wrong
// type, a negative size, a non-integer counter, a key at cycle level that is
// neither a container ID nor "summary", or anything that is not JSON makes
// the whole file corrupt. Entries of a decoded cycle are in VMID order; a
// container ID given twice in a cycle keeps its last entry, as Python does.

// DefaultExportMaxEntries is the number of cycles kept when
// ExporterOptions.MaxEntries is not positive: the original's
// monitoring.max_metrics_entries (1,000 cycles, 16.7 h at 60 s).
const DefaultExportMaxEntries = 1000

// exportFileMode lets the group (an operator's tools) read the export.
const exportFileMode = 0o640

// Unit sizes of the format.
const (
	bytesPerMiB    = 1 << 20
	bytesPerGiB    = 1 << 30
	bytesPerSector = 512
)

// ExportEntry is one container in one cycle. Byte counts are bytes; counters
// are cumulative since the container started, as Proxmox reports them.
//
// It takes 160 bytes (plus 48 for a Pressure, which the listing already
// allocated): 160 MB for 1,000 containers x 1,000 cycles.
type ExportEntry struct {
	VMID       int
	Node       string
	Time       time.Time
	CPUPercent float64 // utilisation of the allocated cores, 0..100 (PVE cpu x 100)
	Cores      float64 // allocated (cpus)
	// Memory and swap use and limits.
	MemUsed, MemLimit, SwapUsed, SwapLimit uint64
	// DiskRead and DiskWrite are cumulative bytes, written as io_stats in
	// 512-byte sectors.
	DiskRead, DiskWrite uint64
	// NetIn and NetOut are cumulative bytes: network_usage rx_bytes and
	// tx_bytes.
	NetIn, NetOut uint64
	// DiskUsed and DiskSize are the root filesystem's: filesystem_usage_gb,
	// filesystem_total_gb and filesystem_free_gb.
	DiskUsed, DiskSize uint64
	Pressure           *proxmox.Pressure // nil when absent
	Score              float64           // anomaly score; NaN when none (then omitted)
}

// Cycle is one collection cycle: the running containers collected and the
// summary of the pass.
type Cycle struct {
	Start, End time.Time
	// Total is the number of containers listed (total_containers);
	// len(Entries) is the number collected (collected_containers).
	Total   int
	Entries []ExportEntry
	// MonitorCPUPercent and MonitorMemoryBytes are this process's CPU use
	// over the cycle and its memory (summary.monitor_cpu_percent and
	// summary.monitor_memory_usage_mb).
	MonitorCPUPercent  float64
	MonitorMemoryBytes uint64
}

// ExporterOptions configure an Exporter.
type ExporterOptions struct {
	Path string
	// MaxEntries is the number of newest cycles kept and written;
	// DefaultExportMaxEntries when not positive.
	MaxEntries int
	Logger     zerolog.Logger
	Metrics    *Metrics         // may be nil
	Now        func() time.Time // stamps a corrupt file moved aside; time.Now when nil
}

// Exporter keeps the newest cycles and writes them to lxc_metrics.json.
// Add and Write may be called from different goroutines; Load is meant to
// be called once, before the first Add and Write. Cycles are read-only once
// added: Load returns them to the caller, who must not change them.
type Exporter struct {
	path       string
	maxEntries int
	log        zerolog.Logger
	metrics    *Metrics
	now        func() time.Time

	mu     sync.Mutex
	cycles []Cycle // oldest first
	// keep is set when an unreadable file could not be moved aside: writing
	// would destroy it, so Write refuses.
	keep error

	// writeMu orders writes, so that a slow write of an older snapshot never
	// lands after a newer one. Add never waits for it.
	writeMu sync.Mutex
}

// NewExporter returns an Exporter holding no cycle.
func NewExporter(o ExporterOptions) *Exporter {
	if o.MaxEntries <= 0 {
		o.MaxEntries = DefaultExportMaxEntries
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Exporter{
		path:       o.Path,
		maxEntries: o.MaxEntries,
		log:        o.Logger.With().Str("component", "exporter").Logger(),
		metrics:    o.Metrics,
		now:        o.Now,
	}
}

// Load reads the existing file. A valid file: its newest MaxEntries cycles
// are kept, to be written again, and returned so that the caller can fill
// its windows. A missing file: nil, nil. A file that cannot be read or
// decoded is moved aside and Load returns a *CorruptFileError for the
// caller to log, and starts empty. If it cannot even be moved aside, Load
// returns that error and every Write fails, rather than overwrite the file.
//
// It first deletes the temporary files a write killed before its rename
// left beside the file (they can be as large as the export).
func (e *Exporter) Load() ([]Cycle, error) {
	e.writeMu.Lock() // a write in progress has a temporary file too
	removed, err := removeStaleTemps(e.path)
	e.writeMu.Unlock()
	if err != nil {
		e.log.Warn().Err(err).Msg("removing stale temporary files of the metrics export failed")
	}
	if len(removed) > 0 {
		e.log.Info().Strs("removed", removed).Msg("removed stale temporary files of the metrics export")
	}
	cycles, err := e.readFile()
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		aside, moveErr := moveAside(e.path, e.now())
		if moveErr != nil {
			err = fmt.Errorf("metrics export %s unreadable (%w) and left in place: %w", e.path, err, moveErr)
			e.mu.Lock()
			e.keep = err
			e.mu.Unlock()
			return nil, err
		}
		return nil, &CorruptFileError{Path: e.path, MovedTo: aside, Err: err}
	}
	e.mu.Lock()
	e.keep = nil // a file that now reads may be replaced again
	e.cycles = append(slices.Clone(cycles), e.cycles...)
	e.trimLocked()
	e.mu.Unlock()
	e.log.Info().Int("cycles", len(cycles)).Str("path", e.path).Msg("loaded metrics export")
	return cycles, nil
}

func (e *Exporter) readFile() ([]Cycle, error) {
	f, err := os.Open(e.path)
	if err != nil {
		return nil, err
	}
	defer f.Close() //nolint:errcheck // read only
	return decodeExport(f, e.maxEntries)
}

// Add appends a cycle and drops the oldest past MaxEntries. Its entries are
// copied (the caller may reuse its slice) and put in VMID order; a VMID
// given twice keeps its last entry, as the file could not hold both.
func (e *Exporter) Add(c Cycle) {
	c.Entries = sortEntries(slices.Clone(c.Entries))
	e.mu.Lock()
	defer e.mu.Unlock()
	e.cycles = append(e.cycles, c)
	e.trimLocked()
}

func (e *Exporter) trimLocked() {
	if drop := len(e.cycles) - e.maxEntries; drop > 0 {
		// Zero what is dropped so its entries can be collected: writes
		// work on their own copy of the slice.
		clear(e.cycles[:drop])
		e.cycles = e.cycles[drop:]
	}
}

// sortEntries puts entries in VMID order and keeps the last entry of a
// VMID given more than once, as Python's json does with a repeated key.
func sortEntries(entries []ExportEntry) []ExportEntry {
	// IsSortedFunc asks whether each entry compares below the one before
	// it: "not above" is below, so that a repeated VMID needs the work.
	strictlyIncreasing := func(a, b ExportEntry) int {
		if a.VMID > b.VMID {
			return 1
		}
		return -1
	}
	if slices.IsSortedFunc(entries, strictlyIncreasing) {
		return entries
	}
	slices.SortStableFunc(entries, func(a, b ExportEntry) int { return cmp.Compare(a.VMID, b.VMID) })
	kept := entries[:0]
	for i := range entries {
		if i+1 < len(entries) && entries[i+1].VMID == entries[i].VMID {
			continue
		}
		kept = append(kept, entries[i])
	}
	clear(entries[len(kept):])
	return kept
}

// Write writes every cycle held to the file atomically (temporary file,
// fsync, rename; mode 0640). Adds go on while it writes: it works on a
// snapshot of the cycles taken when it starts.
func (e *Exporter) Write() error {
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	e.mu.Lock()
	if e.keep != nil {
		err := e.keep
		e.mu.Unlock()
		return fmt.Errorf("metrics export not written: %w", err)
	}
	cycles := slices.Clone(e.cycles)
	e.mu.Unlock()

	start := time.Now()
	var written int64
	err := writeFileAtomic(e.path, exportFileMode, func(w io.Writer) error {
		n, err := encodeExport(w, cycles)
		written = n
		return err
	})
	elapsed := time.Since(start)
	if e.metrics != nil {
		e.metrics.exportDuration.Observe(elapsed.Seconds())
		result := "ok"
		if err != nil {
			result = "failed"
		}
		e.metrics.exports.WithLabelValues(result).Inc()
	}
	if err != nil {
		return fmt.Errorf("write metrics export %s: %w", e.path, err)
	}
	e.log.Debug().Int("cycles", len(cycles)).Int64("bytes", written).
		Float64("duration_seconds", elapsed.Seconds()).Msg("wrote metrics export")
	return nil
}

// DecodeExport parses an lxc_metrics.json: ours or the original monitor's.
// It reads r in blocks; the whole input is never held at once.
func DecodeExport(r io.Reader) ([]Cycle, error) {
	return decodeExport(r, 0)
}

// ---------------------------------------------------------------- writing

// exportFlushSize is how much encoded text is gathered before it is handed
// to the writer.
const exportFlushSize = 64 << 10

// encodeExport writes cycles in the export layout and returns the bytes
// written. It appends into one reused buffer with strconv rather than going
// through encoding/json: see BenchmarkExportWrite for the difference.
func encodeExport(w io.Writer, cycles []Cycle) (int64, error) {
	buf := make([]byte, 0, exportFlushSize+4096)
	var written int64
	flush := func() error {
		n, err := w.Write(buf)
		written += int64(n)
		buf = buf[:0]
		return err
	}
	if len(cycles) == 0 {
		buf = append(buf, "[]\n"...)
		return written, flush()
	}
	buf = append(buf, '[')
	for i := range cycles {
		c := &cycles[i]
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, "\n{"...)
		for j := range c.Entries {
			buf = appendEntry(buf, &c.Entries[j])
			buf = append(buf, ',')
			if len(buf) >= exportFlushSize {
				if err := flush(); err != nil {
					return written, err
				}
			}
		}
		buf = appendSummary(buf, c)
		buf = append(buf, "\n}"...)
	}
	buf = append(buf, "\n]\n"...)
	return written, flush()
}

func appendEntry(b []byte, en *ExportEntry) []byte {
	b = append(b, "\n\""...)
	b = strconv.AppendInt(b, int64(en.VMID), 10)
	b = append(b, `":{`...)
	if !math.IsNaN(en.Score) && !math.IsInf(en.Score, 0) {
		b = append(b, `"anomaly_score":`...)
		b = appendPyFloat(b, en.Score)
		b = append(b, ',')
	}
	b = append(b, `"cores":`...)
	b = appendPyFloat(b, en.Cores)
	b = append(b, `,"cpu_usage_percent":`...)
	b = appendPyFloat(b, en.CPUPercent)
	free := uint64(0)
	if en.DiskSize > en.DiskUsed {
		free = en.DiskSize - en.DiskUsed
	}
	b = append(b, `,"filesystem_free_gb":`...)
	b = appendUnits(b, free, bytesPerGiB)
	b = append(b, `,"filesystem_total_gb":`...)
	b = appendUnits(b, en.DiskSize, bytesPerGiB)
	b = append(b, `,"filesystem_usage_gb":`...)
	b = appendUnits(b, en.DiskUsed, bytesPerGiB)
	b = append(b, `,"io_stats":{"reads":`...)
	b = strconv.AppendUint(b, en.DiskRead/bytesPerSector, 10)
	b = append(b, `,"writes":`...)
	b = strconv.AppendUint(b, en.DiskWrite/bytesPerSector, 10)
	b = append(b, `},"memory_limit_mb":`...)
	b = appendUnits(b, en.MemLimit, bytesPerMiB)
	b = append(b, `,"memory_usage_mb":`...)
	b = appendUnits(b, en.MemUsed, bytesPerMiB)
	b = append(b, `,"network_usage":{"rx_bytes":`...)
	b = strconv.AppendUint(b, en.NetIn, 10)
	b = append(b, `,"tx_bytes":`...)
	b = strconv.AppendUint(b, en.NetOut, 10)
	b = append(b, `},"node":`...)
	b = appendString(b, en.Node)
	if p := en.Pressure; p != nil {
		b = append(b, `,"pressure":{"cpu_full":`...)
		b = appendPyFloat(b, p.CPUFull)
		b = append(b, `,"cpu_some":`...)
		b = appendPyFloat(b, p.CPUSome)
		b = append(b, `,"io_full":`...)
		b = appendPyFloat(b, p.IOFull)
		b = append(b, `,"io_some":`...)
		b = appendPyFloat(b, p.IOSome)
		b = append(b, `,"memory_full":`...)
		b = appendPyFloat(b, p.MemoryFull)
		b = append(b, `,"memory_some":`...)
		b = appendPyFloat(b, p.MemorySome)
		b = append(b, '}')
	}
	// No API gives the number of processes in a container: see the top of
	// this file.
	b = append(b, `,"process_count":0,"swap_total_mb":`...)
	b = appendUnits(b, en.SwapLimit, bytesPerMiB)
	b = append(b, `,"swap_usage_mb":`...)
	b = appendUnits(b, en.SwapUsed, bytesPerMiB)
	b = append(b, `,"timestamp":"`...)
	b = appendTimestamp(b, en.Time)
	return append(b, `"}`...)
}

func appendSummary(b []byte, c *Cycle) []byte {
	start, end := truncateTimestamp(c.Start), truncateTimestamp(c.End)
	b = append(b, "\n\"summary\":{\"collected_containers\":"...)
	b = strconv.AppendInt(b, int64(len(c.Entries)), 10)
	b = append(b, `,"collection_end_time":"`...)
	b = appendTimestamp(b, end)
	b = append(b, `","collection_start_time":"`...)
	b = appendTimestamp(b, start)
	b = append(b, `","monitor_cpu_percent":`...)
	b = appendPyFloat(b, c.MonitorCPUPercent)
	b = append(b, `,"monitor_memory_usage_mb":`...)
	b = appendUnits(b, c.MonitorMemoryBytes, bytesPerMiB)
	b = append(b, `,"total_containers":`...)
	b = strconv.AppendInt(b, int64(c.Total), 10)
	b = append(b, `,"total_duration_seconds":`...)
	b = appendPyFloat(b, end.Sub(start).Seconds())
	return append(b, '}')
}

// appendUnits writes a byte count in MiB or GiB. Dividing by a power of two
// is exact, so the loader gets every byte back below 2^53 bytes (8 PiB).
func appendUnits(b []byte, v uint64, unit float64) []byte {
	return appendPyFloat(b, float64(v)/unit)
}

// appendPyFloat writes f as Python's repr does. Not finite -> 0 (JSON has
// no NaN).
func appendPyFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "0.0"...)
	}
	// Whole numbers (cores, limits in MiB) are common: skip the shortest
	// digits search for them.
	if a := math.Abs(f); a < 1e15 && f == math.Trunc(f) {
		if f == 0 && math.Signbit(f) {
			return append(b, "-0.0"...)
		}
		b = strconv.AppendInt(b, int64(f), 10)
		return append(b, ".0"...)
	}
	if a := math.Abs(f); a < 1e-4 || a >= 1e16 {
		return strconv.AppendFloat(b, f, 'e', -1, 64) // 1e-05, 1.5e+16 like Python
	}
	n := len(b)
	b = strconv.AppendFloat(b, f, 'f', -1, 64)
	for _, c := range b[n:] {
		if c == '.' {
			return b
		}
	}
	return append(b, ".0"...)
}

// truncateTimestamp keeps what the format keeps: UTC microseconds.
func truncateTimestamp(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}

// appendTimestamp writes t in UTC as 2006-01-02T15:04:05.000000+00:00. A
// time outside the years 1-9999 (which Python and the loader refuse) is
// written as the zero time rather than make the whole file unreadable.
func appendTimestamp(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 1 || year > 9999 {
		t = time.Time{}
		year, month, day = t.Date()
	}
	hour, minute, sec := t.Clock()
	b = appendDigits(b, year, 4)
	b = append(b, '-')
	b = appendDigits(b, int(month), 2)
	b = append(b, '-')
	b = appendDigits(b, day, 2)
	b = append(b, 'T')
	b = appendDigits(b, hour, 2)
	b = append(b, ':')
	b = appendDigits(b, minute, 2)
	b = append(b, ':')
	b = appendDigits(b, sec, 2)
	b = append(b, '.')
	b = appendDigits(b, t.Nanosecond()/1000, 6)
	return append(b, "+00:00"...)
}

func appendDigits(b []byte, v, width int) []byte {
	var tmp [8]byte
	for i := width - 1; i >= 0; i-- {
		tmp[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, tmp[:width]...)
}

// appendString writes s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, "\ufffd"...)
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// ---------------------------------------------------------------- reading

// decodeBlockSize is how much of the input the decoder reads at a time; a
// single token longer than that (never in a real file) grows the buffer.
const decodeBlockSize = 256 << 10

// maxSkipDepth bounds the nesting of unknown values the decoder steps over,
// so that a hostile file cannot exhaust the stack.
const maxSkipDepth = 512

// exportDecoder is a streaming parser for the export layout: a hand-written
// JSON scanner that decodes straight into Cycles, several times faster than
// encoding/json (see BenchmarkExportLoad) and never holding more than a
// block of the file.
type exportDecoder struct {
	r        io.Reader
	buf      []byte
	pos, end int   // unread input is buf[pos:end]
	base     int64 // input offset of buf[0], for error messages
	rerr     error // the reader's error (io.EOF at the end)

	keys      [][]byte          // the current key of each open object, copied out of buf
	depth     int               // open objects
	str       []byte            // scratch for strings with escapes
	nodes     map[string]string // node names, interned
	pressures []proxmox.Pressure
	entryHint int
}

// decodeExport parses r; keep > 0 keeps only the last keep cycles while
// decoding, so that a long file never has to fit in memory whole.
func decodeExport(r io.Reader, keep int) ([]Cycle, error) {
	d := &exportDecoder{r: r, buf: make([]byte, decodeBlockSize), nodes: map[string]string{}}
	cycles, err := d.document(keep)
	if err != nil {
		return nil, fmt.Errorf("decode metrics export: %w", err)
	}
	return cycles, nil
}

func (d *exportDecoder) document(keep int) ([]Cycle, error) {
	c, err := d.nonSpace()
	if err != nil {
		return nil, err
	}
	if c != '[' {
		return nil, d.errorf("not a JSON array")
	}
	d.pos++
	cycles := []Cycle{}
	if c, err = d.nonSpace(); err != nil {
		return nil, err
	}
	if c == ']' {
		d.pos++
	} else {
		for {
			cy, err := d.cycle()
			if err != nil {
				return nil, fmt.Errorf("cycle %d: %w", len(cycles), err)
			}
			cycles = append(cycles, cy)
			if keep > 0 && len(cycles) > keep {
				cycles[0] = Cycle{}
				cycles = cycles[1:]
			}
			if c, err = d.nonSpace(); err != nil {
				return nil, err
			}
			d.pos++
			if c == ']' {
				break
			}
			if c != ',' {
				d.pos--
				return nil, d.errorf("want , or ] after a cycle, got %q", c)
			}
		}
	}
	if _, err := d.nonSpace(); err == nil {
		return nil, d.errorf("data after the array")
	} else if !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, err
	}
	return cycles, nil
}

// cycle-level and entry fields.
const summaryKey = "summary"

func (d *exportDecoder) cycle() (Cycle, error) {
	cy := Cycle{Entries: make([]ExportEntry, 0, d.entryHint)}
	err := d.object("a cycle object", func(key []byte) error {
		if string(key) == summaryKey {
			return d.summary(&cy)
		}
		vmid, err := strconv.Atoi(string(key))
		if err != nil {
			return errors.New("neither a container ID nor \"summary\"")
		}
		en, err := d.entry(vmid)
		if err != nil {
			return err
		}
		cy.Entries = append(cy.Entries, en)
		return nil
	})
	if err != nil {
		return Cycle{}, err
	}
	cy.Entries = sortEntries(cy.Entries)
	d.entryHint = len(cy.Entries)
	return cy, nil
}

func (d *exportDecoder) summary(cy *Cycle) error {
	return d.object("the summary object", func(key []byte) error {
		var err error
		switch string(key) {
		case "collection_start_time":
			cy.Start, err = d.timestamp()
		case "collection_end_time":
			cy.End, err = d.timestamp()
		case "total_containers":
			cy.Total, err = d.integer()
		case "monitor_cpu_percent":
			cy.MonitorCPUPercent, _, err = d.float()
		case "monitor_memory_usage_mb":
			cy.MonitorMemoryBytes, err = d.size(bytesPerMiB)
		default: // collected_containers and total_duration_seconds are derived
			return d.skip(0)
		}
		return err
	})
}

func (d *exportDecoder) entry(vmid int) (ExportEntry, error) {
	en := ExportEntry{VMID: vmid, Score: math.NaN()}
	err := d.object("an entry object", func(key []byte) error {
		var err error
		switch string(key) {
		case "timestamp":
			en.Time, err = d.timestamp()
		case "node":
			en.Node, err = d.node()
		case "cpu_usage_percent":
			en.CPUPercent, _, err = d.float()
		case "cores":
			en.Cores, _, err = d.float()
		case "memory_usage_mb":
			en.MemUsed, err = d.size(bytesPerMiB)
		case "memory_limit_mb":
			en.MemLimit, err = d.size(bytesPerMiB)
		case "swap_usage_mb":
			en.SwapUsed, err = d.size(bytesPerMiB)
		case "swap_total_mb":
			en.SwapLimit, err = d.size(bytesPerMiB)
		case "filesystem_usage_gb":
			en.DiskUsed, err = d.size(bytesPerGiB)
		case "filesystem_total_gb":
			en.DiskSize, err = d.size(bytesPerGiB)
		case "io_stats":
			err = d.pair("reads", "writes", bytesPerSector, &en.DiskRead, &en.DiskWrite)
		case "network_usage":
			err = d.pair("rx_bytes", "tx_bytes", 1, &en.NetIn, &en.NetOut)
		case "pressure":
			en.Pressure, err = d.pressure()
		case "anomaly_score":
			var present bool
			if en.Score, present, err = d.float(); !present {
				en.Score = math.NaN()
			}
		default: // process_count, filesystem_free_gb, and what we do not know
			return d.skip(0)
		}
		return err
	})
	return en, err
}

// pair reads {"<a>": n, "<b>": n} of cumulative counters in units of unit
// bytes; a null object leaves both at zero.
func (d *exportDecoder) pair(a, b string, unit uint64, va, vb *uint64) error {
	if null, err := d.null(); null || err != nil {
		return err
	}
	return d.object("an object", func(key []byte) error {
		var err error
		switch string(key) {
		case a:
			*va, err = d.counter(unit)
		case b:
			*vb, err = d.counter(unit)
		default:
			return d.skip(0)
		}
		return err
	})
}

func (d *exportDecoder) pressure() (*proxmox.Pressure, error) {
	if null, err := d.null(); null || err != nil {
		return nil, err
	}
	if len(d.pressures) == cap(d.pressures) {
		d.pressures = make([]proxmox.Pressure, 0, 1024)
	}
	d.pressures = d.pressures[:len(d.pressures)+1]
	p := &d.pressures[len(d.pressures)-1]
	err := d.object("an object", func(key []byte) error {
		var f *float64
		switch string(key) {
		case "cpu_some":
			f = &p.CPUSome
		case "cpu_full":
			f = &p.CPUFull
		case "io_some":
			f = &p.IOSome
		case "io_full":
			f = &p.IOFull
		case "memory_some":
			f = &p.MemorySome
		case "memory_full":
			f = &p.MemoryFull
		default:
			return d.skip(0)
		}
		var err error
		*f, _, err = d.float()
		return err
	})
	return p, err
}

// object reads a JSON object, calling field for each key with the input
// positioned at its value; field must consume the value. key stays valid
// while field runs. An error of field comes back prefixed with the key.
func (d *exportDecoder) object(what string, field func(key []byte) error) error {
	c, err := d.nonSpace()
	if err != nil {
		return err
	}
	if c != '{' {
		return d.errorf("want %s, got %s", what, describe(c))
	}
	d.pos++
	if c, err = d.nonSpace(); err != nil {
		return err
	}
	if c == '}' {
		d.pos++
		return nil
	}
	level := d.depth
	if level == len(d.keys) {
		d.keys = append(d.keys, nil)
	}
	d.depth++
	defer func() { d.depth-- }()
	for {
		if c != '"' {
			return d.errorf("want a key, got %s", describe(c))
		}
		raw, err := d.stringBody()
		if err != nil {
			return err
		}
		key := append(d.keys[level][:0], raw...)
		d.keys[level] = key
		if c, err = d.nonSpace(); err != nil {
			return err
		}
		if c != ':' {
			return d.errorf("want : after a key, got %s", describe(c))
		}
		d.pos++
		if err := field(key); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		if c, err = d.nonSpace(); err != nil {
			return err
		}
		d.pos++
		if c == '}' {
			return nil
		}
		if c != ',' {
			d.pos--
			return d.errorf("want , or } in an object, got %s", describe(c))
		}
		if c, err = d.nonSpace(); err != nil {
			return err
		}
	}
}

// skip steps over any JSON value, checking that it is well formed.
func (d *exportDecoder) skip(depth int) error {
	if depth > maxSkipDepth {
		return d.errorf("values nested too deep")
	}
	c, err := d.nonSpace()
	if err != nil {
		return err
	}
	switch {
	case c == '{':
		return d.object("an object", func([]byte) error { return d.skip(depth + 1) })
	case c == '[':
		d.pos++
		if c, err = d.nonSpace(); err != nil {
			return err
		}
		if c == ']' {
			d.pos++
			return nil
		}
		for {
			if err := d.skip(depth + 1); err != nil {
				return err
			}
			if c, err = d.nonSpace(); err != nil {
				return err
			}
			d.pos++
			if c == ']' {
				return nil
			}
			if c != ',' {
				d.pos--
				return d.errorf("want , or ] in an array, got %s", describe(c))
			}
		}
	case c == '"':
		_, err := d.stringBody()
		return err
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == 'n':
		return d.literal("null")
	default:
		_, err := d.number()
		return err
	}
}

// null consumes a null if one comes next.
func (d *exportDecoder) null() (bool, error) {
	c, err := d.nonSpace()
	if err != nil || c != 'n' {
		return false, err
	}
	return true, d.literal("null")
}

func (d *exportDecoder) literal(word string) error {
	if !d.ensure(len(word)) || string(d.buf[d.pos:d.pos+len(word)]) != word {
		if err := d.readErr(); err != nil {
			return err
		}
		return d.errorf("invalid literal, want %s", word)
	}
	d.pos += len(word)
	return nil
}

// float reads a number; present is false for null (and f is 0).
func (d *exportDecoder) float() (f float64, present bool, err error) {
	if null, err := d.null(); null || err != nil {
		return 0, false, err
	}
	raw, err := d.number()
	if err != nil {
		return 0, false, err
	}
	f, err = strconv.ParseFloat(string(raw), 64)
	if err != nil { // only out of range: the syntax was checked
		return 0, false, d.errorf("number %s out of range", raw)
	}
	return f, true, nil
}

// twoTo64 is 2^64, the first float64 past the uint64 range.
const twoTo64 = float64(1 << 63 * 2.0)

// size reads a size in units of unit bytes (MiB or GiB, a float) as bytes.
// null is 0.
func (d *exportDecoder) size(unit float64) (uint64, error) {
	f, _, err := d.float()
	if err != nil {
		return 0, err
	}
	b := f * unit
	switch {
	case b < 0:
		return 0, d.errorf("negative size")
	case b > twoTo64:
		return 0, d.errorf("size out of range")
	case b == twoTo64: // float64(MaxUint64) rounds up to 2^64: what the writer wrote for it
		return math.MaxUint64, nil
	}
	return uint64(b), nil
}

// counter reads a non-negative integer count of units of unit bytes as
// bytes. null is 0.
func (d *exportDecoder) counter(unit uint64) (uint64, error) {
	if null, err := d.null(); null || err != nil {
		return 0, err
	}
	raw, err := d.number()
	if err != nil {
		return 0, err
	}
	var n uint64
	if isPlainInteger(raw) {
		if raw[0] == '-' {
			if string(raw) != "-0" {
				return 0, d.errorf("negative counter %s", raw)
			}
		} else if n, err = strconv.ParseUint(string(raw), 10, 64); err != nil {
			return 0, d.errorf("counter %s out of range", raw)
		}
	} else {
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil || f < 0 || f >= twoTo64 || f != math.Trunc(f) {
			return 0, d.errorf("counter %s is not a non-negative integer", raw)
		}
		n = uint64(f)
	}
	if n > math.MaxUint64/unit {
		return 0, d.errorf("counter %s out of range", raw)
	}
	return n * unit, nil
}

// integer reads an int; null is 0.
func (d *exportDecoder) integer() (int, error) {
	if null, err := d.null(); null || err != nil {
		return 0, err
	}
	raw, err := d.number()
	if err != nil {
		return 0, err
	}
	if isPlainInteger(raw) {
		n, err := strconv.ParseInt(string(raw), 10, strconv.IntSize)
		if err != nil {
			return 0, d.errorf("integer %s out of range", raw)
		}
		return int(n), nil
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || f != math.Trunc(f) || f < math.MinInt || f >= -math.MinInt {
		return 0, d.errorf("%s is not an integer", raw)
	}
	return int(f), nil
}

func isPlainInteger(raw []byte) bool {
	for _, c := range raw {
		if c == '.' || c == 'e' || c == 'E' {
			return false
		}
	}
	return true
}

func (d *exportDecoder) timestamp() (time.Time, error) {
	if null, err := d.null(); null || err != nil {
		return time.Time{}, err
	}
	raw, err := d.string()
	if err != nil {
		return time.Time{}, err
	}
	t, err := parseTimestamp(raw)
	if err != nil {
		return time.Time{}, d.errorf("%w", err)
	}
	return t, nil
}

// node reads a string and interns it: a file holds the same few node names
// a million times.
func (d *exportDecoder) node() (string, error) {
	if null, err := d.null(); null || err != nil {
		return "", err
	}
	raw, err := d.string()
	if err != nil {
		return "", err
	}
	if s, ok := d.nodes[string(raw)]; ok {
		return s, nil
	}
	s := string(raw)
	d.nodes[s] = s
	return s, nil
}

// string reads a JSON string and returns its contents, valid until the
// next read.
func (d *exportDecoder) string() ([]byte, error) {
	c, err := d.nonSpace()
	if err != nil {
		return nil, err
	}
	if c != '"' {
		return nil, d.errorf("want a string, got %s", describe(c))
	}
	return d.stringBody()
}

// stringBody reads the string starting at buf[pos] (a quote). Strings
// without escapes or non-ASCII bytes come back as a slice of the buffer.
func (d *exportDecoder) stringBody() ([]byte, error) {
	d.pos++
	i, plain := d.pos, true
	for {
		for i < d.end && plainStringByte[d.buf[i]] {
			i++
		}
		if i >= d.end {
			off := i - d.pos
			if !d.fill() {
				return nil, d.unexpectedEnd()
			}
			i = d.pos + off
			continue
		}
		c := d.buf[i]
		switch {
		case c == '"':
			raw := d.buf[d.pos:i]
			d.pos = i + 1
			if plain {
				return raw, nil
			}
			return d.unescape(raw)
		case c == '\\':
			plain = false
			i += 2
		case c < 0x20:
			d.pos = i
			return nil, d.errorf("control character in a string")
		default: // not ASCII
			plain = false
			i++
		}
	}
}

// plainStringByte and numberByte classify bytes for the scanning loops.
var plainStringByte, numberByte = func() (plain, number [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		plain[c] = c != '"' && c != '\\'
	}
	for _, c := range []byte("0123456789+-.eE") {
		number[c] = true
	}
	return plain, number
}()

// unescape decodes a string's escapes into d.str. Invalid UTF-8 and lone
// surrogates become U+FFFD, as encoding/json does.
func (d *exportDecoder) unescape(raw []byte) ([]byte, error) {
	out := d.str[:0]
	for i := 0; i < len(raw); {
		c := raw[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && size == 1 {
				out = utf8.AppendRune(out, utf8.RuneError)
			} else {
				out = append(out, raw[i:i+size]...)
			}
			i += size
			continue
		}
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= len(raw) {
			return nil, d.errorf("invalid escape in a string")
		}
		switch e := raw[i+1]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(raw[i+2:])
			if !ok {
				return nil, d.errorf("invalid \\u escape in a string")
			}
			i += 6
			if utf16IsSurrogate(r) {
				r2, ok := rune(0), false
				if i+1 < len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
					r2, ok = hex4(raw[i+2:])
				}
				if combined := utf16Decode(r, r2); ok && combined != utf8.RuneError {
					r = combined
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
			continue
		default:
			return nil, d.errorf("invalid escape in a string")
		}
		i += 2
	}
	d.str = out
	return out, nil
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

func utf16IsSurrogate(r rune) bool { return 0xd800 <= r && r < 0xe000 }

// utf16Decode combines a surrogate pair; U+FFFD when r1, r2 are not one.
func utf16Decode(r1, r2 rune) rune {
	if 0xd800 <= r1 && r1 < 0xdc00 && 0xdc00 <= r2 && r2 < 0xe000 {
		return (r1-0xd800)<<10 | (r2 - 0xdc00) + 0x10000
	}
	return utf8.RuneError
}

// number reads a JSON number and returns its text, valid until the next
// read.
func (d *exportDecoder) number() ([]byte, error) {
	if _, err := d.nonSpace(); err != nil {
		return nil, err
	}
	i := d.pos
	for {
		if i >= d.end {
			off := i - d.pos
			if !d.fill() {
				if err := d.readErr(); err != nil {
					return nil, err
				}
				i = d.pos + off
				break
			}
			i = d.pos + off
			continue
		}
		if !numberByte[d.buf[i]] {
			break
		}
		i++
	}
	raw := d.buf[d.pos:i]
	if !validNumber(raw) {
		if len(raw) == 0 {
			return nil, d.errorf("want a value, got %s", describe(d.buf[d.pos]))
		}
		return nil, d.errorf("invalid number %q", raw)
	}
	d.pos = i
	return raw, nil
}

// validNumber checks the JSON number grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func validNumber(b []byte) bool {
	i, n := 0, len(b)
	if i < n && b[i] == '-' {
		i++
	}
	switch {
	case i < n && b[i] == '0':
		i++
	case i < n && '1' <= b[i] && b[i] <= '9':
		for i++; i < n && isDigit(b[i]); i++ {
		}
	default:
		return false
	}
	if i < n && b[i] == '.' {
		i++
		if i == n || !isDigit(b[i]) {
			return false
		}
		for i++; i < n && isDigit(b[i]); i++ {
		}
	}
	if i < n && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < n && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i == n || !isDigit(b[i]) {
			return false
		}
		for i++; i < n && isDigit(b[i]); i++ {
		}
	}
	return i == n
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// nonSpace skips whitespace and returns the next byte without consuming
// it; at the end of the input it returns io.ErrUnexpectedEOF (or the
// reader's error). The compact layout has no whitespace: the first test
// nearly always answers, and is small enough to inline.
func (d *exportDecoder) nonSpace() (byte, error) {
	if d.pos < d.end && d.buf[d.pos] > ' ' {
		return d.buf[d.pos], nil
	}
	return d.nonSpaceSlow()
}

func (d *exportDecoder) nonSpaceSlow() (byte, error) {
	for {
		for d.pos < d.end {
			switch c := d.buf[d.pos]; c {
			case ' ', '\t', '\n', '\r':
				d.pos++
			default:
				return c, nil
			}
		}
		if !d.fill() {
			return 0, d.unexpectedEnd()
		}
	}
}

// ensure makes n bytes available at buf[pos:] if the input has them.
func (d *exportDecoder) ensure(n int) bool {
	for d.end-d.pos < n {
		if !d.fill() {
			return false
		}
	}
	return true
}

// fill reads more input behind buf[pos:end], moving that to the front of
// the buffer first; it reports whether there is more.
func (d *exportDecoder) fill() bool {
	if d.rerr != nil {
		return false
	}
	if d.pos > 0 {
		n := copy(d.buf, d.buf[d.pos:d.end])
		d.base += int64(d.pos)
		d.pos, d.end = 0, n
	}
	if d.end == len(d.buf) { // one token fills the buffer
		d.buf = append(d.buf, make([]byte, len(d.buf))...)
	}
	for range 100 {
		n, err := d.r.Read(d.buf[d.end:])
		d.end += n
		if err != nil {
			d.rerr = err
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	d.rerr = io.ErrNoProgress
	return false
}

// readErr is the reader's error, other than the end of the input.
func (d *exportDecoder) readErr() error {
	if d.rerr != nil && !errors.Is(d.rerr, io.EOF) {
		return fmt.Errorf("read at byte %d: %w", d.base+int64(d.end), d.rerr)
	}
	return nil
}

func (d *exportDecoder) unexpectedEnd() error {
	if err := d.readErr(); err != nil {
		return err
	}
	return fmt.Errorf("at byte %d: %w", d.base+int64(d.end), io.ErrUnexpectedEOF)
}

func (d *exportDecoder) errorf(format string, args ...any) error {
	return fmt.Errorf("at byte %d: %w", d.base+int64(d.pos), fmt.Errorf(format, args...))
}

func describe(c byte) string {
	switch {
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == '"':
		return "a string"
	case c == '-' || ('0' <= c && c <= '9'):
		return "a number"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	default:
		return strconv.QuoteRune(rune(c))
	}
}

// parseTimestamp reads an ISO 8601 date and time as Python's isoformat
// writes it: YYYY-MM-DDTHH:MM:SS, then optionally 1 to 9 fraction digits
// (kept to the microsecond) and "Z" or ±HH:MM. Without a zone it is UTC.
// The result is in UTC and within Python's years 1 to 9999.
func parseTimestamp(b []byte) (time.Time, error) {
	bad := func() (time.Time, error) { return time.Time{}, fmt.Errorf("invalid timestamp %q", b) }
	if len(b) < 19 || b[4] != '-' || b[7] != '-' || (b[10] != 'T' && b[10] != ' ') || b[13] != ':' || b[16] != ':' {
		return bad()
	}
	year, ok1 := atoiFixed(b[0:4])
	month, ok2 := atoiFixed(b[5:7])
	day, ok3 := atoiFixed(b[8:10])
	hour, ok4 := atoiFixed(b[11:13])
	minute, ok5 := atoiFixed(b[14:16])
	sec, ok6 := atoiFixed(b[17:19])
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 ||
		year < 1 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return bad()
	}
	rest := b[19:]
	micros := 0
	if len(rest) > 0 && rest[0] == '.' {
		n := 1
		for n < len(rest) && '0' <= rest[n] && rest[n] <= '9' {
			n++
		}
		digits := rest[1:n]
		if len(digits) == 0 || len(digits) > 9 {
			return bad()
		}
		for i := range 6 {
			micros *= 10
			if i < len(digits) {
				micros += int(digits[i] - '0')
			}
		}
		rest = rest[n:]
	}
	offset := 0
	switch {
	case len(rest) == 0:
	case len(rest) == 1 && rest[0] == 'Z':
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		h, okh := atoiFixed(rest[1:3])
		m, okm := atoiFixed(rest[4:6])
		if !okh || !okm || h > 23 || m > 59 {
			return bad()
		}
		offset = (h*60 + m) * 60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return bad()
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, micros*1000, time.UTC)
	if t.Day() != day { // 31 April, 29 February of a common year
		return bad()
	}
	t = t.Add(-time.Duration(offset) * time.Second)
	if y := t.Year(); y < 1 || y > 9999 {
		return time.Time{}, fmt.Errorf("timestamp %q outside the years 1 to 9999", b)
	}
	return t, nil
}

func atoiFixed(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
