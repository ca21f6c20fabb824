package export

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/controller/lxcmetrics"
)

// DefaultMaxEntries is the number of cycles kept when Options.MaxEntries
// is not positive: the original's monitoring.max_metrics_entries (1,000
// cycles, 16.7 h at 60 s).
const DefaultMaxEntries = 1000

// FileMode lets the group (an operator's tools) read the export.
const FileMode = 0o640

// Files are the file operations the File shares with the rest of the
// controller (its state file): controller gives them.
type Files interface {
	// Replace writes path anew with what write produces, atomically: a
	// temporary file beside it, fsynced, renamed over it, keeping the
	// mode of a file already there (perm for a new one).
	Replace(path string, perm fs.FileMode, write func(w io.Writer) error) error
	// MoveAside moves the file at path, which is not an export (cause),
	// out of the way. report is the error to log or return: where the file
	// went, or, when it could not be moved, why not (and then the file
	// must not be written).
	MoveAside(path string, cause error) (moved bool, report error)
	// RemoveStaleTemps deletes the temporary files of path a killed
	// Replace left and returns their names.
	RemoveStaleTemps(path string) ([]string, error)
}

// Metrics are the collectors a File records to; any may be nil.
type Metrics struct {
	Duration prometheus.Observer    // time of an Append with its compaction
	Appends  *prometheus.CounterVec // result: ok, failed
	Written  prometheus.Counter     // bytes written: appends, compactions, repairs
	Repairs  prometheus.Counter     // torn ends dropped
}

// Options configure a File.
type Options struct {
	Path string
	// MaxEntries is the number of newest cycles always kept;
	// DefaultMaxEntries when not positive. The file holds up to twice as
	// many between compactions.
	MaxEntries int
	Logger     zerolog.Logger
	Files      Files
	Metrics    Metrics
}

// File is lxc_metrics.json: it appends cycles to it and keeps none in
// memory. See the package doc for the layout of the work.
type File struct {
	path       string
	maxEntries int
	log        zerolog.Logger
	files      Files
	metrics    Metrics
	closing    atomic.Bool // Close was called: no compaction runs or starts

	mu      sync.Mutex
	f       *os.File // the file appended to; nil until opened, and when there is none
	end     int64    // where the next cycle goes (lxcmetrics.Tail.End)
	size    int64
	cycles  int  // cycles the file holds
	counted bool // cycles was counted, not estimated
	other   bool // the file is in another layout: rewritten before the next append
	// keep is set when an unreadable file could not be moved aside:
	// writing would destroy it, so Append refuses.
	keep error
}

// New returns the File at o.Path; nothing is read before Load or Append.
func New(o Options) *File {
	if o.MaxEntries <= 0 {
		o.MaxEntries = DefaultMaxEntries
	}
	return &File{
		path:       o.Path,
		maxEntries: o.MaxEntries,
		log:        o.Logger.With().Str("component", "exporter").Logger(),
		files:      o.Files,
		metrics:    o.Metrics,
	}
}

// Load deletes the temporary files a killed compaction left, then opens
// the file and reads its end: a torn end is dropped and the array closed
// again. It returns a reader of the newest cycles for the windows, nil
// when there is no file. A file that is not an export is moved aside and
// Load returns what Files.MoveAside reported, for the caller to log; if
// it could not be moved aside, every Append fails rather than overwrite
// it. Load reads one or two cycles, never the whole file.
func (e *File) Load() (*Reader, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	removed, err := e.files.RemoveStaleTemps(e.path)
	if err != nil {
		e.log.Warn().Err(err).Msg("removing stale temporary files of the metrics export failed")
	}
	if len(removed) > 0 {
		e.log.Info().Strs("removed", removed).Msg("removed stale temporary files of the metrics export")
	}
	e.closeLocked()
	e.keep = nil // a file that now reads may be written again
	if err := e.openLocked(); err != nil {
		_, report := e.asideLocked(err)
		return nil, report
	}
	if e.f == nil {
		return nil, nil
	}
	f, err := os.Open(e.path)
	if err != nil {
		return nil, fmt.Errorf("open metrics export %s: %w", e.path, err)
	}
	e.log.Info().Str("path", e.path).Int64("bytes", e.size).Int("cycles_estimated", e.cycles).Bool("other_layout", e.other).
		Msg("opened metrics export")
	return &Reader{f: f, end: e.end, size: e.size, other: e.other, max: e.maxEntries}, nil
}

