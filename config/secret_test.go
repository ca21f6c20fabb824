package config

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"
)

const leak = "S3cr3t-d0-n0t-l3ak"

func TestSecretFormatting(t *testing.T) {
	t.Parallel()
	s := NewSecret(leak)
	if s.Value() != leak {
		t.Fatalf("Value() = %q, want the secret", s.Value())
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%10s", "%d"} {
		for _, arg := range []any{s, &s} {
			if got := fmt.Sprintf(verb, arg); strings.Contains(got, leak) || !strings.Contains(got, Redacted) {
				t.Errorf("Sprintf(%q, %T) = %q, want %s and no secret", verb, arg, got, Redacted)
			}
		}
	}
	if got := fmt.Sprint(s); got != Redacted {
		t.Errorf("Sprint(Secret) = %q, want %q", got, Redacted)
	}
}

func TestConfigOutputHidesSecrets(t *testing.T) {
	t.Parallel()
	cfg := validConfig()
	cfg.Proxmox.TokenSecret = NewSecret(leak)
	cfg.Proxmox.Password = NewSecret(leak + "-pw")

	outputs := map[string]func() (string, error){
		"%v":     func() (string, error) { return fmt.Sprintf("%v", cfg), nil },
		"%+v":    func() (string, error) { return fmt.Sprintf("%+v", *cfg), nil },
		"%#v":    func() (string, error) { return fmt.Sprintf("%#v", *cfg), nil },
		"Sprint": func() (string, error) { return fmt.Sprint(cfg.Proxmox), nil },
		"json": func() (string, error) {
			b, err := json.Marshal(cfg)
			return string(b), err
		},
		"yaml": func() (string, error) {
			b, err := yaml.Marshal(cfg)
			return string(b), err
		},
		"Redacted": func() (string, error) { return fmt.Sprintf("%#v", cfg.Redacted()), nil },
		"RedactedYAML": func() (string, error) {
			b, err := cfg.RedactedYAML()
			return string(b), err
		},
		"Validate": func() (string, error) {
			// Both credentials set: invalid, and both secrets present.
			cfg := *cfg
			cfg.Proxmox.Username = "root@pam"
			err := cfg.Validate()
			if err == nil {
				return "", fmt.Errorf("Validate() = nil, want an error")
			}
			return err.Error(), nil
		},
	}
	for name, output := range outputs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := output()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(got, leak) {
				t.Errorf("%s output contains the secret:\n%s", name, got)
			}
		})
	}
}

// TestLoadErrorsHideSecrets feeds the secret where it is an invalid value of
// one kind or another and checks that no error quotes it.
func TestLoadErrorsHideSecrets(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	twoLines := filepath.Join(dir, "two-lines")
	if err := os.WriteFile(twoLines, []byte(leak+"\n"+leak+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	endpoint := "proxmox: {endpoints: [https://pve1:8006], token_id: a@pve!b, "
	tests := []struct {
		name    string
		yaml    string
		environ []string
		flags   []string
	}{
		{name: "secret as a list", yaml: endpoint + "token_secret: [" + leak + "]}"},
		{name: "secret as a mapping", yaml: endpoint + "token_secret: {x: " + leak + "}}"},
		{name: "secret as a number", yaml: endpoint + "token_secret: 12345}", environ: nil},
		{name: "secret in token_id, PVE's combined form", yaml: "proxmox: {endpoints: [https://pve1:8006], token_id: 'a@pve!b=" + leak + "', token_secret: x}"},
		{name: "secret in the endpoint", yaml: "proxmox: {endpoints: ['https://root:" + leak + "@pve1:8006'], token_id: a@pve!b, token_secret: x}"},
		{name: "secret with a line break", yaml: endpoint + "token_secret: \"" + leak + "\\n\"}"},
		{name: "password with a control character", yaml: "proxmox: {endpoints: [https://pve1:8006], username: root@pam, password: \"" + leak + "\\u0007\"}"},
		{name: "secret file with two lines", yaml: endpoint + "token_secret_file: " + twoLines + "}"},
		{name: "secret and secret file", yaml: endpoint + "token_secret: " + leak + ", token_secret_file: " + twoLines + "}"},
		{name: "secret under a misspelt key", yaml: endpoint + "token_secrett: " + leak + "}"},
		{name: "secret as the whole document", yaml: leak},
		{name: "secret as a quoted document", yaml: `"` + leak + `"`},
		{name: "secret in a list document", yaml: "- " + leak},
		{name: "secret in a broken document", yaml: "proxmox: {token_secret: '" + leak},
		{name: "secret in the mode", yaml: "scaling: {mode: " + leak + "}"},
		{name: "secret in a duration", yaml: "monitor: {interval: " + leak + "}"},
		{name: "secret in a size", yaml: "scaling: {memory: {max: " + leak + "}}"},
		{name: "secret in an integer", yaml: "scaling: {cpu: {max: " + leak + "}}"},
		{name: "secret in a ratio", yaml: "scaling: {cpu: {up_threshold: " + leak + "}}"},
		{name: "secret in a boolean", yaml: "model: {enabled: " + leak + "}"},
		{name: "secret in a token hash", yaml: "api: {tokens: [{name: a, sha256: " + leak + ", scope: read}]}"},
		{name: "secret in a listen address", yaml: "api: {listen: " + leak + "}"},
		{name: "secret in a tag", yaml: "scaling: {opt_in_tag: '-" + leak + "'}"},
		{name: "secret in a vmid list", yaml: "scaling: {ignore: [" + leak + "]}"},
		{name: "secret in a policy", yaml: "scaling: {policies: [{name: '" + leak + " x', match: {tags: ['" + leak + " y']}}]}"},
		{name: "secret as a policy", yaml: "scaling: {policies: [" + leak + "]}"},
		{name: "secret in a variable with a line break", environ: []string{"LXCA_PROXMOX_TOKEN_SECRET=" + leak + "\n"}, yaml: endpoint + "}"},
		{name: "secret in an unknown variable", environ: []string{"LXCA_PROXMOX_TOKEN_SECRETS=" + leak}},
		{name: "secret in a variable of a number", environ: []string{"LXCA_MODEL_TREES=" + leak}},
		{name: "secret in a variable of a policy", environ: []string{"LXCA_SCALING_POLICIES=[" + leak + "]"}},
		{name: "secret in a variable of broken YAML", environ: []string{"LXCA_API_TOKENS=[{'" + leak}},
		{name: "secret in a flag", flags: []string{"--mode=" + leak}},
		{name: "secret in a duration flag value", flags: []string{"--log-level=" + leak}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := LoadOptions{Environ: tt.environ}
			if tt.yaml != "" {
				opts.File = writeFile(t, "c.yaml", tt.yaml)
			}
			if tt.flags != nil {
				opts.Flags = pflag.NewFlagSet("test", pflag.ContinueOnError)
				RegisterFlags(opts.Flags)
				if err := opts.Flags.Parse(tt.flags); err != nil {
					t.Fatal(err)
				}
			}
			cfg, err := Load(opts)
			if err == nil {
				t.Fatalf("Load() = %+v, want an error", cfg)
			}
			// yaml.v3 shortens quoted values to their first 7 bytes: a
			// prefix is a leak too.
			if strings.Contains(err.Error(), leak[:6]) {
				t.Errorf("Load() error contains the secret:\n%v", err)
			}
		})
	}
}
