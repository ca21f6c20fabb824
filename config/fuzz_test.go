package config

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

// FuzzLoad feeds arbitrary files to the loader (alertmanager's FuzzLoad): it
// never panics, returns a config or an error but never both nor neither, and
// a config it returns is valid and survives a round trip through its
// check-config dump.
func FuzzLoad(f *testing.F) {
	example, err := os.ReadFile("example.yaml")
	if err != nil {
		f.Fatal(err)
	}
	// Without its comments: the mutator and the minimiser work on bytes, and
	// 9 KB of prose slows both down for nothing.
	var keysOnly []string
	for line := range strings.Lines(string(example)) {
		if trimmed := strings.TrimSpace(line); trimmed != "" && !strings.HasPrefix(trimmed, "#") {
			keysOnly = append(keysOnly, line)
		}
	}
	f.Add([]byte(strings.Join(keysOnly, "")))
	f.Add([]byte(minimalYAML))
	f.Add([]byte(minimalYAML + `
scaling:
  memory: {max: 1.5G, step: 256}
  cpu: {up_threshold: "80%"}
  ignore: ["101", 102]
  policies:
    - {name: db, match: {tags: [db], pools: [prod]}, cpu: {max: 16}, mode: recommend}
api:
  tokens: [{name: ops, sha256: "` + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" + `", scope: operate}]
`))
	f.Add([]byte("proxmox: {endpoints: [http://127.0.0.1:8006], username: root@pam, password_file: /run/pw}\n"))
	f.Add([]byte("proxmox: 5\nmonitor: {interval: 60}\n"))
	f.Add([]byte("- a\n- b\n"))
	f.Add([]byte("a: &x {b: 1}\nc: *x\n<<: *x\n"))
	f.Add([]byte(""))

	readSecret := func(path string) ([]byte, error) {
		if path == "/missing" {
			return nil, os.ErrNotExist
		}
		return []byte("file-secret\n"), nil
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := load(LoadOptions{File: "fuzz.yaml"}, data, readSecret)
		if (cfg == nil) == (err == nil) {
			t.Fatalf("load() = %v, %v; want exactly one of them", cfg, err)
		}
		if err != nil {
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("load() returned a config that does not validate: %v", err)
		}
		dump, err := cfg.RedactedYAML()
		if err != nil {
			t.Fatalf("RedactedYAML() error: %v", err)
		}
		// The dump hides the secrets; give them back as variables and drop
		// their files, as an operator would.
		environ := []string{
			"LXCA_PROXMOX_TOKEN_SECRET=" + cfg.Proxmox.TokenSecret.Value(),
			"LXCA_PROXMOX_TOKEN_SECRET_FILE=",
			"LXCA_PROXMOX_PASSWORD=" + cfg.Proxmox.Password.Value(),
			"LXCA_PROXMOX_PASSWORD_FILE=",
		}
		again, err := load(LoadOptions{File: "dump.yaml", Environ: environ}, dump, readSecret)
		if err != nil {
			var fe *FieldError
			if errors.As(err, &fe) {
				t.Fatalf("load(dump) error at %s: %v\ndump:\n%s", fe.Key, err, dump)
			}
			t.Fatalf("load(dump) error: %v\ndump:\n%s", err, dump)
		}
		want := cfg.Redacted()
		want["proxmox"].(map[string]any)["token_secret_file"] = ""
		want["proxmox"].(map[string]any)["password_file"] = ""
		if got := again.Redacted(); !reflect.DeepEqual(got, want) {
			t.Fatalf("load(dump) = %v\nwant %v", got, want)
		}
	})
}
