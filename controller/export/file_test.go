package export

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/controller/lxcmetrics"
)

// plainFiles replace a file through a temporary one beside it, without the
// controller's fsyncs; nothing is moved aside.
type plainFiles struct{}

func (plainFiles) Replace(path string, perm fs.FileMode, write func(w io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path))
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	err = write(tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), perm)
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func (plainFiles) MoveAside(_ string, cause error) (bool, error) { return false, cause }
func (plainFiles) RemoveStaleTemps(string) ([]string, error)     { return nil, nil }

// TestCompactionStopsOnClose: a compaction in progress when Close is
// called stops at its next read; the file stays as it was and the
// temporary file goes.
func TestCompactionStopsOnClose(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "lxc_metrics.json")
	e := New(Options{Path: path, MaxEntries: 2, Logger: zerolog.Nop(), Files: plainFiles{}})
	at := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	for i := range 4 {
		c := lxcmetrics.Cycle{Start: at, End: at, Total: i}
		if err := e.Append(c); err != nil {
			t.Fatal(err)
		}
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	e.closing.Store(true) // as Close does, while the compaction runs
	e.mu.Lock()
	err = e.compactLocked()
	e.mu.Unlock()
	if !errors.Is(err, errClosing) {
		t.Errorf("compactLocked() after Close = %v, want %v", err, errClosing)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
		t.Errorf("a stopped compaction changed the file:\n%s", after)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("after a stopped compaction the directory holds %d entries", len(entries))
	}
}
