package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

// minimalYAML is the smallest valid file: everything else is a default.
const minimalYAML = `
proxmox:
  endpoints: ["https://pve1:8006"]
  token_id: "autoscale@pve!controller"
  token_secret: "00000000-0000-0000-0000-000000000000"
`

// credentials are the keys of minimalYAML, as variables.
var credentials = []string{
	"LXCA_PROXMOX_ENDPOINTS=https://pve1:8006",
	"LXCA_PROXMOX_TOKEN_ID=autoscale@pve!controller",
	"LXCA_PROXMOX_TOKEN_SECRET=00000000-0000-0000-0000-000000000000",
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func mustLoad(t *testing.T, opts LoadOptions) *Config {
	t.Helper()
	cfg, err := Load(opts)
	if err != nil {
		t.Fatalf("Load() error:\n%v", err)
	}
	return cfg
}

// validConfig is Default with the keys every deployment must add.
func validConfig() *Config {
	cfg := Default()
	cfg.Proxmox.Endpoints = []string{"https://pve1:8006"}
	cfg.Proxmox.TokenID = "autoscale@pve!controller"
	cfg.Proxmox.TokenSecret = NewSecret("00000000-0000-0000-0000-000000000000")
	return &cfg
}

func TestMinimalFileGivesDefaults(t *testing.T) {
	t.Parallel()
	got := mustLoad(t, LoadOptions{File: writeFile(t, "c.yaml", minimalYAML)})
	want := validConfig()
	if !reflect.DeepEqual(got.Redacted(), want.Redacted()) || got.Proxmox.TokenSecret != want.Proxmox.TokenSecret {
		t.Errorf("Load(minimal) = %+v, want %+v", got, want)
	}
}

func TestExampleFileIsValidAndDocumentsTheDefaults(t *testing.T) {
	t.Parallel()
	secretFile := writeFile(t, "token_secret", "s3cret-value\n")
	got := mustLoad(t, LoadOptions{
		File:    "example.yaml",
		Environ: []string{"LXCA_PROXMOX_TOKEN_SECRET_FILE=" + secretFile},
	})
	if got.Proxmox.TokenSecret.Value() != "s3cret-value" {
		t.Errorf("token secret from file = %q, want %q", got.Proxmox.TokenSecret.Value(), "s3cret-value")
	}
	// Apart from what a deployment must set, example.yaml must state exactly
	// the built-in defaults, so that the documentation cannot drift.
	want := Default()
	want.Proxmox.Endpoints = got.Proxmox.Endpoints
	want.Proxmox.TokenID = got.Proxmox.TokenID
	want.Proxmox.TokenSecret = got.Proxmox.TokenSecret
	want.Proxmox.TokenSecretFile = got.Proxmox.TokenSecretFile
	gotMap, wantMap := got.Redacted(), want.Redacted()
	for section := range wantMap {
		if !reflect.DeepEqual(gotMap[section], wantMap[section]) {
			t.Errorf("example.yaml %s = %v, want the default %v", section, gotMap[section], wantMap[section])
		}
	}
}

func TestExampleFileNamesEveryKey(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for key := range configKeys {
		leaf := key[strings.LastIndex(key, ".")+1:]
		if !strings.Contains(string(data), leaf+":") {
			t.Errorf("example.yaml does not mention %s", key)
		}
	}
}

func TestPrecedence(t *testing.T) {
	t.Parallel()
	file := writeFile(t, "c.yaml", minimalYAML+`
scaling:
  mode: recommend
  cpu: {max: 6}
logging: {level: warn}
monitor: {interval: 20s}
`)
	newFlags := func(args ...string) *pflag.FlagSet {
		fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
		RegisterFlags(fs)
		fs.String("config", "", "not a key")
		fs.Int("scaling.cpu.max", 0, "a key by its name")
		fs.Float64("scaling.cpu.up-threshold", 0, "a key with dashes")
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		return fs
	}
	tests := []struct {
		name    string
		environ []string
		flags   *pflag.FlagSet
		check   func(*Config) (got, want any)
	}{
		{
			name:  "file over default",
			check: func(c *Config) (any, any) { return c.Scaling.Mode, ModeRecommend },
		},
		{
			name:    "environment over file",
			environ: []string{"LXCA_SCALING_MODE=enforce"},
			check:   func(c *Config) (any, any) { return c.Scaling.Mode, ModeEnforce },
		},
		{
			name:    "set flag over environment",
			environ: []string{"LXCA_SCALING_MODE=enforce"},
			flags:   newFlags("--mode=dry-run"),
			check:   func(c *Config) (any, any) { return c.Scaling.Mode, ModeDryRun },
		},
		{
			name:    "unset flag does not override",
			environ: []string{"LXCA_LOGGING_LEVEL=debug"},
			flags:   newFlags("--mode=dry-run", "--config=/x.yaml"),
			check:   func(c *Config) (any, any) { return c.Logging.Level, "debug" },
		},
		{
			name:  "unset flag keeps the file",
			flags: newFlags("--log-level=error"),
			check: func(c *Config) (any, any) { return c.Scaling.CPU.Max, 6 },
		},
		{
			name:  "flag named after its key",
			flags: newFlags("--scaling.cpu.max=12"),
			check: func(c *Config) (any, any) { return c.Scaling.CPU.Max, 12 },
		},
		{
			name:  "flag with dashes for underscores",
			flags: newFlags("--scaling.cpu.up-threshold=0.85"),
			check: func(c *Config) (any, any) { return c.Scaling.CPU.UpThreshold, 0.85 },
		},
		{
			name:  "duration flag",
			flags: newFlags("--interval=30s"),
			check: func(c *Config) (any, any) { return c.Monitor.Interval, 30 * time.Second },
		},
		{
			name:    "list from environment",
			environ: []string{"LXCA_PROXMOX_ENDPOINTS=https://a:8006, https://b:8006/"},
			check: func(c *Config) (any, any) {
				return c.Proxmox.Endpoints, []string{"https://a:8006", "https://b:8006"}
			},
		},
		{
			name:  "repeated list flag",
			flags: newFlags("--endpoint=https://c:8006", "--endpoint=https://d:8006/api2/json"),
			check: func(c *Config) (any, any) {
				return c.Proxmox.Endpoints, []string{"https://c:8006", "https://d:8006"}
			},
		},
		{
			name:    "integers and booleans from environment",
			environ: []string{"LXCA_SCALING_IGNORE=101, 102", "LXCA_MONITOR_BACKFILL=false"},
			check: func(c *Config) (any, any) {
				return []any{c.Scaling.Ignore, c.Monitor.Backfill}, []any{[]int{101, 102}, false}
			},
		},
		{
			name:    "config path variable is not a key",
			environ: []string{"LXCA_CONFIG=/etc/lxc-autoscale/config.yaml"},
			check:   func(c *Config) (any, any) { return c.Scaling.Mode, ModeRecommend },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := mustLoad(t, LoadOptions{File: file, Environ: tt.environ, Flags: tt.flags})
			if got, want := tt.check(cfg); !reflect.DeepEqual(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func TestValueSyntax(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		yaml  string
		check func(*Config) (got, want any)
	}{
		{"size with binary unit", "scaling: {memory: {max: 2GiB}}",
			func(c *Config) (any, any) { return c.Scaling.Memory.Max, 2 * GiB }},
		{"size with short unit and fraction", "scaling: {memory: {max: 1.5G}}",
			func(c *Config) (any, any) { return c.Scaling.Memory.Max, 1536 * MiB }},
		{"size as plain MiB", "scaling: {memory: {max: 2048}}",
			func(c *Config) (any, any) { return c.Scaling.Memory.Max, 2 * GiB }},
		{"size as quoted MiB", `scaling: {memory: {max: "1024"}}`,
			func(c *Config) (any, any) { return c.Scaling.Memory.Max, GiB }},
		{"ratio as percent", `scaling: {cpu: {up_threshold: "85%"}}`,
			func(c *Config) (any, any) { return c.Scaling.CPU.UpThreshold, 0.85 }},
		{"duration", "scaling: {cooldown_down: 1h30m}",
			func(c *Config) (any, any) { return c.Scaling.CooldownDown, 90 * time.Minute }},
		{"zero duration without unit", "scaling: {cooldown_up: 0}",
			func(c *Config) (any, any) { return c.Scaling.CooldownUp, time.Duration(0) }},
		{"vmids as strings, as the original wrote them", `scaling: {ignore: ["101", 102]}`,
			func(c *Config) (any, any) { return c.Scaling.Ignore, []int{101, 102} }},
		{"empty section keeps defaults", "api:\nlogging:\n",
			func(c *Config) (any, any) { return c.API.Listen, "127.0.0.1:5000" }},
		{"fingerprint normalised", `proxmox: {fingerprint: "` + strings.Repeat("AB:", 31) + `AB"}`,
			func(c *Config) (any, any) { return c.Proxmox.Fingerprint, strings.Repeat("ab", 32) }},
		{"fingerprint list normalised and valid, one per node", `proxmox: {fingerprint: "` + strings.Repeat("AB:", 31) + `AB, ` + strings.Repeat("cd", 32) + `"}`,
			func(c *Config) (any, any) {
				return c.Proxmox.Fingerprint, strings.Repeat("ab", 32) + "," + strings.Repeat("cd", 32)
			}},
		{"token hash normalised", `api: {tokens: [{name: ops, sha256: "` + strings.Repeat("A", 64) + `", scope: operate}]}`,
			func(c *Config) (any, any) { return c.API.Tokens[0].SHA256, strings.Repeat("a", 64) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := mustLoad(t, LoadOptions{File: writeFile(t, "c.yaml", tt.yaml), Environ: credentials})
			if got, want := tt.check(cfg); !reflect.DeepEqual(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

// TestNumberWidensEveryNumericType: YAML gives int, uint64 and float64,
// flags float32, int32 or uint; each must widen to its value, and nothing
// else is a number (a numeric string goes through its own parser).
func TestNumberWidensEveryNumericType(t *testing.T) {
	t.Parallel()
	for _, v := range []any{int(-3), int8(-3), int32(-3), int64(-3), float32(-3), float64(-3)} {
		if f, ok := number(v); !ok || f != -3 {
			t.Errorf("number(%T(-3)) = %v, %v; want -3, true", v, f, ok)
		}
	}
	for _, v := range []any{uint(7), uint8(7), uint32(7), uint64(7)} {
		if f, ok := number(v); !ok || f != 7 {
			t.Errorf("number(%T(7)) = %v, %v; want 7, true", v, f, ok)
		}
	}
	if f, ok := number(uint64(1) << 63); !ok || f != 1<<63 {
		t.Errorf("number(1<<63) = %v, %v; want 2^63, true", f, ok)
	}
	for _, v := range []any{nil, "1", true, []int{1}} {
		if f, ok := number(v); ok {
			t.Errorf("number(%#v) = %v, true; want not a number", v, f)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		yaml    string
		environ []string
		want    []string
	}{
		{"unknown key names key and file", "proxmox: {token_secrett: x}",
			nil, []string{"c.yaml: proxmox.token_secrett: unknown key"}},
		{"unknown section", "scalling: {mode: enforce}",
			nil, []string{"c.yaml: scalling: unknown key"}},
		{"unknown key inside a policy", "scaling: {policies: [{name: a, match: {vmids: [101]}, cpu: {mni: 2}}]}",
			nil, []string{"scaling.policies[0].cpu.mni: unknown key"}},
		{"unknown variable", "",
			[]string{"LXCA_SCALING_MDOE=enforce"}, []string{"environment: LXCA_SCALING_MDOE: unknown key"}},
		{"duration without unit", "monitor: {interval: 60}",
			nil, []string{"monitor.interval: must be a duration with a unit"}},
		{"bad size", "scaling: {memory: {step: 5 parsecs}}",
			nil, []string{"scaling.memory.step: must be a size like 512MiB"}},
		{"negative size", "scaling: {memory: {step: -512}}",
			nil, []string{"scaling.memory.step: must be a size"}},
		{"not an integer", "scaling: {cpu: {max: 2.5}}",
			nil, []string{"scaling.cpu.max: must be an integer"}},
		{"not a boolean from environment", "",
			[]string{"LXCA_MODEL_ENABLED=maybe"}, []string{"model.enabled: must be true or false"}},
		{"section is not a mapping", "monitor: 5",
			nil, []string{"monitor: must be a mapping"}},
		{"list is not a list", "scaling: {ignore: 101}",
			nil, []string{"scaling.ignore: must be a list"}},
		{"policies from environment are not YAML", "",
			[]string{"LXCA_SCALING_POLICIES=[{"}, []string{"environment LXCA_SCALING_POLICIES: scaling.policies: must be a YAML or JSON list"}},
		{"every problem at once", "monitor: {interval: 60}\nscaling: {cpu: {max: x}}\nlogging: {levle: info}",
			nil, []string{"monitor.interval:", "scaling.cpu.max:", "logging.levle: unknown key"}},
		{"every kind of problem at once", "monitor: {intervall: 10s}\nscaling: {cpu: {max: x}}\nmodel: {trees: 0}\napi: {tls_cert: /c.pem}",
			nil, []string{"monitor.intervall: unknown key", "scaling.cpu.max: must be an integer", "model.trees: 0 is out of range [1, 1000]", "api: set both tls_cert and tls_key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "c.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := Load(LoadOptions{File: path, Environ: append(tt.environ, credentials...)})
			if err == nil {
				t.Fatalf("Load() = %+v, want an error", cfg)
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Load() error:\n%v\nwant it to contain %q", err, want)
				}
			}
		})
	}
}

// A key that does not decode is reported once: not again as out of range,
// nor in the problems of the keys compared with it.
func TestAKeyThatDoesNotDecodeIsReportedOnce(t *testing.T) {
	t.Parallel()
	_, err := Load(LoadOptions{File: writeFile(t, "c.yaml", minimalYAML+"scaling: {cpu: {max: x, min: 2}}\nmonitor: {window: forever}\n")})
	if err == nil {
		t.Fatal("Load() = nil error")
	}
	for _, key := range []string{"scaling.cpu.max", "monitor.window"} {
		if n := strings.Count(err.Error(), key); n != 1 {
			t.Errorf("%s named %d times, want once:\n%v", key, n, err)
		}
	}
}

// A secret file that cannot be read is reported once, not again as a
// missing secret.
func TestAnUnreadableSecretFileIsReportedOnce(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "absent")
	_, err := Load(LoadOptions{File: writeFile(t, "c.yaml", `proxmox: {endpoints: ["https://pve1:8006"], token_id: "autoscale@pve!controller", token_secret_file: `+missing+"}\n")})
	if err == nil || !strings.Contains(err.Error(), "proxmox.token_secret_file: open "+missing) || strings.Contains(err.Error(), "required") {
		t.Errorf("Load() = %v; want only the unreadable file", err)
	}
}

func TestUnknownKeyIsMatchable(t *testing.T) {
	t.Parallel()
	_, err := Load(LoadOptions{File: writeFile(t, "c.yaml", minimalYAML+"api: {listne: x}")})
	if !errors.Is(err, ErrUnknownKey) {
		t.Errorf("errors.Is(%v, ErrUnknownKey) = false, want true", err)
	}
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Key != "api.listne" {
		t.Errorf("errors.As(FieldError) key = %v, want api.listne", fe)
	}
	_, err = Load(LoadOptions{File: writeFile(t, "c.yaml", minimalYAML+"api: {listen: x}")})
	if errors.Is(err, ErrUnknownKey) {
		t.Errorf("errors.Is(%v, ErrUnknownKey) = true for a bad value, want false", err)
	}
}

func TestMissingFileIsAnError(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "absent.yaml")
	cfg, err := Load(LoadOptions{File: path})
	if err == nil || !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), path) {
		t.Errorf("Load(missing) = %v, %v; want an error naming %s", cfg, err, path)
	}
}

func TestNoFileUsesEnvironment(t *testing.T) {
	t.Parallel()
	cfg := mustLoad(t, LoadOptions{Environ: []string{
		"LXCA_PROXMOX_ENDPOINTS=http://127.0.0.1:18006",
		"LXCA_PROXMOX_USERNAME=root@pam",
		"LXCA_PROXMOX_PASSWORD=pw",
		"PATH=/usr/bin",
	}})
	if cfg.Proxmox.Username != "root@pam" || cfg.Proxmox.Password.Value() != "pw" {
		t.Errorf("Load(env only) proxmox = %+v, want root@pam with a password", cfg.Proxmox)
	}
}

func TestEnvironmentNamesAreUnambiguous(t *testing.T) {
	t.Parallel()
	if len(envKeys) != len(configKeys) {
		t.Fatalf("%d variables for %d keys: two keys share a variable name", len(envKeys), len(configKeys))
	}
	for name, want := range map[string]string{
		"LXCA_PROXMOX_TOKEN_SECRET":      "proxmox.token_secret",
		"LXCA_PROXMOX_TOKEN_SECRET_FILE": "proxmox.token_secret_file",
		"LXCA_SCALING_MODE":              "scaling.mode",
		"LXCA_SCALING_CPU_UP_THRESHOLD":  "scaling.cpu.up_threshold",
		"LXCA_PROXMOX_RETRY_MIN_BACKOFF": "proxmox.retry.min_backoff",
		"LXCA_API_RATE_LIMIT_PER_SECOND": "api.rate_limit.per_second",
	} {
		if got := envKeys[name]; got != want {
			t.Errorf("envKeys[%s] = %q, want %q", name, got, want)
		}
	}
}

func TestPoliciesInheritTheGlobalRules(t *testing.T) {
	t.Parallel()
	cfg := mustLoad(t, LoadOptions{
		File: writeFile(t, "c.yaml", minimalYAML+`
scaling:
  cooldown_down: 30m
  memory: {max: 16GiB}
  policies:
    - name: db
      match: {tags: [DB]}
      mode: recommend
      cpu: {max: 16}
    - name: small
      match: {vmids: [101], pools: [lab]}
`),
		Environ: []string{"LXCA_SCALING_CPU_MIN=2"},
	})
	name, db := cfg.Scaling.RulesFor(200, []string{"web", "db"}, "")
	if name != "db" {
		t.Fatalf("RulesFor(tag db) policy = %q, want db", name)
	}
	if db.Mode != ModeRecommend || db.CPU.Max != 16 || db.CPU.Min != 2 || db.CPU.UpThreshold != Default().Scaling.CPU.UpThreshold ||
		db.Memory.Max != 16*GiB || db.CooldownDown != 30*time.Minute {
		t.Errorf("db rules = %+v, want its own mode and cpu.max over the global rules", db)
	}
	if name, small := cfg.Scaling.RulesFor(300, nil, "lab"); name != "small" || !reflect.DeepEqual(small, cfg.Scaling.Rules) {
		t.Errorf("RulesFor(pool lab) = %q %+v, want small with the global rules", name, small)
	}
	if name, rules := cfg.Scaling.RulesFor(300, []string{"web"}, "prod"); name != "" || !reflect.DeepEqual(rules, cfg.Scaling.Rules) {
		t.Errorf("RulesFor(no match) = %q, want the global rules", name)
	}
}

func TestPolicyFromEnvironment(t *testing.T) {
	t.Parallel()
	cfg := mustLoad(t, LoadOptions{
		File:    writeFile(t, "c.yaml", minimalYAML),
		Environ: []string{`LXCA_SCALING_POLICIES=[{"name":"ci","match":{"vmids":[150]},"cpu":{"max":8}}]`},
	})
	if len(cfg.Scaling.Policies) != 1 || cfg.Scaling.Policies[0].CPU.Max != 8 || cfg.Scaling.Policies[0].CPU.Min != 1 {
		t.Errorf("policies = %+v, want one with cpu.max 8 and the default min", cfg.Scaling.Policies)
	}
}

func TestSecretFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	base := "proxmox: {endpoints: [https://pve1:8006], token_id: a@pve!b, "
	tests := []struct {
		name    string
		yaml    string
		want    string
		wantErr []string
	}{
		{"trailing newline trimmed", base + "token_secret_file: " + write("ok", "abc-def\n") + "}", "abc-def", nil},
		{"CRLF trimmed", base + "token_secret_file: " + write("crlf", "abc\r\n") + "}", "abc", nil},
		{"missing file named", base + "token_secret_file: " + filepath.Join(dir, "nope") + "}", "",
			[]string{"proxmox.token_secret_file:", filepath.Join(dir, "nope"), "no such file"}},
		{"empty file", base + "token_secret_file: " + write("empty", "\n") + "}", "",
			[]string{"proxmox.token_secret_file: " + filepath.Join(dir, "empty") + " is empty"}},
		{"both value and file", base + "token_secret: x, token_secret_file: " + write("both", "y") + "}", "",
			[]string{"proxmox.token_secret: set only one of proxmox.token_secret and proxmox.token_secret_file"}},
		{"two lines in the file", base + "token_secret_file: " + write("two", "a\nb\n") + "}", "",
			[]string{"proxmox.token_secret: must not contain control characters or line breaks"}},
		// A wrong path to a large file fails instead of filling the memory,
		// and the error names the path, never the content.
		{"larger than a secret", base + "token_secret_file: " + write("large", strings.Repeat("k", maxSecretFile+1)) + "}", "",
			[]string{"proxmox.token_secret_file:", filepath.Join(dir, "large"), "larger than the limit of 65536 bytes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := Load(LoadOptions{File: writeFile(t, "c.yaml", tt.yaml)})
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Load() error: %v", err)
				}
				if got := cfg.Proxmox.TokenSecret.Value(); got != tt.want {
					t.Errorf("token secret = %q, want %q", got, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatal("Load() error = nil, want one")
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Load() error %q, want it to contain %q", err, want)
				}
			}
		})
	}
}

func TestRedactedLoadsBackToTheSameConfig(t *testing.T) {
	t.Parallel()
	cfg := validConfig()
	cfg.Scaling.Policies = []Policy{{Name: "p", Match: Match{VMIDs: []int{101}}, Rules: cfg.Scaling.Rules}}
	cfg.Scaling.Policies[0].Memory.Max = 1536 * MiB
	cfg.Monitor.Window = 90 * time.Minute
	dump, err := cfg.RedactedYAML()
	if err != nil {
		t.Fatal(err)
	}
	got := mustLoad(t, LoadOptions{
		File:    writeFile(t, "dump.yaml", string(dump)),
		Environ: []string{"LXCA_PROXMOX_TOKEN_SECRET=" + cfg.Proxmox.TokenSecret.Value(), "LXCA_PROXMOX_PASSWORD="},
	})
	if !reflect.DeepEqual(got.Redacted(), cfg.Redacted()) {
		t.Errorf("Load(RedactedYAML()) = %v\nwant %v", got.Redacted(), cfg.Redacted())
	}
}

func TestMissingTLSFilesAreReported(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cert := writeFile(t, "cert.pem", "not checked here")
	cfg, err := Load(LoadOptions{
		File:    writeFile(t, "c.yaml", "api: {tls_cert: "+cert+", tls_key: "+filepath.Join(dir, "key.pem")+"}\nproxmox: {ca_file: "+filepath.Join(dir, "ca.pem")+"}"),
		Environ: credentials,
	})
	if err == nil {
		t.Fatalf("Load() = %+v, want an error", cfg)
	}
	for _, want := range []string{"api.tls_key: stat " + filepath.Join(dir, "key.pem"), "proxmox.ca_file: stat " + filepath.Join(dir, "ca.pem")} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Load() error %q, want it to contain %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "api.tls_cert") {
		t.Errorf("Load() error %q names the certificate, which exists", err)
	}
}

// UnknownKeys lists the file's unknown keys in order, not the
// environment's, nor other problems.
func TestUnknownKeys(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(file, []byte("scalling: {}\nmonitor: {intervall: 10s, interval: -1s}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(LoadOptions{File: file, Environ: []string{"LXCA_SCALING_MDOE=enforce"}})
	if got, want := UnknownKeys(err, file), []string{"monitor.intervall", "scalling"}; !reflect.DeepEqual(got, want) {
		t.Errorf("UnknownKeys = %q, want %q (from %v)", got, want, err)
	}
	if got := UnknownKeys(nil, file); got != nil {
		t.Errorf("UnknownKeys(nil) = %q", got)
	}
}
