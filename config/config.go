package config

import (
	"slices"
	"strings"
	"time"
)

// Config is the whole configuration of lxc-autoscale. The koanf tags are the
// key names of the YAML file; example.yaml documents every one.
type Config struct {
	Proxmox Proxmox `koanf:"proxmox"`
	Monitor Monitor `koanf:"monitor"`
	Model   Model   `koanf:"model"`
	Scaling Scaling `koanf:"scaling"`
	API     API     `koanf:"api"`
	Logging Logging `koanf:"logging"`
	State   State   `koanf:"state"`
	Notify  Notify  `koanf:"notify"`

	// file is the YAML file Load read, and inlineSecrets the secret keys
	// set in it rather than in their own files: ReadableSecrets checks them.
	file          string
	inlineSecrets []string
}

// Proxmox is how to reach and authenticate to the Proxmox VE API.
type Proxmox struct {
	// Endpoints are base URLs of any nodes of the cluster
	// ("https://pve1:8006"; without a port the client dials 8006), tried in
	// order. Load normalises them to
	// scheme://host[:port] without a trailing "/" or "/api2/json".
	Endpoints []string `koanf:"endpoints"`

	// TokenID is an API token "USER@REALM!TOKENID". Use it with TokenSecret,
	// or use Username and Password instead.
	TokenID string `koanf:"token_id"`
	// TokenSecret is the token's secret (a UUID on real clusters). After Load
	// it holds the secret even when it came from TokenSecretFile.
	TokenSecret     Secret `koanf:"token_secret"`
	TokenSecretFile string `koanf:"token_secret_file"`

	// Username "USER@REALM" and Password log in with a ticket that the client
	// renews; prefer an API token.
	Username     string `koanf:"username"`
	Password     Secret `koanf:"password"`
	PasswordFile string `koanf:"password_file"`

	// At most one of CAFile, Fingerprint and InsecureSkipVerify: a CA bundle
	// (PEM) for PVE's certificate, or the SHA-256 fingerprints of the
	// certificates themselves, comma-separated (one per node with its own
	// certificate; any one matching is accepted), which Load normalises to
	// 64 lowercase hex digits each without colons. With none of them the
	// system roots verify the server.
	CAFile             string `koanf:"ca_file"`
	Fingerprint        string `koanf:"fingerprint"`
	InsecureSkipVerify bool   `koanf:"insecure_skip_verify"`

	// Timeout bounds every single API request.
	Timeout time.Duration `koanf:"timeout"`
	// TaskTimeout bounds the wait for a task (a disk resize, a clone).
	TaskTimeout time.Duration `koanf:"task_timeout"`
	// MaxConcurrency bounds the requests in flight to the cluster.
	MaxConcurrency int   `koanf:"max_concurrency"`
	Retry          Retry `koanf:"retry"`
}

// Retry is the retry policy for retryable failures (connection errors,
// timeouts, 5xx). Attempts counts every try, so 1 disables retries.
type Retry struct {
	Attempts   int           `koanf:"attempts"`
	MinBackoff time.Duration `koanf:"min_backoff"`
	MaxBackoff time.Duration `koanf:"max_backoff"`
}

// Monitor is the collection of usage and the lxc_metrics.json export.
type Monitor struct {
	// Interval is the tick: one listing of the cluster and one decision pass.
	Interval time.Duration `koanf:"interval"`
	Jitter   float64       `koanf:"jitter"`  // ticks spread by up to this fraction of Interval
	Window   time.Duration `koanf:"window"`  // the history kept per container in memory
	Workers  int           `koanf:"workers"` // goroutines a pass's walk is sharded over; 0: auto
	// Backfill fills the windows from RRD data at start.
	Backfill            bool `koanf:"backfill"`
	BackfillConcurrency int  `koanf:"backfill_concurrency"`
	// ExportFile is the lxc_metrics.json written in the original layout; ""
	// disables the export.
	ExportFile        string        `koanf:"export_file"`
	ExportInterval    time.Duration `koanf:"export_interval"`
	MaxMetricsEntries int           `koanf:"max_metrics_entries"`
}

