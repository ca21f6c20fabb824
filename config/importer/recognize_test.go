package importer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lxc-autoscale/lxc-autoscale/config"
)

// unknownKeys are the keys config.Load refuses as unknown in file.
func unknownKeys(t *testing.T, file string) []string {
	t.Helper()
	_, err := config.Load(config.LoadOptions{File: file})
	if err == nil {
		t.Fatalf("%s: loaded without a problem", file)
	}
	return config.UnknownKeys(err, file)
}

// Each original file, handed to lxc-autoscale as its configuration, is
// recognised as itself, though lxc_monitor.yaml's logging keys are also
// lxc_autoscale_api.yaml's.
func TestRecognizeTheOriginalsFiles(t *testing.T) {
	for _, name := range []string{"lxc_autoscale_ml.yaml", "lxc_monitor.yaml", "lxc_autoscale_api.yaml", "lxc_autoscale.yaml"} {
		keys := unknownKeys(t, filepath.Join("testdata", "original", name))
		if got := Recognize(keys); got != name {
			t.Errorf("%s (unknown keys %q): recognised as %q", name, keys, got)
		}
	}
}

// Typos in an lxc-autoscale configuration, or one original key among
// them, are no original file.
func TestRecognizeNoOriginal(t *testing.T) {
	for _, yaml := range []string{
		"scalling: {}\nmonitor: {intervall: 10s}\n",
		"scaling: {max_cpu_cores: 4, cpu: {mni: 1}}\nmonitor: {intervall: 10s}\n",
		"log_level: INFO\n",
	} {
		file := filepath.Join(t.TempDir(), "c.yaml")
		if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		keys := unknownKeys(t, file)
		if len(keys) == 0 {
			t.Fatalf("%q: no unknown key reported", yaml)
		}
		if got := Recognize(keys); got != "" {
			t.Errorf("%q (unknown keys %q): recognised as %q", yaml, keys, got)
		}
	}
}

// Hint names the directory import-config reads, and asks for the
// original's name when the file has another.
func TestHintRenamed(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "original", "lxc_monitor.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "monitor.yaml")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = config.Load(config.LoadOptions{File: file})
	want := "'lxc-autoscale import-config --from " + dir + "'"
	if got := Hint(err, file); !strings.Contains(got, want) || !strings.HasSuffix(got, "once this file is named lxc_monitor.yaml there") {
		t.Errorf("Hint = %q, want %s and the name to give it", got, want)
	}
	if got := Hint(err, filepath.Join(dir, "other.yaml")); got != "" {
		t.Errorf("Hint for keys of another file = %q, want none", got)
	}
}
