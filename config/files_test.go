package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDirCreateMakesMissingDirectoriesWithTheUnitsMode(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	cfg := validConfig()
	cfg.State.File = filepath.Join(root, "lib", "state.json")
	cfg.State.AuditFile = filepath.Join(root, "lib", "audit.jsonl")
	cfg.Monitor.ExportFile = filepath.Join(root, "log", "deep", "lxc_metrics.json")
	dirs := cfg.Dirs()
	if len(dirs) != 3 {
		t.Fatalf("Dirs() = %v, want three", dirs)
	}
	for _, d := range dirs {
		if missing, err := d.Check(); err != nil || !missing {
			t.Errorf("%s: Check() before Create = %v, %v; want missing and no error", d.Key, missing, err)
		}
	}
	for _, d := range dirs {
		if err := d.Create(); err != nil {
			t.Fatalf("%s: Create() = %v", d.Key, err)
		}
		info, err := os.Stat(d.Path)
		if err != nil || !info.IsDir() {
			t.Fatalf("%s: %s not created: %v", d.Key, d.Path, err)
		}
		// The umask may take bits away, never add them.
		if extra := info.Mode().Perm() &^ d.Mode; extra != 0 || info.Mode().Perm()&0o700 != 0o700 {
			t.Errorf("%s: %s has mode %04o, want %04o less the umask", d.Key, d.Path, info.Mode().Perm(), d.Mode)
		}
		if missing, err := d.Check(); err != nil || missing {
			t.Errorf("%s: Check() after Create = %v, %v; want present and no error", d.Key, missing, err)
		}
		entries, _ := os.ReadDir(d.Path)
		if len(entries) != 0 && d.Key != "state.file" { // state.file's directory holds audit's too
			t.Errorf("%s: probe files left in %s: %v", d.Key, d.Path, entries)
		}
	}
	if dirs[0].Mode != 0o750 || dirs[2].Mode != 0o755 {
		t.Errorf("modes %04o (state) and %04o (export), want 0750 and 0755 as in lxc-autoscale.service", dirs[0].Mode, dirs[2].Mode)
	}
}

// A regular file where a directory should be stops even root, so the test
// holds whoever runs it.
func TestDirThatCannotBeCreatedIsReportedWithItsKey(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	blocker := filepath.Join(root, "not-a-dir")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	d := Dir{Key: "state.file", Path: filepath.Join(blocker, "lib"), Mode: 0o750}
	for name, err := range map[string]error{"Check": second(d.Check()), "Create": d.Create()} {
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Key != "state.file" || !strings.Contains(fe.Problem, "cannot be created") || !strings.Contains(fe.Problem, "not a directory") {
			t.Errorf("%s() = %v; want a FieldError for state.file saying the directory cannot be created", name, err)
		}
		if err != nil && strings.Count(err.Error(), d.Path) > 1 {
			t.Errorf("%s() = %v: names the directory twice", name, err)
		}
	}
}

func second(_ bool, err error) error { return err }

func TestLoadWithCheckDirsReportsThemWithTheOtherProblems(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	blocker := filepath.Join(root, "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	yaml := minimalYAML + "state: {file: " + filepath.Join(blocker, "state.json") + ", audit_file: " + filepath.Join(root, "a", "audit.jsonl") + "}\n" +
		"monitor: {export_file: " + filepath.Join(root, "export.json") + "}\nmodel: {trees: 0}\n"
	path := writeFile(t, "c.yaml", yaml)
	if _, err := Load(LoadOptions{File: path}); err == nil || strings.Contains(err.Error(), "state.file") {
		t.Errorf("Load() without CheckDirs = %v; want only the range error", err)
	}
	_, err := Load(LoadOptions{File: path, CheckDirs: true})
	if err == nil || !strings.Contains(err.Error(), "state.file: directory "+blocker) || !strings.Contains(err.Error(), "model.trees") {
		t.Errorf("Load(CheckDirs) = %v; want state.file's directory and model.trees", err)
	}
	if strings.Contains(fmtErr(err), "audit_file") || strings.Contains(fmtErr(err), "export_file") {
		t.Errorf("Load(CheckDirs) = %v; the audit's and export's directories can be created", err)
	}
}

func fmtErr(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestReadableSecrets(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil { // past the umask
			t.Fatal(err)
		}
		return path
	}
	const endpoint = "proxmox: {endpoints: [\"https://pve1:8006\"], token_id: \"autoscale@pve!controller\""
	tests := []struct {
		name    string
		yaml    string
		mode    os.FileMode
		environ []string
		want    []string // keys
	}{
		{"secret inline in a private file", endpoint + ", token_secret: s3cr3t}", 0o600, nil, nil},
		{"secret inline in a world-readable file", endpoint + ", token_secret: s3cr3t}", 0o644, nil, []string{"proxmox.token_secret"}},
		{"secret inline in a group-readable file", endpoint + ", token_secret: s3cr3t}", 0o640, nil, []string{"proxmox.token_secret"}},
		{"readable file without a secret", endpoint + "}", 0o644, []string{"LXCA_PROXMOX_TOKEN_SECRET=s3cr3t"}, nil},
		{"readable secret file", endpoint + ", token_secret_file: " + write("secret-open", "s3cr3t\n", 0o604) + "}", 0o600, nil, []string{"proxmox.token_secret_file"}},
		{"private secret file", endpoint + ", token_secret_file: " + write("secret-closed", "s3cr3t\n", 0o600) + "}", 0o644, nil, nil},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := write("c"+string(rune('0'+i))+".yaml", tt.yaml, tt.mode)
			cfg := mustLoad(t, LoadOptions{File: path, Environ: tt.environ})
			got := cfg.ReadableSecrets()
			var keys []string
			for _, r := range got {
				keys = append(keys, r.Key)
				if strings.Contains(r.String(), "s3cr3t") || !strings.Contains(r.String(), r.Path) {
					t.Errorf("%v: must name the file and never the secret", r)
				}
			}
			if strings.Join(keys, ",") != strings.Join(tt.want, ",") {
				t.Errorf("ReadableSecrets() = %v, want keys %v", got, tt.want)
			}
		})
	}
}

func TestReadableTLSKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, name := range []string{"cert.pem", "key.pem"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	key := filepath.Join(dir, "key.pem")
	cfg := mustLoad(t, LoadOptions{File: writeFile(t, "c.yaml", minimalYAML+"api: {tls_cert: "+filepath.Join(dir, "cert.pem")+", tls_key: "+key+"}\n")})
	if got := cfg.ReadableSecrets(); len(got) != 0 {
		t.Errorf("ReadableSecrets() = %v for a 0600 key", got)
	}
	if err := os.Chmod(key, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := cfg.ReadableSecrets(); len(got) != 1 || got[0].Key != "api.tls_key" || got[0].Mode != 0o644 {
		t.Errorf("ReadableSecrets() = %v for a 0644 key; want api.tls_key", got)
	}
}