// Model is the isolation forest that scores how anomalous each container is.
type Model struct {
	Enabled bool `koanf:"enabled"`
	// RetrainInterval is how often the forest is refitted; the default,
	// 30m, refits it twice per 1h training window. Every 10 minutes (the
	// original's 600 s) left the simulated scenarios' results unchanged,
	// bit for bit, at three times the fitting cost, about half of what
	// simulate spends; a baseline refitted less often also takes longer
	// to absorb a sustained anomaly as normal.
	RetrainInterval time.Duration `koanf:"retrain_interval"`
	Trees           int           `koanf:"trees"`
	SampleSize      int           `koanf:"sample_size"`
	Seed            int64         `koanf:"seed"`
	// TrainingWindow is how much recent history the model trains on; at most
	// monitor.window.
	TrainingWindow time.Duration `koanf:"training_window"`
	// AnomalyThreshold is the score in (0, 1) above which a container counts
	// as anomalous (0.5 is ordinary for an isolation forest).
	AnomalyThreshold float64 `koanf:"anomaly_threshold"`
}

// Mode values for Rules.Mode.
const (
	ModeEnforce   = "enforce"
	ModeDryRun    = "dry-run"
	ModeRecommend = "recommend"
)

// Profile values for Rules.Profile: the percentiles of the usage history
// (lower bound, target, upper bound) and the history a container needs
// before it shrinks freely, in stabilization_downs.
const (
	ProfileBalanced    = "balanced"    // p50, p90, p95 (Kubernetes VPA's); 3
	ProfileCost        = "cost"        // p40, p80, p90; 4/3
	ProfilePerformance = "performance" // p70, p95, p99; 16
)

// Scaling is the decision policy: global rules, guards, and per-container
// policies that override the rules.
type Scaling struct {
	// Rules are the default rules; every policy starts from them.
	Rules `koanf:",squash"`

	// MaxWritesPerPass limits the writes to the cluster in one pass.
	MaxWritesPerPass int  `koanf:"max_writes_per_pass"`
	Node             Node `koanf:"node"`

	// OptInTag, when set, limits the controller to containers with that
	// Proxmox tag. OptOutTag excludes containers with that tag. Ignore lists
	// VMIDs that are never touched.
	OptInTag  string `koanf:"opt_in_tag"`
	OptOutTag string `koanf:"opt_out_tag"`
	Ignore    []int  `koanf:"ignore"`

	// Policies override Rules for the containers they match; the first
	// matching policy wins. After Load every policy holds complete Rules:
	// the global rules with the policy's own keys on top.
	Policies []Policy `koanf:"policies"`
}

// Rules are the thresholds, bounds and timings that decide a container's
// resources. They appear at the top of the scaling section and, as
// overrides, in each policy.
type Rules struct {
	// Mode is ModeEnforce (write), ModeDryRun (decide, log and audit as
	// if writing, write nothing) or ModeRecommend (publish recommendations).
	Mode   string `koanf:"mode"`
	CPU    CPU    `koanf:"cpu"`
	Memory Memory `koanf:"memory"`
	Swap   Swap   `koanf:"swap"`
	Disk   Disk   `koanf:"disk"`

	// CooldownUp and CooldownDown are the minimum time after an action on a
	// resource before the next increase (fast relief aside) or decrease.
	CooldownUp   time.Duration `koanf:"cooldown_up"`
	CooldownDown time.Duration `koanf:"cooldown_down"`
	// StabilizationUp and StabilizationDown are how long utilisation must
	// stay past a threshold before an increase or decrease (or, up, have
	// averaged past it over 10 minutes or StabilizationUp, dips and all).
	StabilizationUp   time.Duration `koanf:"stabilization_up"`
	StabilizationDown time.Duration `koanf:"stabilization_down"`
	// Profile is one of the Profile values above
	// (controller/engine/histogram/recommend.go says how each decides).
	Profile string `koanf:"profile"`
}

// CPU bounds and thresholds. Thresholds are ratios of the allocated cores.
type CPU struct {
	Enabled       bool    `koanf:"enabled"`
	UpThreshold   float64 `koanf:"up_threshold"`
	DownThreshold float64 `koanf:"down_threshold"`
	Step          int     `koanf:"step"`
	Min           int     `koanf:"min"`
	Max           int     `koanf:"max"`
	// Target is the utilisation a change sizes for: a change moves by as
	// many steps as bring the recent peak to about Target of the new
	// allocation, and a decrease happens once one step fewer keeps the
	// peak within it. 0 moves one step at a time.
	Target float64 `koanf:"target"`
}

