package main

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"go.yaml.in/yaml/v3"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/workload"
)

const monitoringDir = "../../httpapi/monitoring/"

// targetLabels are added by Prometheus when it scrapes, not served.
var targetLabels = []string{"job", "instance"}

// Every metric the Grafana dashboard and the alerting rules use exists in
// /metrics of an ordinary run against pvesim, with the labels they match
// on, and with the label values they select by equality: a dashboard
// panel or an alert on a misspelt metric or label would stay empty or
// silent instead of failing.
func TestMonitoringUsesServedMetrics(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{speed: 1, specs: []pvesim.ContainerSpec{
		{VMID: 121, Node: "pve1", Cores: 1, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Busy},
		{VMID: 122, Node: "pve2", Cores: 2, MemoryMiB: 2048, DiskGiB: 8, Workload: workload.Idle},
	}, env: []string{"LXCA_API_LISTEN=127.0.0.1:0"}})
	r := e.start("run")
	base := "http://" + e.apiAddr(r)

	exprs := dashboardExprs(t)
	panels := exprs["panels"]
	rules := ruleExprs(t)
	if len(panels) < 6 {
		t.Errorf("the dashboard has %d panels with queries, want at least 6", len(panels))
	}
	for _, alert := range []string{"LxcAutoscaleNotPassing", "LxcAutoscaleNodeUnreachable", "LxcAutoscaleWritesFailing", "LxcAutoscaleLeaseLost"} {
		if _, ok := rules[alert]; !ok {
			t.Errorf("the alerting rules have no %s", alert)
		}
	}
	var all []string
	for _, group := range []map[string][]string{exprs, rules} {
		for _, es := range group {
			all = append(all, es...)
		}
	}

	// Wait a while for everything the queries use that an ordinary run
	// serves (the anomaly score needs a trained model, the held changes a
	// hold), then say what is missing.
	e.awaitPasses(r, 2, "before scraping")
	families := scrape(t, base+"/metrics")
	for deadline := time.Now().Add(time.Minute); len(missingMetrics(all, families)) > 0 && time.Now().Before(deadline); {
		time.Sleep(500 * time.Millisecond)
		families = scrape(t, base+"/metrics")
	}
	used := map[string]bool{}
	for _, expr := range all {
		for _, m := range metricRef.FindAllStringSubmatch(expr, -1) {
			name := m[1]
			f := familyOf(name, families)
			if f == nil {
				t.Errorf("%s (in %q) is not in /metrics", name, expr)
				continue
			}
			used[name] = true
			checkMatchers(t, expr, f, m[2])
		}
	}
	if len(used) < 15 {
		t.Errorf("the dashboard and rules use %d metrics; the extraction is broken", len(used))
	}
}

// metricRef is a metric name with its matchers, if any.
var metricRef = regexp.MustCompile(`\b(lxc_autoscale_[a-z0-9_]+)(\{[^}]*\})?`)

// matcher is one label matcher of a selector.
var matcher = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"]*)"`)

func checkMatchers(t *testing.T, expr string, f *dto.MetricFamily, selector string) {
	t.Helper()
	for _, m := range matcher.FindAllStringSubmatch(selector, -1) {
		label, op, value := m[1], m[2], m[3]
		if slices.Contains(targetLabels, label) {
			continue
		}
		hasLabel, hasValue := false, false
		for _, s := range f.GetMetric() {
			for _, l := range s.GetLabel() {
				if l.GetName() == label {
					hasLabel = true
					hasValue = hasValue || l.GetValue() == value
				}
			}
		}
		switch {
		case !hasLabel:
			t.Errorf("%s has no label %q (in %q)", f.GetName(), label, expr)
		case op == "=" && !strings.Contains(value, "$") && !hasValue:
			t.Errorf("%s has no series with %s=%q (in %q): publish it at 0", f.GetName(), label, value, expr)
		}
	}
}

// familyOf finds the family a name in a query belongs to: itself, or the
// histogram or summary whose _bucket, _sum or _count it is.
func familyOf(name string, families map[string]*dto.MetricFamily) *dto.MetricFamily {
	if f := families[name]; f != nil {
		return f
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok {
			if f := families[base]; f != nil && (f.GetType() == dto.MetricType_HISTOGRAM || f.GetType() == dto.MetricType_SUMMARY) {
				return f
			}
		}
	}
	return nil
}

func missingMetrics(exprs []string, families map[string]*dto.MetricFamily) []string {
	var missing []string
	for _, expr := range exprs {
		for _, m := range metricRef.FindAllStringSubmatch(expr, -1) {
			if familyOf(m[1], families) == nil {
				missing = append(missing, m[1])
			}
		}
	}
	return missing
}

func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	dec := expfmt.NewDecoder(resp.Body, expfmt.NewFormat(expfmt.TypeTextPlain))
	families := map[string]*dto.MetricFamily{}
	for {
		var f dto.MetricFamily
		if err := dec.Decode(&f); errors.Is(err, io.EOF) {
			return families
		} else if err != nil {
			t.Fatalf("decoding /metrics: %v", err)
		}
		families[f.GetName()] = &f
	}
}

// dashboardExprs are the dashboard's queries: "panels" (one per panel
// with targets), "annotations" and "variables".
func dashboardExprs(t *testing.T) map[string][]string {
	t.Helper()
	data, err := os.ReadFile(monitoringDir + "grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
		Annotations struct{ List []struct{ Expr string } }
		Templating  struct {
			List []struct {
				Query json.RawMessage
			}
		}
	}
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatalf("grafana-dashboard.json: %v", err)
	}
	out := map[string][]string{}
	for _, p := range d.Panels {
		if len(p.Targets) > 0 {
			out["panels"] = append(out["panels"], p.Title)
		}
		for _, tg := range p.Targets {
			out["queries"] = append(out["queries"], tg.Expr)
		}
	}
	for _, a := range d.Annotations.List {
		if a.Expr != "" {
			out["annotations"] = append(out["annotations"], a.Expr)
		}
	}
	for _, v := range d.Templating.List {
		var q struct{ Query string }
		if json.Unmarshal(v.Query, &q) == nil && q.Query != "" {
			out["variables"] = append(out["variables"], q.Query)
		}
	}
	if len(out["queries"]) == 0 || len(out["annotations"]) == 0 || len(out["variables"]) == 0 {
		t.Fatalf("the dashboard has %d queries, %d annotations, %d variables: the decoding is broken",
			len(out["queries"]), len(out["annotations"]), len(out["variables"]))
	}
	return out
}

// ruleExprs are the alerting rules' expressions by alert name.
func ruleExprs(t *testing.T) map[string][]string {
	t.Helper()
	data, err := os.ReadFile(monitoringDir + "alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Groups []struct {
			Rules []struct{ Alert, Expr string }
		}
	}
	if err := yaml.Unmarshal(data, &f); err != nil {
		t.Fatalf("alerts.yml: %v", err)
	}
	out := map[string][]string{}
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			out[r.Alert] = append(out[r.Alert], r.Expr)
		}
	}
	return out
}
