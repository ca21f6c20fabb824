package config

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestValidateAcceptsDefaultsWithCredentials(t *testing.T) {
	t.Parallel()
	if err := validConfig().Validate(); err != nil {
		t.Errorf("Validate(defaults) = %v, want nil", err)
	}
	cfg := Default()
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "proxmox.endpoints") {
		t.Errorf("Validate(Default()) = %v, want the missing endpoint reported", err)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"cpu threshold above 1", func(c *Config) { c.Scaling.CPU.UpThreshold = 1.5 },
			"scaling.cpu.up_threshold: 1.5 is out of range (0, 1]"},
		{"cpu threshold zero", func(c *Config) { c.Scaling.CPU.UpThreshold = 0 },
			"scaling.cpu.up_threshold: 0 is out of range (0, 1]"},
		{"threshold NaN", func(c *Config) { c.Scaling.Memory.UpThreshold = math.NaN() },
			"scaling.memory.up_threshold: NaN is out of range (0, 1]"},
		{"down not below up", func(c *Config) { c.Scaling.CPU.DownThreshold = 0.96 },
			"scaling.cpu.down_threshold: 0.96 must be below scaling.cpu.up_threshold (0.9)"},
		{"target not between the thresholds", func(c *Config) { c.Scaling.Memory.UpThreshold = 0.6 },
			"scaling.memory.target: 0.7 is out of range: 0 (one step at a time) or between scaling.memory.down_threshold (0.45) and scaling.memory.up_threshold (0.6), both excluded; set target too when you change the thresholds"},
		{"target at a threshold", func(c *Config) { c.Scaling.CPU.Target = 0.45 },
			"scaling.cpu.target: 0.45 is out of range"},
		{"cpu min above max", func(c *Config) { c.Scaling.CPU.Min, c.Scaling.CPU.Max = 8, 4 },
			"scaling.cpu.min: 8 exceeds scaling.cpu.max (4)"},
		{"cpu max above PVE", func(c *Config) { c.Scaling.CPU.Max = 9000 },
			"scaling.cpu.max: 9000 is out of range [1, 8192]"},
		{"memory min above max", func(c *Config) { c.Scaling.Memory.Min = 16 * GiB },
			"scaling.memory.min: 16GiB exceeds scaling.memory.max (8GiB)"},
		{"memory below PVE minimum", func(c *Config) { c.Scaling.Memory.Min = 8 * MiB },
			"scaling.memory.min: 8MiB is out of range [16MiB, 64TiB]"},
		{"memory not whole MiB", func(c *Config) { c.Scaling.Memory.Step = 1536 * KiB },
			"scaling.memory.step: 1536KiB is not a whole number of MiB"},
		{"disk threshold 1", func(c *Config) { c.Scaling.Disk.Threshold = 1 },
			"scaling.disk.threshold: 1 is out of range (0, 1)"},
		{"lease too short", func(c *Config) { c.State.LeaseDuration = time.Second },
			"state.lease_duration: 1s is out of range [3s, 5m]"},
		{"lease too long", func(c *Config) { c.State.LeaseDuration = time.Hour },
			"state.lease_duration: 1h is out of range [3s, 5m]"},
		{"unknown mode", func(c *Config) { c.Scaling.Mode = "enforced" },
			"scaling.mode: must be one of enforce, dry-run, recommend"},
		{"token hash", func(c *Config) {
			c.API.Tokens = []APIToken{{Name: "a", SHA256: strings.Repeat("0", 64), Scope: ScopeRead}, {Name: "b", SHA256: "abc", Scope: ScopeRead}}
		}, "api.tokens[1].sha256: must be 64 hex characters"},
		{"token duplicate hash", func(c *Config) {
			h := strings.Repeat("0", 64)
			c.API.Tokens = []APIToken{{Name: "a", SHA256: h, Scope: ScopeRead}, {Name: "b", SHA256: h, Scope: ScopeAdmin}}
		}, "api.tokens[1].sha256: duplicates api.tokens[0].sha256"},
		{"token scope", func(c *Config) {
			c.API.Tokens = []APIToken{{Name: "a", SHA256: strings.Repeat("0", 64), Scope: "root"}}
		}, "api.tokens[0].scope: must be one of read, operate, admin"},
		{"no credentials", func(c *Config) { c.Proxmox.TokenID, c.Proxmox.TokenSecret = "", Secret{} },
			"proxmox: one of token_id+token_secret or username+password is required"},
		{"both credentials", func(c *Config) { c.Proxmox.Username, c.Proxmox.Password = "root@pam", NewSecret("pw") },
			"proxmox: set token_id+token_secret or username+password, not both"},
		{"token without secret", func(c *Config) { c.Proxmox.TokenSecret = Secret{} },
			"proxmox.token_secret: required with token_id"},
		{"token id form", func(c *Config) { c.Proxmox.TokenID = "autoscale@pve" },
			"proxmox.token_id: must be USER@REALM!TOKENID"},
		{"secret placeholder", func(c *Config) { c.Proxmox.TokenSecret = NewSecret(Redacted) },
			"proxmox.token_secret: holds the redaction placeholder"},
		{"two trust settings", func(c *Config) { c.Proxmox.CAFile, c.Proxmox.InsecureSkipVerify = "/ca.pem", true },
			"proxmox: set at most one of ca_file, fingerprint and insecure_skip_verify"},
		{"short fingerprint", func(c *Config) { c.Proxmox.Fingerprint = "ab:cd" },
			"proxmox.fingerprint: must be a SHA-256 certificate fingerprint"},
		{"second fingerprint of two short", func(c *Config) { c.Proxmox.Fingerprint = strings.Repeat("ab", 32) + ",ab:cd" },
			"proxmox.fingerprint: item 2 of 2 must be a SHA-256 certificate fingerprint"},
		{"empty fingerprint after a comma", func(c *Config) { c.Proxmox.Fingerprint = strings.Repeat("ab", 32) + "," },
			"proxmox.fingerprint: item 2 of 2"},
		{"plain http to a remote node", func(c *Config) { c.Proxmox.Endpoints = []string{"http://pve1:8006"} },
			"proxmox.endpoints[0]: http is allowed only for loopback addresses"},
		{"credentials in the endpoint", func(c *Config) { c.Proxmox.Endpoints = []string{"https://root:pw@pve1:8006"} },
			"proxmox.endpoints[0]: must not contain credentials"},
		{"endpoint with a path", func(c *Config) { c.Proxmox.Endpoints = []string{"https://pve1:8006/x"} },
			"proxmox.endpoints[0]: must be a base URL without a path"},
		{"endpoint without scheme", func(c *Config) { c.Proxmox.Endpoints = []string{"pve1:8006"} },
			"proxmox.endpoints[0]:"},
		{"backoff order", func(c *Config) { c.Proxmox.Retry.MinBackoff = 20 * time.Second },
			"proxmox.retry.min_backoff: 20s exceeds proxmox.retry.max_backoff (10s)"},
		{"window shorter than interval", func(c *Config) { c.Monitor.Interval, c.Monitor.Window = 30*time.Minute, 10*time.Minute },
			"monitor.window: 10m is shorter than monitor.interval (30m)"},
		{"training window beyond history", func(c *Config) { c.Model.TrainingWindow = 2 * time.Hour },
			"model.training_window: 2h exceeds monitor.window (1h)"},
		{"stabilization down beyond the history", func(c *Config) { c.Scaling.StabilizationDown = 90 * time.Minute },
			"scaling.stabilization_down: 1h30m is out of range [0s, 1h]: it must not exceed monitor.window (1h)"},
		{"stabilization down beyond a shorter history", func(c *Config) { c.Monitor.Window = 20 * time.Minute },
			"scaling.stabilization_down: 45m is out of range [0s, 20m]: it must not exceed monitor.window (20m)"},
		{"policy stabilization beyond the history", func(c *Config) {
			p := Policy{Name: "p", Match: Match{Tags: []string{"db"}}, Rules: c.Scaling.Rules}
			p.StabilizationUp = 2 * time.Hour
			c.Scaling.Policies = []Policy{p}
		}, "scaling.policies[0].stabilization_up: 2h is out of range [0s, 1h]"},
		{"unknown profile", func(c *Config) { c.Scaling.Profile = "cheap" },
			"scaling.profile: must be one of balanced, cost, performance"},
		{"unknown policy profile", func(c *Config) {
			c.Scaling.Policies = []Policy{{Name: "db", Match: Match{VMIDs: []int{101}}, Rules: c.Scaling.Rules}}
			c.Scaling.Policies[0].Profile = "fast"
		}, "scaling.policies[0].profile: must be one of balanced, cost, performance"},
		{"negative stabilization", func(c *Config) { c.Scaling.StabilizationUp = -time.Second },
			"scaling.stabilization_up: -1s is out of range [0s, 1h]"},
		{"jitter", func(c *Config) { c.Monitor.Jitter = 0.9 },
			"monitor.jitter: 0.9 is out of range [0, 0.5]"},
		{"anomaly threshold", func(c *Config) { c.Model.AnomalyThreshold = 1 },
			"model.anomaly_threshold: 1 is out of range (0, 1)"},
		{"bad tag", func(c *Config) { c.Scaling.OptOutTag = "-no" },
			"scaling.opt_out_tag: must be a Proxmox tag"},
		{"same opt-in and opt-out tag", func(c *Config) { c.Scaling.OptInTag = "Autoscale-Off" },
			"scaling.opt_out_tag: must differ from scaling.opt_in_tag"},
		{"ignored vmid", func(c *Config) { c.Scaling.Ignore = []int{101, 42} },
			"scaling.ignore[1]: 42 is out of range [100, 999999999]"},
		{"policy without selector", func(c *Config) {
			c.Scaling.Policies = []Policy{{Name: "p", Rules: c.Scaling.Rules}}
		}, "scaling.policies[0].match: needs at least one of vmids, tags and pools"},
		{"policy rules checked", func(c *Config) {
			p := Policy{Name: "p", Match: Match{Tags: []string{"db"}}, Rules: c.Scaling.Rules}
			p.CPU.Min = 12
			c.Scaling.Policies = []Policy{p}
		}, "scaling.policies[0].cpu.min: 12 exceeds scaling.policies[0].cpu.max (8)"},
		{"policy names unique", func(c *Config) {
			p := Policy{Name: "p", Match: Match{VMIDs: []int{101}}, Rules: c.Scaling.Rules}
			c.Scaling.Policies = []Policy{p, p}
		}, "scaling.policies[1].name: duplicates scaling.policies[0].name"},
		{"listen", func(c *Config) { c.API.Listen = "5000" },
			"api.listen: must be host:port"},
		{"half a TLS pair", func(c *Config) { c.API.TLSCert = "/cert.pem" },
			"api: set both tls_cert and tls_key, or neither"},
		{"plain http on every interface", func(c *Config) { c.API.Listen = "0.0.0.0:5000" },
			"api.listen: beyond loopback the API needs TLS"},
		{"plain http on all addresses, no host", func(c *Config) { c.API.Listen = ":5000" },
			"api.listen: beyond loopback the API needs TLS"},
		{"plain http on a LAN address", func(c *Config) { c.API.Listen = "192.0.2.10:5000" },
			"set api.tls_cert and api.tls_key, listen on 127.0.0.1, or set api.allow_insecure_remote: true"},
		{"max connections", func(c *Config) { c.API.MaxConnections = 0 },
			"api.max_connections: 0 is out of range [1, 100000]"},
		{"log level", func(c *Config) { c.Logging.Level = "verbose" },
			"logging.level: must be one of debug, info, warn, error"},
		{"no state file", func(c *Config) { c.State.File = "" },
			"state.file: is required"},
		{"one path for two files", func(c *Config) { c.State.AuditFile = c.State.File },
			"state.audit_file: must differ from state.file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := validConfig()
			tt.mutate(cfg)
			err := cfg.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want it to contain %q", err, tt.want)
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Errorf("errors.As(Validate(), *FieldError) = false, want true")
			}
		})
	}
}