// Memory bounds and thresholds. Thresholds are ratios of the memory limit;
// Margin is kept above the recent peak usage when shrinking.
type Memory struct {
	Enabled       bool    `koanf:"enabled"`
	UpThreshold   float64 `koanf:"up_threshold"`
	DownThreshold float64 `koanf:"down_threshold"`
	Step          Size    `koanf:"step"`
	Min           Size    `koanf:"min"`
	Max           Size    `koanf:"max"`
	Margin        Size    `koanf:"margin"`
	Target        float64 `koanf:"target"` // as CPU.Target
}

// Swap follows memory when enabled: swap = Ratio x memory, clamped to
// [Min, Max].
type Swap struct {
	Enabled bool    `koanf:"enabled"`
	Ratio   float64 `koanf:"ratio"`
	Min     Size    `koanf:"min"`
	Max     Size    `koanf:"max"`
}

// Disk growth of the root filesystem: when used/size passes Threshold, grow
// by Step, never past Max. Disks never shrink.
type Disk struct {
	Enabled   bool    `koanf:"enabled"`
	Threshold float64 `koanf:"threshold"`
	Step      Size    `koanf:"step"`
	Max       Size    `koanf:"max"`
}

// Node is the capacity guard of a node: increases stop when the containers on
// the node would be allocated more than (capacity - reserve) x overcommit.
type Node struct {
	OvercommitCPU    float64 `koanf:"overcommit_cpu"`
	OvercommitMemory float64 `koanf:"overcommit_memory"`
	ReserveCores     int     `koanf:"reserve_cores"`
	ReserveMemory    Size    `koanf:"reserve_memory"`
}

// Policy overrides the rules for the containers it matches.
type Policy struct {
	Name  string `koanf:"name"`
	Match Match  `koanf:"match"`
	Rules `koanf:",squash"`
}

// Match selects containers by VMID, Proxmox tag or pool; a container matches
// when any of them does.
type Match struct {
	VMIDs []int    `koanf:"vmids"`
	Tags  []string `koanf:"tags"`
	Pools []string `koanf:"pools"`
}

// Matches reports whether a container with this VMID, tags and pool is
// selected by m. Tags compare case-insensitively, as Proxmox VE does.
func (m Match) Matches(vmid int, tags []string, pool string) bool {
	if slices.Contains(m.VMIDs, vmid) {
		return true
	}
	if pool != "" && slices.Contains(m.Pools, pool) {
		return true
	}
	for _, want := range m.Tags {
		for _, have := range tags {
			if strings.EqualFold(want, have) {
				return true
			}
		}
	}
	return false
}

// RulesFor returns the name and rules of the first policy that matches the
// container, or "" and the global rules when none does.
func (s *Scaling) RulesFor(vmid int, tags []string, pool string) (string, Rules) {
	for _, p := range s.Policies {
		if p.Match.Matches(vmid, tags, pool) {
			return p.Name, p.Rules
		}
	}
	return "", s.Rules
}

// Scope values for APIToken.Scope, from least to most privileged.
const (
	ScopeRead    = "read"
	ScopeOperate = "operate"
	ScopeAdmin   = "admin"
)

// API is the REST API, /metrics and the status page.
type API struct {
	// Listen is host:port; "" turns the API off in `run`. Beyond loopback
	// it needs TLSCert and TLSKey, or AllowInsecureRemote.
	Listen  string `koanf:"listen"`
	TLSCert string `koanf:"tls_cert"`
	TLSKey  string `koanf:"tls_key"`
	// AllowInsecureRemote serves plain HTTP on an address beyond loopback,
	// where tokens cross the network in clear: only behind a TLS proxy or
	// on a network trusted as much as the tokens are.
	AllowInsecureRemote bool `koanf:"allow_insecure_remote"`
	// MaxConnections bounds the client connections served at once; more
	// wait until one closes.
	MaxConnections int `koanf:"max_connections"`
	// Tokens are the accepted bearer tokens, stored as SHA-256 hashes.
	Tokens []APIToken `koanf:"tokens"`
	// MetricsPublic serves /metrics without a token.
	MetricsPublic  bool          `koanf:"metrics_public"`
	RateLimit      RateLimit     `koanf:"rate_limit"`
	BodyLimit      Size          `koanf:"body_limit"`
	RequestTimeout time.Duration `koanf:"request_timeout"`
}

// APIToken is one accepted token: its name (for the audit), the hex SHA-256
// of the token (normalised to lowercase) and its scope.
type APIToken struct {
	Name   string `koanf:"name"`
	SHA256 string `koanf:"sha256"`
	Scope  string `koanf:"scope"`
}

