package controller

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

// TestWriteFileAtomicTempInTargetDir: the temporary file is made beside
// the target, never in $TMPDIR, even when $TMPDIR is on the same file
// system (where renameio would otherwise use it, and a kill would leave
// the file where no cleanup looks).
func TestWriteFileAtomicTempInTargetDir(t *testing.T) {
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
	err := writeFileAtomic(path, 0o640, func(w io.Writer) error {
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

// staleTempFixture puts, beside path, temporary files of path a killed
// write would leave and files that only look alike, and returns both sets
// of names.
func staleTempFixture(t *testing.T, path string) (stale, kept []string) {
	t.Helper()
	dir, base := filepath.Dir(path), filepath.Base(path)
	stale = []string{"." + base + "8674665223082153551", "." + base + "42"}
	kept = []string{
		"." + base + "x1", "." + base + ".bak", base + "123", "." + base + "12.partial",
		".other.json77", base + ".corrupt-20261127T030000.000000000Z",
	}
	for _, name := range append(slices.Clone(stale), kept...) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("left over"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// A directory named like a temporary file is not ours to remove.
	if err := os.Mkdir(filepath.Join(dir, "."+base+"7"), 0o750); err != nil {
		t.Fatal(err)
	}
	kept = append(kept, "."+base+"7")
	return stale, kept
}

func checkStaleTempsRemoved(t *testing.T, dir string, stale, kept []string) {
	t.Helper()
	names := dirNames(t, dir)
	for _, name := range stale {
		if slices.Contains(names, name) {
			t.Errorf("stale temporary file %s was left", name)
		}
	}
	for _, name := range kept {
		if !slices.Contains(names, name) {
			t.Errorf("%s was removed; it is not a temporary file of ours", name)
		}
	}
}

func TestLoadStateRemovesStaleTemps(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	stale, kept := staleTempFixture(t, path)
	if err := NewState().Save(path); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadState(path, stateNow); err != nil {
		t.Fatal(err)
	}
	checkStaleTempsRemoved(t, dir, stale, kept)
}

func TestExportLoadRemovesStaleTemps(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "lxc_metrics.json")
	stale, kept := staleTempFixture(t, path)
	// No export yet: the temporary files of a first write killed go too.
	if _, err := newTestExporter(t, path, 10).Load(); err != nil {
		t.Fatal(err)
	}
	checkStaleTempsRemoved(t, dir, stale, kept)
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
		aside, err := moveAside(path, stateNow)
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
		aside, err := moveAside(path, stateNow.Add(time.Duration(i)*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		asides = append(asides, filepath.Base(aside))
	}
	if asides[0] == asides[1] || asides[0] > asides[1] {
		t.Errorf("moved to %q then %q; want distinct names in time order", asides[0], asides[1])
	}
}
