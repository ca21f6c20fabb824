package importer

import (
	"math"
	"regexp"
	"strings"
	"time"
)

// readers are the files Import knows, in the order it reads them: when two
// set the same key differently, the first is kept. knows reports whether
// a key, or a whole section of that name, is the file's (Recognize).
var readers = []struct {
	name  string
	read  func(st *state, file string, keys []leaf)
	knows func(key string) bool
}{
	{"lxc_autoscale_ml.yaml", table(mlKeys), inTable(mlKeys)},
	{"lxc_monitor.yaml", table(monitorKeys), inTable(monitorKeys)},
	{"lxc_autoscale_api.yaml", apiFile, apiKnows},
	{"lxc_autoscale.yaml", sibling, siblingKnows},
}

const (
	noLogFile  = "lxc-autoscale logs to stderr (journald under systemd), one JSON object a line; rotation is journald's"
	noPct      = "lxc-autoscale runs no pct or command in containers: usage comes from the Proxmox VE API listing"
	noLock     = "no lock file: run one instance per cluster (the systemd unit)"
	noScaleAPI = "the controller writes through the Proxmox VE API itself; there is no scaling API between components"
)

// mlKeys are LXC AutoScale ML's lxc_autoscale_ml.yaml (the model and the
// decisions). A prefix ending in "." covers every key below it.
var mlKeys = map[string]handler{
	"log_file":                         because(noLogFile),
	"log_level":                        to("logging.level", level),
	"lock_file":                        because(noLock),
	"data_file":                        to("monitor.export_file", path),
	"model.contamination":              because("the forest's cut-off is model.anomaly_threshold, a score, not a fraction of outliers; the score only holds back decreases, thresholds decide"),
	"model.n_estimators":               to("model.trees", count(1, 1000)),
	"model.max_samples":                to("model.sample_size", count(2, 65536)),
	"model.random_state":               to("model.seed", count(math.MinInt32, math.MaxInt32)),
	"spike_detection.":                 because("no spike detection: scaling.stabilization_up and the anomaly score play its part"),
	"scaling.total_cores":              because("node capacity is read from Proxmox VE (the scaling.node guard), not configured"),
	"scaling.total_ram_mb":             because("node capacity is read from Proxmox VE (the scaling.node guard), not configured"),
	"scaling.target_cpu_load_percent":  because("unused by the original; scaling.cpu.target sizes changes instead"),
	"scaling.max_cpu_cores":            to("scaling.cpu.max", count(1, 8192)),
	"scaling.min_cpu_cores":            to("scaling.cpu.min", count(1, 8192)),
	"scaling.max_ram_mb":               to("scaling.memory.max", mib),
	"scaling.min_ram_mb":               to("scaling.memory.min", mib),
	"scaling.cpu_scale_up_threshold":   to("scaling.cpu.up_threshold", percent),
	"scaling.cpu_scale_down_threshold": to("scaling.cpu.down_threshold", percent),
	"scaling.ram_scale_up_threshold":   to("scaling.memory.up_threshold", percent),
	"scaling.ram_scale_down_threshold": to("scaling.memory.down_threshold", percent),
	"scaling.ram_chunk_size":           because("unused by the original; the step is scaling.memory.step"),
	"scaling.ram_upper_limit":          because("unused by the original; the step is scaling.memory.step"),
	"scaling.cpu_scale_step":           to("scaling.cpu.step", count(1, 64)),
	"scaling.ram_scale_step_mb":        to("scaling.memory.step", mib),
	"scaling.min_confidence":           because("decisions carry no confidence: thresholds held for scaling.stabilization_* decide"),
	"scaling.dry_run":                  dryRun,
	"api.":                             because(noScaleAPI),
	"retry_logic.max_retries":          to("proxmox.retry.attempts", count(1, 10)),
	"retry_logic.retry_delay":          to("proxmox.retry.min_backoff", seconds(10*time.Millisecond, time.Minute)),
	"interval_seconds":                 to("model.retrain_interval", seconds(time.Minute, 30*24*time.Hour)),
	"circuit_breaker.":                 because("a failing write backs off per container and a failing node rests; no global breaker"),
	"max_metrics_age_seconds":          because("the history is the controller's own, never stale"),
	"feature_engineering.":             because("the forest's features are fixed (usage, its rolling statistics, IO and network)"),
	"prediction.":                      because("the forest scores every container's latest point each pass"),
	"ignore_lxc":                       to("scaling.ignore", vmids),
}

// monitorKeys are lxc_monitor.yaml (the collector and the export).
var monitorKeys = map[string]handler{
	"logging.log_level":              to("logging.level", level),
	"logging.":                       because(noLogFile),
	"monitoring.export_file":         to("monitor.export_file", path),
	"monitoring.check_interval":      both(to("monitor.interval", seconds(time.Second, time.Hour)), to("monitor.export_interval", seconds(time.Second, 30*24*time.Hour))),
	"monitoring.max_metrics_entries": to("monitor.max_metrics_entries", count(1, 100_000)),
	"monitoring.enable_swap":         because("swap, network and disk usage are always read, from the same API listing"),
	"monitoring.enable_network":      because("swap, network and disk usage are always read, from the same API listing"),
	"monitoring.enable_filesystem":   because("swap, network and disk usage are always read, from the same API listing"),
	"monitoring.parallel_processing": because("one API call per node lists every container; proxmox.max_concurrency bounds requests"),
	"monitoring.max_workers":         because("one API call per node lists every container; proxmox.max_concurrency bounds requests"),
	"monitoring.":                    because(noPct),
}