// RateLimit is a token bucket applied per token and per client address.
type RateLimit struct {
	PerSecond float64 `koanf:"per_second"`
	Burst     int     `koanf:"burst"`
}

// Logging selects the zerolog level and output format.
type Logging struct {
	Level  string `koanf:"level"`  // debug, info, warn, error
	Format string `koanf:"format"` // json, console, auto
}

// State is where the controller persists what must survive a restart.
type State struct {
	// File holds cooldowns, last actions and the trained model.
	File string `koanf:"file"`
	// AuditFile is the JSON-lines audit record of every action; "" disables
	// it. It is rotated at AuditMaxSize, keeping AuditMaxBackups old files.
	AuditFile       string `koanf:"audit_file"`
	AuditMaxSize    Size   `koanf:"audit_max_size"`
	AuditMaxBackups int    `koanf:"audit_max_backups"`
	// LeaseDuration is how long the leader lease kept in the cluster (see
	// controller/lease) lasts without a renewal: replicas of run take over
	// from a dead leader after it and one read.
	LeaseDuration time.Duration `koanf:"lease_duration"`
}

// Default returns the built-in configuration. It does not validate: it has
// no Proxmox endpoint or credentials, which every deployment must provide.
func Default() Config {
	return Config{
		Proxmox: Proxmox{
			Timeout:        15 * time.Second,
			TaskTimeout:    5 * time.Minute,
			MaxConcurrency: 8,
			Retry: Retry{
				Attempts:   3,
				MinBackoff: 500 * time.Millisecond,
				MaxBackoff: 10 * time.Second,
			},
		},
		Monitor: Monitor{
			Interval:            10 * time.Second,
			Jitter:              0.1,
			Window:              time.Hour,
			Backfill:            true,
			BackfillConcurrency: 4,
			ExportFile:          "/var/log/lxc-autoscale/lxc_metrics.json",
			ExportInterval:      60 * time.Second,
			MaxMetricsEntries:   1000,
		},
		Model: Model{
			Enabled:          true,
			RetrainInterval:  30 * time.Minute,
			Trees:            100,
			SampleSize:       256,
			Seed:             42,
			TrainingWindow:   time.Hour,
			AnomalyThreshold: 0.65,
		},
		Scaling: Scaling{
			Rules: Rules{
				Mode: ModeDryRun,
				CPU: CPU{
					Enabled:       true,
					UpThreshold:   0.90,
					DownThreshold: 0.45,
					Step:          1,
					Min:           1,
					Max:           8,
					Target:        0.80,
				},
				Memory: Memory{
					Enabled:       true,
					UpThreshold:   0.85,
					DownThreshold: 0.45,
					Step:          512 * MiB,
					Min:           512 * MiB,
					Max:           8 * GiB,
					Margin:        256 * MiB,
					Target:        0.70,
				},
				Swap: Swap{
					Enabled: false,
					Ratio:   0.5,
					Min:     0,
					Max:     4 * GiB,
				},
				Disk: Disk{
					Enabled:   true,
					Threshold: 0.85,
					Step:      2 * GiB,
					Max:       64 * GiB,
				},
				CooldownUp:        2 * time.Minute,
				CooldownDown:      45 * time.Minute,
				StabilizationUp:   30 * time.Second,
				StabilizationDown: 45 * time.Minute,
				Profile:           ProfileBalanced,
			},
			MaxWritesPerPass: 10,
			Node: Node{
				OvercommitCPU:    4,
				OvercommitMemory: 1,
				ReserveCores:     1,
				ReserveMemory:    2 * GiB,
			},
			OptOutTag: "autoscale-off",
		},
		API: API{
			Listen:        "127.0.0.1:5000",
			MetricsPublic: true,
			RateLimit: RateLimit{
				PerSecond: 10,
				Burst:     20,
			},
			BodyLimit:      1 * MiB,
			RequestTimeout: 60 * time.Second,
			MaxConnections: 256,
		},
		Logging: Logging{
			Level:  "info",
			Format: "auto",
		},
		State: State{
			File:            "/var/lib/lxc-autoscale/state.json",
			AuditFile:       "/var/lib/lxc-autoscale/audit.jsonl",
			AuditMaxSize:    10 * MiB,
			AuditMaxBackups: 5,
			LeaseDuration:   15 * time.Second,
		},
	}
}
