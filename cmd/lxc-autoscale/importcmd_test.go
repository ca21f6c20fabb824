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
