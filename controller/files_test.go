package controller

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

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
	for _, name := range stale {
		if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
			t.Errorf("stale temporary file %s was left", name)
		}
	}
	for _, name := range kept {
		if _, err := os.Lstat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s was removed; it is not a temporary file of ours: %v", name, err)
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