// openLocked opens the file and finds where the next cycle goes, repairing
// a torn end. With no file, e.f stays nil. An error is a file that is not
// an export (or cannot be read): the caller moves it aside.
func (e *File) openLocked() error {
	f, err := os.OpenFile(e.path, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	info, err := f.Stat()
	var tail lxcmetrics.Tail
	if err == nil {
		tail, err = lxcmetrics.Inspect(f, info.Size())
	}
	e.other = errors.Is(err, lxcmetrics.ErrOtherLayout)
	if err != nil && !e.other {
		f.Close() //nolint:errcheck // read only so far
		return err
	}
	e.f, e.end, e.size, e.counted = f, tail.End, info.Size(), false
	e.cycles = 0
	if tail.Last > 0 {
		e.cycles = int((tail.End - 1 + tail.Last/2) / tail.Last)
	}
	if !e.other && !tail.Closed {
		e.repairLocked(tail)
	}
	return nil
}

// repairLocked drops a torn end and closes the array again. If that
// fails, the next Append writes over the torn bytes all the same.
func (e *File) repairLocked(tail lxcmetrics.Tail) {
	closing := tail.Closing()
	err := e.f.Truncate(tail.End)
	if err == nil {
		var n int
		n, err = e.f.WriteAt(closing, tail.End)
		e.countWritten(int64(n))
	}
	if err == nil {
		err = e.f.Sync()
	}
	if err == nil {
		e.size = tail.End + int64(len(closing))
	}
	if e.metrics.Repairs != nil {
		e.metrics.Repairs.Inc()
	}
	e.log.Warn().Err(err).Str("path", e.path).Int64("dropped_bytes", tail.Torn).
		Msg("metrics export ended in a cycle or closing bracket cut short (a crash); dropped it and closed the array")
}

// asideLocked moves a file that is not an export aside; when it cannot,
// every Append refuses from now on.
func (e *File) asideLocked(cause error) (moved bool, report error) {
	if moved, report = e.files.MoveAside(e.path, cause); !moved {
		e.keep = report
	}
	return moved, report
}

// Append writes c at the end of the file and fsyncs it, then compacts the
// file when it holds more than twice MaxEntries cycles. It may reorder
// c.Entries (into VMID order; a VMID given twice keeps its last entry, as
// the file could not hold both). A file that went away or was replaced
// since the last call is opened again (moved aside first if it is not an
// export, which Append logs); a failed compaction is logged, as the cycle
// was written.
func (e *File) Append(c lxcmetrics.Cycle) error {
	started := time.Now()
	c.Entries = lxcmetrics.SortEntries(c.Entries)
	e.mu.Lock()
	defer e.mu.Unlock()
	err := e.appendLocked(&c)
	if err == nil && e.cycles > 2*e.maxEntries && !e.closing.Load() {
		if cerr := e.compactLocked(); cerr != nil {
			e.log.Error().Err(cerr).Str("path", e.path).Msg("compacting the metrics export failed; it keeps growing until the next try")
		}
	}
	if e.metrics.Duration != nil {
		e.metrics.Duration.Observe(time.Since(started).Seconds())
	}
	if e.metrics.Appends != nil {
		result := "ok"
		if err != nil {
			result = "failed"
		}
		e.metrics.Appends.WithLabelValues(result).Inc()
	}
	if err != nil {
		return fmt.Errorf("append to metrics export %s: %w", e.path, err)
	}
	return nil
}

func (e *File) appendLocked(c *lxcmetrics.Cycle) error {
	if e.keep != nil {
		return e.keep
	}
	if e.f != nil && !e.stillAtPath() {
		e.log.Warn().Str("path", e.path).Msg("metrics export was moved or removed meanwhile; going on with the file at its path")
		e.closeLocked()
	}
	if e.f == nil {
		if err := e.openLocked(); err != nil {
			moved, report := e.asideLocked(err)
			if !moved {
				return report
			}
			e.log.Error().Err(report).Msg("existing lxc_metrics.json unreadable; moved aside, starting a new one")
		}
	}
	switch {
	case e.f == nil:
		if err := e.rewriteLocked(func(w io.Writer) error {
			_, err := w.Write(lxcmetrics.AppendText([]byte{'['}, c, true))
			return err
		}); err != nil {
			return err
		}
		e.cycles, e.counted = 1, true
		return nil
	case e.other:
		return e.convertLocked(c)
	}
	text := lxcmetrics.AppendText(nil, c, e.end == 1)
	n, err := e.f.WriteAt(text, e.end)
	e.countWritten(int64(n))
	size := e.end + int64(len(text))
	if err == nil && e.size > size { // longer before: a failed append, or a repair that failed
		err = e.f.Truncate(size)
	}
	if err == nil {
		err = e.f.Sync()
	}
	if err != nil {
		e.size = max(e.size, e.end+int64(n))
		return err
	}
	e.size, e.end = size, size-int64(len(lxcmetrics.Closing))
	e.cycles++
	return nil
}

// convertLocked rewrites a file of another layout in this one, then c. A
// file that does not decode is moved aside and a new one started with c.
func (e *File) convertLocked(c *lxcmetrics.Cycle) error {
	started := time.Now()
	src := io.NewSectionReader(e.f, 0, e.size)
	var n int
	var werr error
	err := e.rewriteLocked(func(w io.Writer) error {
		var err error
		n, err = lxcmetrics.Rewrite(errWriter{w, &werr}, src, c)
		return err
	})
	if err != nil && werr == nil {
		e.closeLocked()
		moved, report := e.asideLocked(err)
		if !moved {
			return report
		}
		e.log.Error().Err(report).Msg("existing lxc_metrics.json unreadable; moved aside, starting a new one")
		return e.appendLocked(c)
	}
	if err != nil {
		return err
	}
	e.cycles, e.counted = n, true
	e.log.Info().Str("path", e.path).Int("cycles", n).Int64("bytes", e.size).
		Float64("duration_seconds", time.Since(started).Seconds()).Msg("rewrote the metrics export of another layout (the original's) in ours")
	return nil
}

// compactLocked keeps the newest MaxEntries cycles: their bytes are copied
// as they are, after "[", into a temporary file renamed over the file.
// While the count is an estimate it counts first, reading back to the
// start of the file if need be, and compacts only a file that really
// holds more than twice MaxEntries.
func (e *File) compactLocked() error {
	started := time.Now()
	want := e.maxEntries
	if !e.counted {
		want = 2*e.maxEntries + 1
	}
	marks, err := lxcmetrics.Marks(e.f, e.end, want)
	if err != nil {
		if errors.Is(err, lxcmetrics.ErrOtherLayout) {
			e.other = true // the next append rewrites it from what decodes
		}
		return err
	}
	if len(marks) < want {
		e.cycles, e.counted = len(marks), true
		return nil
	}
	before, from := e.cycles, marks[e.maxEntries-1]
	kept := io.NewSectionReader(e.f, from, e.end-from)
	err = e.rewriteLocked(func(w io.Writer) error {
		if _, err := w.Write([]byte{'['}); err != nil {
			return err
		}
		if _, err := io.CopyBuffer(w, stopReader{kept, &e.closing}, make([]byte, 1<<20)); err != nil {
			return err
		}
		_, err := io.WriteString(w, lxcmetrics.Closing)
		return err
	})
	if err != nil {
		return err
	}
	e.cycles, e.counted = e.maxEntries, true
	e.log.Info().Str("path", e.path).Int("kept", e.maxEntries).Int("before", before).Int64("bytes", e.size).
		Float64("duration_seconds", time.Since(started).Seconds()).Msg("compacted the metrics export")
	return nil
}

// rewriteLocked replaces the file with what write produces (a temporary
// file beside it, fsynced, renamed over it) and goes on appending to the
// new file.
func (e *File) rewriteLocked(write func(w io.Writer) error) error {
	var n int64
	err := e.files.Replace(e.path, FileMode, func(w io.Writer) error {
		return write(countWriter{w, &n})
	})
	e.countWritten(n)
	if err != nil {
		return err
	}
	e.closeLocked()
	f, err := os.OpenFile(e.path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	e.f, e.size, e.other = f, n, false
	e.end = n - int64(len(lxcmetrics.Closing)) // it holds a cycle
	return nil
}

// stillAtPath reports whether the path still names the file appended to:
// an operator (or logrotate) may have moved or deleted it, and appends
// would then go where nobody looks.
func (e *File) stillAtPath() bool {
	open, err1 := e.f.Stat()
	named, err2 := os.Stat(e.path)
	return err1 == nil && err2 == nil && os.SameFile(open, named)
}

func (e *File) countWritten(n int64) {
	if e.metrics.Written != nil {
		e.metrics.Written.Add(float64(n))
	}
}

func (e *File) closeLocked() {
	if e.f != nil {
		e.f.Close() //nolint:errcheck // every write was fsynced
		e.f = nil
	}
}

// Cycles returns how many cycles the file holds, and whether they were
// counted (by a compaction or since the file was started) or estimated
// from the size of the newest cycle.
func (e *File) Cycles() (n int, counted bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.cycles, e.counted
}

// Close stops a compaction in progress (the file stays as it was) and any
// later one, and closes the file. An Append after Close opens it again and
// appends, without compacting.
func (e *File) Close() {
	e.closing.Store(true)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.closeLocked()
}
