package controller

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/controller/lxcmetrics"
)

// DefaultExportMaxEntries is the number of cycles kept when
// ExporterOptions.MaxEntries is not positive: the original's
// monitoring.max_metrics_entries (1,000 cycles, 16.7 h at 60 s).
const DefaultExportMaxEntries = 1000

// exportFileMode lets the group (an operator's tools) read the export.
const exportFileMode = 0o640

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
	cycles []lxcmetrics.Cycle // oldest first
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
func (e *Exporter) Load() ([]lxcmetrics.Cycle, error) {
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

func (e *Exporter) readFile() ([]lxcmetrics.Cycle, error) {
	f, err := os.Open(e.path)
	if err != nil {
		return nil, err
	}
	defer f.Close() //nolint:errcheck // read only
	return lxcmetrics.DecodeLast(f, e.maxEntries)
}

// Add appends a cycle and drops the oldest past MaxEntries. Its entries are
// copied (the caller may reuse its slice) and put in VMID order; a VMID
// given twice keeps its last entry, as the file could not hold both.
func (e *Exporter) Add(c lxcmetrics.Cycle) {
	c.Entries = lxcmetrics.SortEntries(slices.Clone(c.Entries))
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
		n, err := lxcmetrics.Encode(w, cycles)
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
