package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The originals' files, imported, make a configuration check-config
// accepts once the Proxmox credentials are given; the summary goes to
// stderr and the exit status is 0.
func TestImportConfigPassesCheckConfig(t *testing.T) {
	t.Parallel()
	code, out, errOut := runCLI(t, nil, "import-config", "--from", "../../config/importer/testdata/original")
	if code != 0 {
		t.Fatalf("import-config: exit %d\n%s", code, errOut)
	}
	for _, want := range []string{"read lxc_autoscale_ml.yaml", "TIER_webservers became scaling.policies", "keys imported"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("summary lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(out, "import-config: read") {
		t.Error("the summary went to stdout, into the configuration")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(file, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	// Without credentials check-config names what is missing.
	code, _, errOut = runCLI(t, nil, "check-config", "--config", file)
	if code != 2 || !strings.Contains(errOut, "token_id+token_secret") {
		t.Errorf("without credentials: exit %d\n%s", code, errOut)
	}
	// The directories are this machine's business, not the file's: they go
	// to the test's own.
	creds := []string{
		"LXCA_PROXMOX_TOKEN_ID=autoscale@pve!controller", "LXCA_PROXMOX_TOKEN_SECRET=5f0c7a52",
		"LXCA_STATE_FILE=" + filepath.Join(dir, "state.json"), "LXCA_STATE_AUDIT_FILE=" + filepath.Join(dir, "audit.jsonl"),
		"LXCA_MONITOR_EXPORT_FILE=" + filepath.Join(dir, "lxc_metrics.json"),
	}
	code, checked, errOut := runCLI(t, creds, "check-config", "--config", file)
	if code != 0 {
		t.Fatalf("check-config of the imported file: exit %d\n%s", code, errOut)
	}
	if !strings.Contains(checked, "up_threshold: 0.75") || !strings.Contains(checked, "name: webservers") {
		t.Errorf("check-config shows another configuration:\n%s", checked)
	}
}

func TestImportConfigUsage(t *testing.T) {
	t.Parallel()
	if code, _, errOut := runCLI(t, nil, "import-config"); code != 2 || !strings.Contains(errOut, "--from: required") {
		t.Errorf("no --from: exit %d %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, nil, "import-config", "--from", t.TempDir()); code != 2 || !strings.Contains(errOut, "lxc_autoscale_ml.yaml") {
		t.Errorf("empty directory: exit %d %s", code, errOut)
	}
}

// The original's own file given as the configuration is refused with its
// unknown keys, and then the command that imports it; a configuration
// with typos gets no such advice.
func TestConfigHintsImportForAnOriginalsFile(t *testing.T) {
	t.Parallel()
	ml := "../../config/importer/testdata/original/lxc_autoscale_ml.yaml"
	code, _, errOut := runCLI(t, nil, "check-config", "--config", ml)
	if code != 2 || !strings.Contains(errOut, "scaling.max_cpu_cores: unknown key") ||
		!strings.Contains(errOut, "original tools' lxc_autoscale_ml.yaml: 'lxc-autoscale import-config --from ../../config/importer/testdata/original'") {
		t.Errorf("original's file: exit %d\n%s", code, errOut)
	}
	file := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(file, []byte("scalling: {}\nmonitor: {intervall: 10s}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLI(t, nil, "check-config", "--config", file); code != 2 || strings.Contains(errOut, "import-config") {
		t.Errorf("typos: exit %d\n%s", code, errOut)
	}
}
