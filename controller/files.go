package controller

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/google/renameio/v2"
)

// writeFileAtomic replaces path with what write produces: a temporary file
// in the same directory, flushed and fsynced, then renamed over path. A
// crash at any point leaves either the old file or the new one, never a
// torn one.
func writeFileAtomic(path string, perm os.FileMode, write func(w io.Writer) error) error {
	pending, err := renameio.NewPendingFile(path, renameio.WithPermissions(perm), renameio.WithExistingPermissions())
	if err != nil {
		return err
	}
	defer pending.Cleanup() //nolint:errcheck // after CloseAtomicallyReplace it does nothing
	buffered := bufio.NewWriterSize(pending, 256<<10)
	if err := write(buffered); err != nil {
		return err
	}
	if err := buffered.Flush(); err != nil {
		return err
	}
	return pending.CloseAtomicallyReplace()
}

// CorruptFileError is a file of ours (the state file, lxc_metrics.json)
// that could not be read: unreadable, not valid JSON, wrong types, or a
// version this code does not know. It was moved to MovedTo, so the path is
// free and the next write does not destroy it.
type CorruptFileError struct {
	Path    string
	MovedTo string
	Err     error
}

func (e *CorruptFileError) Error() string {
	return fmt.Sprintf("%s unreadable, moved to %s: %v", e.Path, e.MovedTo, e.Err)
}

func (e *CorruptFileError) Unwrap() error { return e.Err }

// moveAside renames a file that could not be read to
// "<path>.corrupt-<UTC time>" so that it is kept for inspection and never
// overwritten, and returns the new name.
func moveAside(path string, now time.Time) (string, error) {
	aside := fmt.Sprintf("%s.corrupt-%s", path, now.UTC().Format("20060102T150405Z"))
	if err := os.Rename(path, aside); err != nil {
		return "", fmt.Errorf("move corrupt %s aside: %w", filepath.Base(path), err)
	}
	return aside, nil
}
