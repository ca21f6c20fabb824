package config

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Ranges that come from Proxmox VE itself (pve-apidoc: lxc config cores,
// memory; vmid).
const (
	minVMID      = 100
	maxVMID      = 999_999_999
	maxCores     = 8192
	minMemory    = 16 * MiB
	maxMemory    = 64 * TiB
	maxDisk      = 1024 * TiB
	maxAnyPeriod = 24 * time.Hour
)

var (
	tokenIDPattern  = regexp.MustCompile(`^[^\s@!:]+@[A-Za-z][A-Za-z0-9._-]*![A-Za-z][A-Za-z0-9._-]*$`)
	usernamePattern = regexp.MustCompile(`^[^\s@!:]+@[A-Za-z][A-Za-z0-9._-]*$`)
	// tagPattern is PVE's pve-tag format.
	tagPattern  = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_+.-]*$`)
	poolPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$`)
	namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
	hexPattern  = regexp.MustCompile(`^[0-9A-Fa-f]{64}$`)
)

// Validate checks every key and returns errors.Join of one *FieldError per
// problem, each naming the key and the allowed range or form. Values that are
// free-form strings are never quoted back, because a misplaced secret would
// otherwise end up in a log.
func (c *Config) Validate() error {
	return errors.Join(c.validate()...)
}

func (c *Config) validate() []error {
	var v validator
	v.proxmox(&c.Proxmox)
	v.monitor(&c.Monitor)
	v.model(&c.Model, &c.Monitor)
	v.scaling(&c.Scaling, c.Monitor.Window)
	v.api(&c.API)
	v.oneOf("logging.level", c.Logging.Level, "debug", "info", "warn", "error")
	v.oneOf("logging.format", c.Logging.Format, "json", "console", "auto")
	v.state(&c.State, &c.Monitor)
	v.notify(&c.Notify)
	return v.problems
}

type validator struct {
	problems []error
}

func (v *validator) add(key, format string, args ...any) {
	v.problems = append(v.problems, &FieldError{Key: key, Problem: fmt.Sprintf(format, args...)})
}

func (v *validator) intIn(key string, n, lo, hi int) {
	if n < lo || n > hi {
		v.add(key, "%d is out of range [%d, %d]", n, lo, hi)
	}
}

// ratio checks lo < f <= hi or, with closedLow, lo <= f <= hi; written so
// that NaN fails.
func (v *validator) ratio(key string, f, lo, hi float64, closedLow bool) {
	low := "("
	ok := f > lo
	if closedLow {
		low, ok = "[", f >= lo
	}
	if !ok || !(f <= hi) {
		v.add(key, "%s is out of range %s%s, %s]", formatFloat(f), low, formatFloat(lo), formatFloat(hi))
	}
}

// openRatio checks lo < f < hi.
func (v *validator) openRatio(key string, f, lo, hi float64) {
	if !(f > lo && f < hi) {
		v.add(key, "%s is out of range (%s, %s)", formatFloat(f), formatFloat(lo), formatFloat(hi))
	}
}

func (v *validator) durationIn(key string, d, lo, hi time.Duration) {
	if d < lo || d > hi {
		v.add(key, "%s is out of range [%s, %s]", formatDuration(d), formatDuration(lo), formatDuration(hi))
	}
}

func (v *validator) sizeIn(key string, s, lo, hi Size) {
	if s < lo || s > hi {
		v.add(key, "%s is out of range [%s, %s]", s, lo, hi)
	}
}

// wholeMiB is for values that Proxmox VE takes in MiB.
func (v *validator) wholeMiB(key string, s Size) {
	if s%MiB != 0 {
		v.add(key, "%s is not a whole number of MiB", s)
	}
}

func (v *validator) oneOf(key, s string, allowed ...string) {
	for _, a := range allowed {
		if s == a {
			return
		}
	}
	v.add(key, "must be one of %s", strings.Join(allowed, ", "))
}

