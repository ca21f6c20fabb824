package durable

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// stateNow is the time the moved-aside names are stamped with.
var stateNow = time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)

// dirNames lists the names in dir, sorted.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestWriteAtomicTempInTargetDir: the temporary file is made beside
// the target, never in $TMPDIR, even when $TMPDIR is on the same file
// system (where renameio would otherwise use it, and a kill would leave
// the file where no cleanup looks).
func TestWriteAtomicTempInTargetDir(t *testing.T) {
	root := t.TempDir()
	tmp := filepath.Join(root, "tmp")
	dir := filepath.Join(root, "state")
	for _, d := range []string{tmp, dir} {
		if err := os.Mkdir(d, 0o750); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("TMPDIR", tmp)
	path := filepath.Join(dir, "lxc_metrics.json")

	var during []string
	err := WriteAtomic(path, 0o640, func(w io.Writer) error {
		during = dirNames(t, dir)
		_, err := w.Write([]byte("[]"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(during) != 1 || !isTempOf(during[0], path) {
		t.Errorf("while writing, %s held %q; want one temporary file of %s", dir, during, filepath.Base(path))
	}
	if got := dirNames(t, tmp); len(got) != 0 {
		t.Errorf("$TMPDIR was used: it holds %q", got)
	}
	if got := dirNames(t, dir); !slices.Equal(got, []string{"lxc_metrics.json"}) {
		t.Errorf("after the write %s holds %q; want only the file", dir, got)
	}
}

func TestIsTempOf(t *testing.T) {
	for name, want := range map[string]bool{
		".state.json1234567890123456789":  true,
		".state.json0":                    true,
		".state.json":                     false,
		".state.json12345678901234567890": false, // longer than any int64
		".state.json12a":                  false,
		".state.json-12":                  false,
		"state.json123":                   false,
		".state.json.123":                 false,
		".state.jsonx":                    false,
		".other.json123":                  false,
		"state.json.corrupt-20261127T030000.000000000Z": false,
	} {
		if got := isTempOf(name, "/var/lib/lxc-autoscale/state.json"); got != want {
			t.Errorf("isTempOf(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestMoveAsideNeverOverwrites: two unreadable files moved aside at the
// same instant (or a clock set back onto an old name) are both kept.
func TestMoveAsideNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	var asides []string
	for i, content := range []string{"first }{", "second }{", "third }{"} {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		aside, err := MoveAside(path, stateNow)
		if err != nil {
			t.Fatalf("move %d: %v", i, err)
		}
		asides = append(asides, aside)
	}
	for i, aside := range asides {
		if !strings.HasPrefix(filepath.Base(aside), "state.json.corrupt-20261127T030000") {
			t.Errorf("moved to %s; want a name stamped with the time", aside)
		}
		for _, other := range asides[:i] {
			if other == aside {
				t.Fatalf("two files moved to the same name %s", aside)
			}
		}
	}
	for i, want := range []string{"first }{", "second }{", "third }{"} {
		got, err := os.ReadFile(asides[i])
		if err != nil || !bytes.Equal(got, []byte(want)) {
			t.Errorf("%s holds %q (%v); want %q", asides[i], got, err, want)
		}
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s still exists after moving aside (%v)", path, err)
	}
}

// TestMoveAsideStampsNanoseconds: files moved aside a millisecond apart
// get names of their own, in time order.
func TestMoveAsideStampsNanoseconds(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "lxc_metrics.json")
	var asides []string
	for i := range 2 {
		if err := os.WriteFile(path, []byte("[{"), 0o640); err != nil {
			t.Fatal(err)
		}
		aside, err := MoveAside(path, stateNow.Add(time.Duration(i)*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		asides = append(asides, filepath.Base(aside))
	}
	if asides[0] == asides[1] || asides[0] > asides[1] {
		t.Errorf("moved to %q then %q; want distinct names in time order", asides[0], asides[1])
	}
}

// TestAppendFile: records land whole at the end, Size follows the file
// across a reopen and a truncation, and a closed file refuses writes
// instead of writing somewhere.
func TestAppendFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "records.jsonl")
	var a AppendFile
	if err := a.Write([]byte("x\n")); !errors.Is(err, ErrNotOpen) {
		t.Fatalf("Write before Open = %v, want ErrNotOpen", err)
	}
	if err := a.Open(path); err != nil {
		t.Fatal(err)
	}
	if err := a.Open(path); err == nil {
		t.Fatal("second Open succeeded")
	}
	for _, line := range []string{"one\n", "two\n"} {
		if err := a.Write([]byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatalf("second Close = %v, want nil", err)
	}
	if err := a.Write([]byte("lost\n")); !errors.Is(err, ErrNotOpen) {
		t.Fatalf("Write after Close = %v, want ErrNotOpen", err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("created with mode %04o, want 0600", perm)
	}

	if err := a.Open(path); err != nil {
		t.Fatal(err)
	}
	if got := a.Size(); got != 8 {
		t.Errorf("Size after reopen = %d, want 8", got)
	}
	if err := a.Truncate(4); err != nil {
		t.Fatal(err)
	}
	if err := a.Write([]byte("three\n")); err != nil {
		t.Fatal(err)
	}
	if got := a.Size(); got != 10 {
		t.Errorf("Size = %d, want 10", got)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "one\nthree\n" {
		t.Errorf("file = %q, want %q", b, "one\nthree\n")
	}
}

func TestReadFileMax(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := os.WriteFile(path, []byte("abcde"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadFileMax(path, 5); err != nil || string(b) != "abcde" {
		t.Errorf("ReadFileMax at the limit = %q, %v; want the content", b, err)
	}
	if _, err := ReadFileMax(path, 4); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), path) || strings.Contains(err.Error(), "abcd") {
		t.Errorf("ReadFileMax past the limit: %v; want ErrTooLarge naming the path, not the content", err)
	}
	if _, err := ReadFileMax(filepath.Join(dir, "missing"), 4); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadFileMax of a missing file: %v; want fs.ErrNotExist", err)
	}
}