// TestValidateRemoteAPI checks the ways to serve the API beyond loopback
// that are accepted: TLS, or the key that says plain HTTP is meant.
func TestValidateRemoteAPI(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		mutate func(*Config)
	}{
		{"loopback v4", func(c *Config) { c.API.Listen = "127.0.0.1:5000" }},
		{"loopback v6", func(c *Config) { c.API.Listen = "[::1]:5000" }},
		{"localhost", func(c *Config) { c.API.Listen = "localhost:5000" }},
		{"remote with TLS", func(c *Config) { c.API.Listen, c.API.TLSCert, c.API.TLSKey = "0.0.0.0:5000", "/c.pem", "/k.pem" }},
		{"remote, plain, allowed", func(c *Config) { c.API.Listen, c.API.AllowInsecureRemote = "0.0.0.0:5000", true }},
		{"api off", func(c *Config) { c.API.Listen = "" }},
	} {
		cfg := validConfig()
		tc.mutate(cfg)
		if err := cfg.Validate(); err != nil {
			t.Errorf("%s: Validate() = %v, want nil", tc.name, err)
		}
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	t.Parallel()
	cfg := validConfig()
	cfg.Scaling.CPU.UpThreshold = 2
	cfg.Scaling.Memory.Min = 0
	cfg.API.Listen = "nowhere"
	cfg.Logging.Format = "xml"
	err := cfg.Validate()
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("Validate() = %v, want errors.Join of the problems", err)
	}
	if got := len(joined.Unwrap()); got != 4 {
		t.Errorf("Validate() reported %d problems, want 4:\n%v", got, err)
	}
}

// TestValidateStabilizationUpToTheWindow: a stabilisation period as long
// as the history kept can be covered (the window keeps a sample exactly
// that old), so it is accepted.
func TestValidateStabilizationUpToTheWindow(t *testing.T) {
	t.Parallel()
	cfg := validConfig()
	cfg.Scaling.StabilizationUp, cfg.Scaling.StabilizationDown = cfg.Monitor.Window, cfg.Monitor.Window
	if err := cfg.Validate(); err != nil {
		t.Errorf("Validate() with both stabilisations at monitor.window = %v, want nil", err)
	}
}
