package importer

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/config"
)

// load reads an imported configuration as check-config does, with the
// credentials the operator adds.
func load(t *testing.T, yaml []byte) *config.Config {
	t.Helper()
	file := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(file, yaml, 0o600); err != nil {
		t.Fatal(err)
	}
	environ := []string{"LXCA_PROXMOX_TOKEN_ID=autoscale@pve!controller", "LXCA_PROXMOX_TOKEN_SECRET=s3cret"}
	if strings.Contains(string(yaml), "endpoints: []") {
		environ = append(environ, "LXCA_PROXMOX_ENDPOINTS=https://pve1:8006")
	}
	cfg, err := config.Load(config.LoadOptions{File: file, Environ: environ})
	if err != nil {
		t.Fatalf("the imported configuration does not load: %v\n%s", err, yaml)
	}
	return cfg
}

// The four files the originals ship with, as they are: every value the
// issue names lands where it belongs, in lxc-autoscale's units.
func TestImportTheOriginalsFiles(t *testing.T) {
	res, err := Import(os.DirFS("testdata/original"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 4 || res.Mapped == 0 || res.Skipped == 0 {
		t.Errorf("files %v, %d mapped, %d skipped", res.Files, res.Mapped, res.Skipped)
	}
	cfg := load(t, res.YAML)
	s := cfg.Scaling
	checks := []struct {
		what      string
		got, want any
	}{
		{"cpu.up_threshold (75%)", s.CPU.UpThreshold, 0.75},
		{"cpu.down_threshold (30%)", s.CPU.DownThreshold, 0.3},
		{"memory.up_threshold", s.Memory.UpThreshold, 0.75},
		{"cpu.min", s.CPU.Min, 2},
		{"cpu.max", s.CPU.Max, 4},
		{"memory.min (1024 MB)", s.Memory.Min, config.GiB},
		{"memory.max (8192 MB)", s.Memory.Max, 8 * config.GiB},
		{"cpu.step (the sibling's core_min_increment)", s.CPU.Step, 1},
		{"memory.step (the sibling's memory_min_increment)", s.Memory.Step, 256 * config.MiB},
		{"ignore (both tools)", s.Ignore, []int{101, 102, 104}},
		{"node.reserve_memory", s.Node.ReserveMemory, 2 * config.GiB},
		{"mode", s.Mode, config.ModeDryRun},
		{"monitor.interval", cfg.Monitor.Interval, time.Minute},
		{"monitor.export_file", cfg.Monitor.ExportFile, "/var/log/lxc_metrics.json"},
		{"monitor.max_metrics_entries", cfg.Monitor.MaxMetricsEntries, 1000},
		{"model.trees", cfg.Model.Trees, 100},
		{"model.sample_size", cfg.Model.SampleSize, 64},
		{"model.retrain_interval (interval_seconds)", cfg.Model.RetrainInterval, 10 * time.Minute},
		{"endpoints (lxc.node)", cfg.Proxmox.Endpoints, []string{"https://proxmox:8006"}},
		{"api.rate_limit.per_second (60 a minute)", cfg.API.RateLimit.PerSecond, 1.0},
		{"logging.level", cfg.Logging.Level, "debug"},
		{"policies", len(s.Policies), 2},
	}
	for _, c := range checks {
		if !equal(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
	web := s.Policies[0]
	if web.Name != "webservers" || !slices.Equal(web.Match.VMIDs, []int{102}) || web.CPU.UpThreshold != 0.7 ||
		web.Memory.Min != 4*config.GiB || web.Memory.Step != config.GiB || web.CPU.Max != 4 {
		t.Errorf("TIER_webservers became %+v", web)
	}
	out := string(res.YAML)
	for _, want := range []string{
		"# from lxc_autoscale_ml.yaml scaling.cpu_scale_up_threshold: 75",
		"lxc_autoscale_ml.yaml spike_detection.spike_threshold: 2",
		"lxc_autoscale_api.yaml gunicorn.workers: 2",
		"DEFAULT.cpu_upper_threshold: 80\n#       conflicts with lxc_autoscale_ml.yaml scaling.cpu_scale_up_threshold: 75",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func equal(a, b any) bool {
	switch x := a.(type) {
	case []int:
		return slices.Equal(x, b.([]int))
	case []string:
		return slices.Equal(x, b.([]string))
	}
	return a == b
}

// The sibling alone, with tiers from its snippets: a tier's max_memory is
// its policy's memory.max, and a tier whose minimum exceeds the inherited
// maximum (the sibling had no memory maximum) gets a maximum that lets it
// validate.
func TestImportSiblingTiers(t *testing.T) {
	fsys := fstest.MapFS{"lxc_autoscale.yaml": {Data: []byte(`
DEFAULT:
  cpu_upper_threshold: 80
  cpu_lower_threshold: 20
  memory_upper_threshold: 70
  memory_lower_threshold: 20
  min_cores: 1
  max_cores: 4
  min_memory: 256
  core_min_increment: 1
  memory_min_increment: 256
  reserve_memory_mb: 0
  ignore_lxc: [104, "105"]
TIER_NEXTCLOUD:
  cpu_upper_threshold: 85
  cpu_lower_threshold: 20
  memory_upper_threshold: 85
  memory_lower_threshold: 20
  min_cores: 2
  max_cores: 8
  min_memory: 2048
  max_memory: 16384
  lxc_containers:
    - "201"
    - "202"
TIER_Big Box:
  min_memory: 16384
  min_cores: 12
  lxc_containers: [203]
TIER_empty:
  max_cores: 2
`)}}
	res, err := Import(fsys)
	if err != nil {
		t.Fatal(err)
	}
	cfg := load(t, res.YAML)
	s := cfg.Scaling
	if s.CPU.UpThreshold != 0.8 || s.Memory.UpThreshold != 0.7 || s.Memory.Min != 256*config.MiB || s.Node.ReserveMemory != 0 ||
		!slices.Equal(s.Ignore, []int{104, 105}) {
		t.Errorf("DEFAULT became %+v, reserve %v, ignore %v", s.Rules, s.Node.ReserveMemory, s.Ignore)
	}
	if !(s.Memory.Target > 0.2 && s.Memory.Target < 0.7) {
		t.Errorf("memory.target %v is not between the imported thresholds", s.Memory.Target)
	}
	if len(s.Policies) != 2 {
		t.Fatalf("policies %+v, want nextcloud and big-box (the empty tier matches nothing)", s.Policies)
	}
	nc, big := s.Policies[0], s.Policies[1]
	if nc.Name != "nextcloud" || !slices.Equal(nc.Match.VMIDs, []int{201, 202}) || nc.Memory.Max != 16*config.GiB ||
		nc.Memory.Min != 2*config.GiB || nc.CPU.Max != 8 || nc.CPU.UpThreshold != 0.85 {
		t.Errorf("TIER_NEXTCLOUD became %+v", nc)
	}
	if big.Name != "big-box" || big.Memory.Min != 16*config.GiB || big.Memory.Max != 16*config.GiB || big.CPU.Min != 12 || big.CPU.Max != 12 {
		t.Errorf("TIER_Big Box became %+v", big)
	}
	if !strings.Contains(string(res.YAML), "TIER_empty (value not copied)") && !strings.Contains(string(res.YAML), "TIER_empty: null") {
		t.Errorf("the empty tier is not listed as not imported:\n%s", res.YAML)
	}
}

// Credentials of the originals are named, never written: not in the
// YAML, not in the summary. What is not secret about them (the host, the
// token's ID) is imported.
func TestImportNeverCopiesSecrets(t *testing.T) {
	secrets := []string{"k-SECRET-1", "tok-SECRET-2", "SECRET-3", "SECRET-4", "SECRET-5"}
	fsys := fstest.MapFS{
		"lxc_autoscale_api.yaml": {Data: []byte("authentication:\n  enabled: true\n  api_keys: [\"k-SECRET-1\"]\nserver:\n  host: 0.0.0.0\n  port: 5001\n")},
		"lxc_autoscale_ml.yaml":  {Data: []byte("api:\n  api_key: SECRET-5\n")},
		"lxc_autoscale.yaml": {Data: []byte(`
proxmox_api:
  host: 10.0.0.5
  user: autoscale@pve
  token_name: ctl
  token_value: tok-SECRET-2
  verify_ssl: false
gotify_token: SECRET-3
uptime_kuma_webhook_url: https://kuma.lan/api/push/SECRET-4
`)},
	}
	res, err := Import(fsys)
	if err != nil {
		t.Fatal(err)
	}
	all := string(res.YAML) + strings.Join(res.Summary, "\n")
	for _, s := range secrets {
		if strings.Contains(all, s) {
			t.Errorf("secret %q copied:\n%s", s, all)
		}
	}
	for _, want := range []string{"proxmox_api.token_value (value not copied)", "authentication.api_keys (value not copied)", "gotify_token (value not copied)"} {
		if !strings.Contains(all, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if !strings.Contains(all, "lxc-autoscale token") {
		t.Error("the summary does not say how to make tokens")
	}
	cfg := load(t, res.YAML)
	if !slices.Equal(cfg.Proxmox.Endpoints, []string{"https://10.0.0.5:8006"}) || cfg.Proxmox.TokenID != "autoscale@pve!controller" {
		// The environment's token ID overrides the file's in load; the
		// file's is checked below.
		t.Errorf("endpoints %v", cfg.Proxmox.Endpoints)
	}
	if !strings.Contains(string(res.YAML), `token_id: autoscale@pve!ctl`) {
		t.Errorf("token_id not imported from proxmox_api.user and token_name:\n%s", res.YAML)
	}
	// 0.0.0.0 in plain HTTP is refused by lxc-autoscale: loopback, said why.
	if cfg.API.Listen != "127.0.0.1:5001" || !strings.Contains(string(res.YAML), "server.host: \"0.0.0.0\"") {
		t.Errorf("api.listen %q", cfg.API.Listen)
	}
}

// Originals lxc-autoscale would refuse as they are (thresholds that
// cross, two tiers whose names differ only in case) still import into a
// configuration that loads, saying what was changed.
func TestImportMendsWhatLxcAutoscaleRefuses(t *testing.T) {
	res, err := Import(fstest.MapFS{"lxc_autoscale.yaml": {Data: []byte(`
DEFAULT:
  cpu_upper_threshold: 50
  cpu_lower_threshold: 60
TIER_web:
  lxc_containers: [101]
TIER_WEB:
  lxc_containers: [102]
proxmox_api:
  user: root
  token_name: ctl
`)}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := load(t, res.YAML)
	if c := cfg.Scaling.CPU; c.DownThreshold != 0.25 || c.UpThreshold != 0.5 {
		t.Errorf("cpu thresholds %v/%v, want the down threshold lowered to 0.25", c.UpThreshold, c.DownThreshold)
	}
	if !strings.Contains(string(res.YAML), "set by import-config: the down threshold 0.6 was not below the up threshold 0.5") {
		t.Errorf("the change is not explained:\n%s", res.YAML)
	}
	if !strings.Contains(string(res.YAML), "proxmox_api.user, proxmox_api.token_name: \"root!ctl\"\n#       not a token ID") {
		t.Errorf("a token ID without a realm is not refused with why:\n%s", res.YAML)
	}
	if p := cfg.Scaling.Policies; len(p) != 2 || p[0].Name != "web" || p[1].Name != "web-2" {
		t.Errorf("policies %+v, want web and web-2", p)
	}
}

func TestImportRefusesWhatIsNotAnOriginal(t *testing.T) {
	if _, err := Import(fstest.MapFS{"other.yaml": {Data: []byte("a: 1")}}); !errors.Is(err, ErrNoFiles) {
		t.Errorf("no known file: %v", err)
	}
	_, err := Import(fstest.MapFS{"lxc_monitor.yaml": {Data: []byte("logging: [unclosed")}})
	if err == nil || !strings.Contains(err.Error(), "lxc_monitor.yaml") {
		t.Errorf("broken YAML: %v", err)
	}
	_, err = Import(fstest.MapFS{"lxc_monitor.yaml": {Data: []byte("- a list")}})
	if err == nil || !strings.Contains(err.Error(), "lxc_monitor.yaml") {
		t.Errorf("a list: %v", err)
	}
	// Values out of range are listed with why, and the rest imports.
	res, err := Import(fstest.MapFS{"lxc_autoscale_ml.yaml": {Data: []byte("scaling:\n  cpu_scale_up_threshold: 175\n  max_cpu_cores: 6\n")}})
	if err != nil {
		t.Fatal(err)
	}
	if cfg := load(t, res.YAML); cfg.Scaling.CPU.Max != 6 || cfg.Scaling.CPU.UpThreshold != config.Default().Scaling.CPU.UpThreshold {
		t.Errorf("cpu %+v", cfg.Scaling.CPU)
	}
	if !strings.Contains(string(res.YAML), "cpu_scale_up_threshold: 175\n#       not a percentage in (0, 100]") {
		t.Errorf("the refused value is not explained:\n%s", res.YAML)
	}
}