func (v *validator) notAbove(lowKey string, low any, highKey string, high any, exceeds bool) {
	if exceeds {
		v.add(lowKey, "%v exceeds %s (%v)", low, highKey, high)
	}
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// uniqueName checks the name of list[i]: namePattern, and no earlier
// element of the list with the same name (seen maps the names to their
// first index).
func (v *validator) uniqueName(seen map[string]int, list string, i int, name string) {
	key := fmt.Sprintf("%s[%d].name", list, i)
	if !namePattern.MatchString(name) {
		v.add(key, "must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit")
	} else if first, ok := seen[name]; ok {
		v.add(key, "duplicates %s[%d].name", list, first)
	} else {
		seen[name] = i
	}
}

func (v *validator) monitor(m *Monitor) {
	v.durationIn("monitor.interval", m.Interval, time.Second, time.Hour)
	v.ratio("monitor.jitter", m.Jitter, 0, 0.5, true)
	v.durationIn("monitor.window", m.Window, time.Minute, maxAnyPeriod)
	if m.Window < m.Interval {
		v.add("monitor.window", "%s is shorter than monitor.interval (%s)", formatDuration(m.Window), formatDuration(m.Interval))
	}
	v.intIn("monitor.backfill_concurrency", m.BackfillConcurrency, 1, 64)
	v.intIn("monitor.workers", m.Workers, 0, 256)
	v.durationIn("monitor.export_interval", m.ExportInterval, time.Second, maxAnyPeriod)
	v.intIn("monitor.max_metrics_entries", m.MaxMetricsEntries, 1, 100_000)
}

func (v *validator) model(m *Model, mon *Monitor) {
	v.durationIn("model.retrain_interval", m.RetrainInterval, time.Minute, maxAnyPeriod)
	v.intIn("model.trees", m.Trees, 1, 1000)
	v.intIn("model.sample_size", m.SampleSize, 2, 65536)
	v.durationIn("model.training_window", m.TrainingWindow, time.Minute, maxAnyPeriod)
	if m.TrainingWindow > mon.Window {
		v.add("model.training_window", "%s exceeds monitor.window (%s), the history kept", formatDuration(m.TrainingWindow), formatDuration(mon.Window))
	}
	v.openRatio("model.anomaly_threshold", m.AnomalyThreshold, 0, 1)
}

func (v *validator) scaling(s *Scaling, window time.Duration) {
	v.rules("scaling", &s.Rules, window)
	v.intIn("scaling.max_writes_per_pass", s.MaxWritesPerPass, 1, 10_000)
	v.ratio("scaling.node.overcommit_cpu", s.Node.OvercommitCPU, 0, 64, false)
	v.ratio("scaling.node.overcommit_memory", s.Node.OvercommitMemory, 0, 4, false)
	v.intIn("scaling.node.reserve_cores", s.Node.ReserveCores, 0, maxCores)
	v.sizeIn("scaling.node.reserve_memory", s.Node.ReserveMemory, 0, maxMemory)
	v.tag("scaling.opt_in_tag", s.OptInTag)
	v.tag("scaling.opt_out_tag", s.OptOutTag)
	if s.OptInTag != "" && strings.EqualFold(s.OptInTag, s.OptOutTag) {
		v.add("scaling.opt_out_tag", "must differ from scaling.opt_in_tag")
	}
	for i, vmid := range s.Ignore {
		v.intIn(fmt.Sprintf("scaling.ignore[%d]", i), vmid, minVMID, maxVMID)
	}

	names := make(map[string]int)
	for i := range s.Policies {
		p := &s.Policies[i]
		key := fmt.Sprintf("scaling.policies[%d]", i)
		v.uniqueName(names, "scaling.policies", i, p.Name)
		if len(p.Match.VMIDs)+len(p.Match.Tags)+len(p.Match.Pools) == 0 {
			v.add(key+".match", "needs at least one of vmids, tags and pools")
		}
		for j, vmid := range p.Match.VMIDs {
			v.intIn(fmt.Sprintf("%s.match.vmids[%d]", key, j), vmid, minVMID, maxVMID)
		}
		for j, tag := range p.Match.Tags {
			v.tag(fmt.Sprintf("%s.match.tags[%d]", key, j), tag)
			if tag == "" {
				v.add(fmt.Sprintf("%s.match.tags[%d]", key, j), "must not be empty")
			}
		}
		for j, pool := range p.Match.Pools {
			if !poolPattern.MatchString(pool) {
				v.add(fmt.Sprintf("%s.match.pools[%d]", key, j), "must be a Proxmox pool name: letters, digits, '.', '_', '-', '/'")
			}
		}
		v.rules(key, &p.Rules, window)
	}
}

func (v *validator) tag(key, tag string) {
	if tag != "" && !tagPattern.MatchString(tag) {
		v.add(key, "must be a Proxmox tag: letters, digits, '_', '+', '.', '-', not starting with '+', '.' or '-'")
	}
}

func (v *validator) thresholds(key string, up, down float64) {
	v.ratio(key+".up_threshold", up, 0, 1, false)
	v.ratio(key+".down_threshold", down, 0, 1, true)
	if down >= up && down >= 0 && up <= 1 {
		v.add(key+".down_threshold", "%s must be below %s.up_threshold (%s)", formatFloat(down), key, formatFloat(up))
	}
}

// target must lie strictly between the thresholds: a change sized for a
// utilisation past one of them would be undone by the other.
func (v *validator) target(key string, target, up, down float64) {
	if target == 0 {
		return
	}
	if !(target > down && target < up) {
		v.add(key+".target", "%s is out of range: 0 (one step at a time) or between %s.down_threshold (%s) and %s.up_threshold (%s), both excluded; set target too when you change the thresholds",
			formatFloat(target), key, formatFloat(down), key, formatFloat(up))
	}
}

func (v *validator) rules(key string, r *Rules, window time.Duration) {
	v.oneOf(key+".mode", r.Mode, ModeEnforce, ModeDryRun, ModeRecommend)
	v.oneOf(key+".profile", r.Profile, ProfileBalanced, ProfileCost, ProfilePerformance)

	v.thresholds(key+".cpu", r.CPU.UpThreshold, r.CPU.DownThreshold)
	v.target(key+".cpu", r.CPU.Target, r.CPU.UpThreshold, r.CPU.DownThreshold)
	v.intIn(key+".cpu.step", r.CPU.Step, 1, 64)
	v.intIn(key+".cpu.min", r.CPU.Min, 1, maxCores)
	v.intIn(key+".cpu.max", r.CPU.Max, 1, maxCores)
	v.notAbove(key+".cpu.min", r.CPU.Min, key+".cpu.max", r.CPU.Max, r.CPU.Min > r.CPU.Max)

	m := &r.Memory
	v.thresholds(key+".memory", m.UpThreshold, m.DownThreshold)
	v.target(key+".memory", m.Target, m.UpThreshold, m.DownThreshold)
	v.sizeIn(key+".memory.step", m.Step, MiB, TiB)
	v.sizeIn(key+".memory.min", m.Min, minMemory, maxMemory)
	v.sizeIn(key+".memory.max", m.Max, minMemory, maxMemory)
	v.sizeIn(key+".memory.margin", m.Margin, 0, TiB)
	v.wholeMiB(key+".memory.step", m.Step)
	v.wholeMiB(key+".memory.min", m.Min)
	v.wholeMiB(key+".memory.max", m.Max)
	v.wholeMiB(key+".memory.margin", m.Margin)
	v.notAbove(key+".memory.min", m.Min, key+".memory.max", m.Max, m.Min > m.Max)

	sw := &r.Swap
	v.ratio(key+".swap.ratio", sw.Ratio, 0, 4, true)
	v.sizeIn(key+".swap.min", sw.Min, 0, maxMemory)
	v.sizeIn(key+".swap.max", sw.Max, 0, maxMemory)
	v.wholeMiB(key+".swap.min", sw.Min)
	v.wholeMiB(key+".swap.max", sw.Max)
	v.notAbove(key+".swap.min", sw.Min, key+".swap.max", sw.Max, sw.Min > sw.Max)

	d := &r.Disk
	v.openRatio(key+".disk.threshold", d.Threshold, 0, 1)
	v.sizeIn(key+".disk.step", d.Step, MiB, 64*TiB)
	v.sizeIn(key+".disk.max", d.Max, GiB, maxDisk)
	v.wholeMiB(key+".disk.step", d.Step)

	v.durationIn(key+".cooldown_up", r.CooldownUp, 0, maxAnyPeriod)
	v.durationIn(key+".cooldown_down", r.CooldownDown, 0, maxAnyPeriod)
	// A change waits until every sample of the stabilisation period is past
	// the threshold and the history reaches back that far: a period longer
	// than the history kept can never be covered, and would silently turn
	// every change of that direction off.
	for _, st := range []struct {
		name string
		d    time.Duration
	}{{"stabilization_up", r.StabilizationUp}, {"stabilization_down", r.StabilizationDown}} {
		if st.d < 0 || (window > 0 && st.d > window) {
			v.add(key+"."+st.name, "%s is out of range [0s, %s]: it must not exceed monitor.window (%s), the history kept, or no change in that direction could ever be made",
				formatDuration(st.d), formatDuration(window), formatDuration(window))
		}
	}
}

func (v *validator) api(a *API) {
	if a.Listen != "" {
		host, port, err := net.SplitHostPort(a.Listen)
		n, portErr := strconv.Atoi(port)
		if err != nil || portErr != nil || n < 0 || n > 65535 || strings.ContainsAny(host, " /") {
			v.add("api.listen", `must be host:port, like 127.0.0.1:5000, or "" to turn the API off`)
		}
	}
	if (a.TLSCert == "") != (a.TLSKey == "") {
		v.add("api", "set both tls_cert and tls_key, or neither")
	}
	// The rule of proxmox.endpoints: tokens cross the network only in TLS.
	if host, _, err := net.SplitHostPort(a.Listen); err == nil && a.TLSCert == "" && !a.AllowInsecureRemote && !isLoopback(host) {
		v.add("api.listen", "beyond loopback the API needs TLS, because the tokens would cross the network in clear: set api.tls_cert and api.tls_key, listen on 127.0.0.1, or set api.allow_insecure_remote: true (behind a TLS proxy)")
	}
	v.intIn("api.max_connections", a.MaxConnections, 1, 100_000)
	names := make(map[string]int)
	hashes := make(map[string]int)
	for i, t := range a.Tokens {
		key := fmt.Sprintf("api.tokens[%d]", i)
		v.uniqueName(names, "api.tokens", i, t.Name)
		hash := strings.ToLower(t.SHA256)
		if !hexPattern.MatchString(hash) {
			v.add(key+".sha256", "must be 64 hex characters (the SHA-256 of the token; `lxc-autoscale token` prints one)")
		} else if first, ok := hashes[hash]; ok {
			v.add(key+".sha256", "duplicates api.tokens[%d].sha256", first)
		} else {
			hashes[hash] = i
		}
		v.oneOf(key+".scope", t.Scope, ScopeRead, ScopeOperate, ScopeAdmin)
	}
	v.ratio("api.rate_limit.per_second", a.RateLimit.PerSecond, 0, 10_000, false)
	v.intIn("api.rate_limit.burst", a.RateLimit.Burst, 1, 100_000)
	v.sizeIn("api.body_limit", a.BodyLimit, KiB, GiB)
	v.durationIn("api.request_timeout", a.RequestTimeout, time.Second, time.Hour)
}

func (v *validator) state(s *State, m *Monitor) {
	if s.File == "" {
		v.add("state.file", "is required: cooldowns and the model must survive a restart")
	}
	paths := []struct{ key, path string }{
		{"state.file", s.File}, {"state.audit_file", s.AuditFile}, {"monitor.export_file", m.ExportFile},
	}
	for i, a := range paths {
		for _, b := range paths[i+1:] {
			if a.path != "" && a.path == b.path {
				v.add(b.key, "must differ from %s", a.key)
			}
		}
	}
	if s.AuditFile != "" {
		v.sizeIn("state.audit_max_size", s.AuditMaxSize, MiB, TiB)
		v.intIn("state.audit_max_backups", s.AuditMaxBackups, 0, 1000)
	}
	// Below 3 s a renewal every second leaves no room for a slow API call;
	// above 5 minutes no one acts for that long after a crash.
	v.durationIn("state.lease_duration", s.LeaseDuration, 3*time.Second, 5*time.Minute)
}
