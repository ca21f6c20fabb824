package controller

import (
	"fmt"
	"io"
	"io/fs"
	"time"

	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/controller/durable"
	"github.com/lxc-autoscale/lxc-autoscale/controller/export"
)

// ExporterOptions configure the lxc_metrics.json export.
type ExporterOptions struct {
	Path string
	// MaxEntries is the number of newest cycles always kept;
	// export.DefaultMaxEntries when not positive.
	MaxEntries int
	Logger     zerolog.Logger
	Metrics    *Metrics         // may be nil
	Now        func() time.Time // stamps a corrupt file moved aside; time.Now when nil
}

// NewExporter returns the export file at o.Path, written and moved aside
// the way the state file is: temporary files beside it (removed at start
// when a kill left them), an unreadable file moved aside as a
// *CorruptFileError.
func NewExporter(o ExporterOptions) *export.File {
	if o.Now == nil {
		o.Now = time.Now
	}
	var m export.Metrics
	if o.Metrics != nil {
		m = export.Metrics{
			Duration: o.Metrics.exportDuration, Appends: o.Metrics.exports,
			Written: o.Metrics.exportWritten, Repairs: o.Metrics.exportRepairs,
		}
	}
	return export.New(export.Options{
		Path: o.Path, MaxEntries: o.MaxEntries, Logger: o.Logger, Files: exportFiles{o.Now}, Metrics: m,
	})
}

// exportFiles are the state file's file operations, given to the export.
type exportFiles struct{ now func() time.Time }

func (exportFiles) Replace(path string, perm fs.FileMode, write func(w io.Writer) error) error {
	return durable.WriteAtomic(path, perm, write)
}

func (f exportFiles) MoveAside(path string, cause error) (bool, error) {
	aside, err := durable.MoveAside(path, f.now())
	if err != nil {
		return false, fmt.Errorf("metrics export %s unreadable (%w) and left in place: %w", path, cause, err)
	}
	return true, &CorruptFileError{Path: path, MovedTo: aside, Err: cause}
}

func (exportFiles) RemoveStaleTemps(path string) ([]string, error) {
	return durable.RemoveStaleTemps(path)
}