// apiKeys are lxc_autoscale_api.yaml (the original's HTTP API), except
// server.host and server.port, which apiFile joins.
var apiKeys = map[string]handler{
	"lxc.node":                              to("proxmox.endpoints", endpoint),
	"lxc.verify_ssl":                        because("TLS is always verified: pin the node's certificate with proxmox.fingerprint"),
	"lxc.default_storage":                   because("clones keep their source's storage unless the clone request names one"),
	"lxc.timeout_seconds":                   to("proxmox.timeout", seconds(time.Second, 5*time.Minute)),
	"lxc.max_retries":                       to("proxmox.retry.attempts", count(1, 10)),
	"rate_limiting.max_requests_per_minute": rateLimit,
	"rate_limiting.":                        because("api.rate_limit is per second with a burst, per token and per address"),
	"authentication.":                       because("API keys are never copied: make a token with `lxc-autoscale token` and put its sha256 in api.tokens"),
	"logging.level":                         to("logging.level", level),
	"logging.":                              because(noLogFile),
	"error_handling.":                       because("errors are logged, counted in /metrics and audited; notifications are configured anew"),
	"gunicorn.":                             because("one Go process serves the API; api.max_connections and api.request_timeout bound it"),
}

func apiFile(st *state, file string, keys []leaf) {
	var host, port *leaf
	rest := keys[:0:0]
	for i := range keys {
		switch keys[i].key {
		case "server.host":
			host = &keys[i]
		case "server.port":
			port = &keys[i]
		default:
			rest = append(rest, keys[i])
		}
	}
	if host != nil || port != nil {
		listen(st, file, host, port)
	}
	table(apiKeys)(st, file, rest)
}

// listen maps server.host and server.port to api.listen. The original
// listened on 0.0.0.0 in plain HTTP; lxc-autoscale refuses that without
// TLS, so a host beyond loopback becomes 127.0.0.1 and says so.
func listen(st *state, file string, host, port *leaf) {
	h, p := "127.0.0.1", 5000
	var src source
	if port != nil {
		src = source{file, port.key, port.value}
		n, err := count(1, 65535)(port.value)
		if err != nil {
			st.skip(src, "%v", err)
			return
		}
		p = n.(int)
	}
	if host != nil {
		src = source{file, host.key, host.value}
		if s, _ := host.value.(string); s == "localhost" || strings.HasPrefix(s, "127.") || s == "::1" {
			h = s
		} else {
			st.skip(src, "the REST API listens on loopback unless TLS is on (api.tls_cert, api.tls_key): tokens would cross the network in clear")
		}
	}
	st.set("api.listen", h+":"+itoa(p), src)
}

func rateLimit(st *state, src source) {
	n, err := count(1, 6_000_000)(src.value)
	if err != nil {
		st.skip(src, "%v", err)
		return
	}
	// The original allowed n requests in any minute: the same rate, with a
	// minute's worth at once.
	st.set("api.rate_limit.per_second", math.Round(float64(n.(int))/60*1000)/1000, src)
	st.set("api.rate_limit.burst", min(n.(int), 100_000), src)
}

func dryRun(st *state, src source) {
	if b, ok := src.value.(bool); ok && b {
		st.set("scaling.mode", "dry-run", src)
		return
	}
	st.skip(src, "lxc-autoscale starts in dry-run whatever the original did: set scaling.mode: enforce once its decisions look right")
}

func both(a, b handler) handler {
	return func(st *state, src source) { a(st, src); b(st, src) }
}

func path(v any) (any, error) {
	s, _ := v.(string)
	if !strings.HasPrefix(s, "/") {
		return nil, errAbsolute
	}
	return s, nil
}

// table imports each key with the handler of its key, else of the longest
// prefix ("api.") that covers it; a key no entry covers is listed as not
// known.
func table(keys map[string]handler) func(st *state, file string, leaves []leaf) {
	return func(st *state, file string, leaves []leaf) {
		for _, l := range leaves {
			lookup(keys, l.key)(st, source{file, l.key, l.value})
		}
	}
}

func lookup(keys map[string]handler, key string) handler {
	if h, ok := keys[key]; ok {
		return h
	}
	best := ""
	for k := range keys {
		if strings.HasSuffix(k, ".") && strings.HasPrefix(key, k) && len(k) > len(best) {
			best = k
		}
	}
	if best != "" {
		return keys[best]
	}
	return because("not a key import-config knows (a later version's?): nothing in lxc-autoscale is set from it")
}

var tierName = regexp.MustCompile(`[^a-z0-9_.-]+`)
