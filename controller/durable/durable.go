package durable

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/renameio/v2"
)

// WriteAtomic replaces path with what write produces: a temporary file
// in the same directory, flushed and fsynced, then renamed over path. A
// crash at any point leaves either the old file or the new one, never a
// torn one; a kill before the rename leaves the temporary file, which
// RemoveStaleTemps deletes at the next start.
//
// The temporary file is always made in path's directory: renameio's
// default would first probe $TMPDIR on every write (two files created and
// renamed there) only to find, on most systems, that it is another file
// system, and a kill would then leave the temporary file where no
// cleanup looks for it.
func WriteAtomic(path string, perm os.FileMode, write func(w io.Writer) error) error {
	pending, err := renameio.NewPendingFile(path, renameio.WithTempDir(filepath.Dir(path)),
		renameio.WithPermissions(perm), renameio.WithExistingPermissions())
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

// isTempOf reports whether name (a base name) is one of the temporary files
// WriteAtomic makes for target: renameio names them "." + target's
// base name + a non-negative random int64 in decimal.
func isTempOf(name, target string) bool {
	prefix := "." + filepath.Base(target)
	digits, ok := strings.CutPrefix(name, prefix)
	if !ok || digits == "" || len(digits) > 19 {
		return false
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// RemoveStaleTemps deletes the temporary files a write of path killed
// before its rename left in path's directory, and returns their names. It
// touches nothing else: only regular files named as WriteAtomic names
// the temporary files of path. It must run before this process writes path
// (at start), since a write in progress has such a file too.
func RemoveStaleTemps(path string) ([]string, error) {
	dir := filepath.Dir(path)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look for stale temporary files of %s: %w", filepath.Base(path), err)
	}
	var removed []string
	var errs []error
	for _, e := range entries {
		if !e.Type().IsRegular() || !isTempOf(e.Name(), path) {
			continue
		}
		name := filepath.Join(dir, e.Name())
		if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, name)
	}
	if err := errors.Join(errs...); err != nil {
		return removed, fmt.Errorf("remove stale temporary files of %s: %w", filepath.Base(path), err)
	}
	return removed, nil
}

// asideTimeFormat stamps moved-aside files to the nanosecond, so that
// their names sort by time.
const asideTimeFormat = "20060102T150405.000000000Z"

// maxAsideAttempts bounds the search for a free moved-aside name; each
// attempt past the first adds a counter to the name.
const maxAsideAttempts = 1000

// MoveAside renames a file that could not be read to
// "<path>.corrupt-<UTC time to the nanosecond>" (with "-2", "-3"… added when
// that name is taken) so that it is kept for inspection, and returns the new
// name. It never replaces an existing file: two corrupt files moved aside
// within the same clock tick, or a clock set back, keep both.
func MoveAside(path string, now time.Time) (string, error) {
	base := fmt.Sprintf("%s.corrupt-%s", path, now.UTC().Format(asideTimeFormat))
	for attempt := 1; attempt <= maxAsideAttempts; attempt++ {
		aside := base
		if attempt > 1 {
			aside = base + "-" + strconv.Itoa(attempt)
		}
		taken, err := renameNoReplace(path, aside)
		if taken {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("move corrupt %s aside: %w", filepath.Base(path), err)
		}
		return aside, nil
	}
	return "", fmt.Errorf("move corrupt %s aside: %d names %s… taken", filepath.Base(path), maxAsideAttempts, filepath.Base(base))
}

// renameNoReplace renames from to to unless to exists (taken). A hard link
// then a removal makes the check and the move one step where hard links
// work; elsewhere (a directory at from, a file system without them) it
// checks, then renames, which is enough for the single process that owns
// these files.
func renameNoReplace(from, to string) (taken bool, err error) {
	err = os.Link(from, to)
	switch {
	case err == nil:
		if err := os.Remove(from); err != nil {
			os.Remove(to) //nolint:errcheck // the file stays where it was; report why
			return false, err
		}
		return false, nil
	case errors.Is(err, fs.ErrExist):
		return true, nil
	}
	if _, err := os.Lstat(to); err == nil {
		return true, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	return false, os.Rename(from, to)
}

// SyncDir fsyncs a directory, best effort: some file systems refuse it.
func SyncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// ErrTooLarge is ReadFileMax's refusal of a file over its limit.
var ErrTooLarge = errors.New("larger than the limit")

// ReadFileMax returns the content of path, or an error matching
// ErrTooLarge when it holds more than limit bytes: a file larger than its
// owner ever writes, or a wrong path (/dev/zero, a log file), fails
// instead of filling the memory. Its errors name the path, never the
// content.
func ReadFileMax(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: %w of %d bytes", path, ErrTooLarge, limit)
	}
	return b, nil
}
