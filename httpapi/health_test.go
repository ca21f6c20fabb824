package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/lxc-autoscale/lxc-autoscale/controller"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
)

// healthClock is a settable clock for the server, read from the
// handlers' goroutines while the test advances it.
type healthClock struct {
	unixNano atomic.Int64
}

// newHealthClock starts at 2026-11-27 03:00 UTC.
func newHealthClock() *healthClock {
	c := &healthClock{}
	c.unixNano.Store(time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC).UnixNano())
	return c
}

func (c *healthClock) Now() time.Time { return time.Unix(0, c.unixNano.Load()).UTC() }

func (c *healthClock) Advance(d time.Duration) { c.unixNano.Add(int64(d)) }

// passSucceeded is the loop's snapshot right after a successful pass at at.
func passSucceeded(at time.Time) controller.Snapshot {
	return controller.Snapshot{Time: at, LastSuccess: at, Interval: time.Minute}
}

type healthBody struct {
	Status string `json:"status"`
	Reason string `json:"reason"`
}

func getHealth(t *testing.T, api *testAPI, path string) (int, healthBody) {
	t.Helper()
	rec := api.do(t, testRequest{method: "GET", target: path, scope: ScopeRead})
	var b healthBody
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
		t.Fatalf("GET %s body %q: %v", path, rec.Body, err)
	}
	return rec.Code, b
}

// TestReadyzFollowsTheLoop walks /readyz through its states with the
// loop: not ready before the first successful pass, ready after it, not
// ready once the last success is older than 3 intervals, ready again
// after a new pass. /healthz stays 200 throughout.
func TestReadyzFollowsTheLoop(t *testing.T) {
	clock := newHealthClock()
	snaps := &fixedSnapshots{}
	api := newTestAPI(t, testAPIOptions{server: func(o *Options) {
		o.Now, o.Snapshots, o.Interval = clock.Now, snaps, 10*time.Second
	}})
	steps := []struct {
		name   string
		before func()
		status int
		reason string
	}{
		{"before the first pass", func() {}, 503, "no successful pass yet"},
		{"after the first pass", func() { snaps.set(passSucceeded(clock.Now())) }, 200, ""},
		{"exactly 3 intervals later", func() { clock.Advance(30 * time.Second) }, 200, ""},
		{"past 3 intervals", func() { clock.Advance(time.Second) }, 503, "last successful pass 31s ago, more than 3 intervals of 10s"},
		{"a failing pass changes nothing", func() { clock.Advance(10 * time.Second) }, 503, "41s ago"},
		{"a new successful pass", func() { snaps.set(passSucceeded(clock.Now())) }, 200, ""},
	}
	for _, st := range steps {
		st.before()
		code, b := getHealth(t, api, "/readyz")
		if code != st.status || !strings.Contains(b.Reason, st.reason) {
			t.Errorf("%s: /readyz = %d %+v; want %d with reason %q", st.name, code, b, st.status, st.reason)
		}
		if st.status == 503 && b.Status != "not ready" {
			t.Errorf("%s: status %q; want not ready", st.name, b.Status)
		}
		if code, b := getHealth(t, api, "/healthz"); code != 200 || b.Status != "ok" {
			t.Errorf("%s: /healthz = %d %+v; want 200 ok", st.name, code, b)
		}
	}
}

// TestReadyzWithoutTheLoop checks api-only readiness: ready while
// Proxmox answers, with the answer cached for 5 s, and not ready with the
// reason once Proxmox fails and the cache expired.
func TestReadyzWithoutTheLoop(t *testing.T) {
	clock := newHealthClock()
	api := newTestAPI(t, testAPIOptions{server: func(o *Options) { o.Now = clock.Now }})
	if code, b := getHealth(t, api, "/readyz"); code != 200 || b.Status != "ready" {
		t.Fatalf("/readyz with a healthy cluster = %d %+v; want 200 ready", code, b)
	}
	api.sim.InjectFault(pvesim.Fault{Method: "GET", Route: "/nodes", Status: 401, Reason: "authentication failure"})
	api.sim.ResetRequests()
	clock.Advance(4 * time.Second)
	if code, _ := getHealth(t, api, "/readyz"); code != 200 {
		t.Errorf("/readyz within the cache = %d; want the cached 200", code)
	}
	if n := len(api.sim.Requests()); n != 0 {
		t.Errorf("/readyz within the cache made %d Proxmox calls; want 0", n)
	}
	clock.Advance(time.Second)
	code, b := getHealth(t, api, "/readyz")
	if code != 503 || !strings.Contains(b.Reason, "Proxmox VE API") || !strings.Contains(b.Reason, "401") {
		t.Errorf("/readyz with Proxmox refusing = %d %+v; want 503 naming Proxmox's answer", code, b)
	}
	if strings.Contains(b.Reason, testPVETokenSecret) {
		t.Errorf("reason %q carries the Proxmox token secret", b.Reason)
	}
	api.sim.ClearFaults()
	clock.Advance(5 * time.Second)
	if code, _ := getHealth(t, api, "/readyz"); code != 200 {
		t.Errorf("/readyz after Proxmox recovered = %d; want 200", code)
	}
}

// TestHealthCheckShape checks the original's /health/check: public, 200
// healthy with its checks, 503 unhealthy when a check fails.
func TestHealthCheckShape(t *testing.T) {
	clock := newHealthClock()
	snaps := &fixedSnapshots{}
	snaps.set(passSucceeded(clock.Now()))
	api := newTestAPI(t, testAPIOptions{server: func(o *Options) {
		o.Now, o.Snapshots, o.Interval = clock.Now, snaps, time.Minute
	}})
	check := func() (int, healthReport) {
		t.Helper()
		rec := api.do(t, testRequest{method: "GET", target: "/health/check", scope: ScopeRead})
		var r healthReport
		if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
			t.Fatalf("body %q: %v", rec.Body, err)
		}
		return rec.Code, r
	}
	code, r := check()
	if code != 200 || r.Status != "healthy" {
		t.Fatalf("/health/check = %d %+v; want 200 healthy", code, r)
	}
	for _, name := range []string{"lxc_commands", "configuration", "autoscaler"} {
		if c, ok := r.Checks[name]; !ok || !c.OK || c.Detail == "" {
			t.Errorf("check %s = %+v (present %v); want ok with a detail", name, c, ok)
		}
	}
	if d := r.Checks["lxc_commands"].Detail; d != "Proxmox VE API: 2 of 2 nodes online" {
		t.Errorf("lxc_commands detail %q", d)
	}
	clock.Advance(4 * time.Minute)
	code, r = check()
	if code != 503 || r.Status != "unhealthy" || r.Checks["autoscaler"].OK || !r.Checks["lxc_commands"].OK {
		t.Errorf("/health/check with a stale loop = %d %+v; want 503 unhealthy on autoscaler only", code, r)
	}
	api.sim.SetNodeOnline("pve1", false)
	api.sim.SetNodeOnline("pve2", false)
	snaps.set(passSucceeded(clock.Now()))
	clock.Advance(clusterProbeTTL)
	code, r = check()
	if code != 503 || r.Checks["lxc_commands"].OK || !r.Checks["autoscaler"].OK {
		t.Errorf("/health/check with every node offline = %d %+v; want 503 on lxc_commands", code, r)
	}
}

// TestHealthCheckWithoutTokens reports the configuration that makes the
// API unusable: unhealthy, with no token to see why but the log's.
func TestHealthCheckWithoutTokens(t *testing.T) {
	api := newTestAPI(t, testAPIOptions{server: func(o *Options) { o.Tokens = nil }})
	rec := api.do(t, testRequest{method: "GET", target: "/health/check"})
	var r healthReport
	mustUnmarshal(t, rec.Body.Bytes(), &r)
	if rec.Code != 503 || r.Status != "unhealthy" {
		t.Errorf("/health/check without tokens = %d %+v; want 503 unhealthy", rec.Code, r)
	}
}

// TestMetricsScopeAndLint checks that /metrics needs the read scope unless
// public, and that what it serves after a few requests of every kind is
// promlint clean.
func TestMetricsScopeAndLint(t *testing.T) {
	for _, public := range []bool{false, true} {
		api := newTestAPI(t, testAPIOptions{server: func(o *Options) { o.MetricsPublic = public }})
		for _, r := range []testRequest{
			{method: "GET", target: "/resource/vm/status?vm_id=101", scope: ScopeRead},
			{method: "POST", target: "/scale/cores", body: `{"vm_id":101,"cores":3}`, scope: ScopeOperate},
			{method: "POST", target: "/scale/cores", body: `{"vm_id":1}`, scope: ScopeOperate},
			{method: "GET", target: "/no/such/route"},
			{method: "BREW", target: "/scale/cores"},
			{method: "GET", target: "/readyz"},
		} {
			api.do(t, r)
		}
		rec := api.do(t, testRequest{method: "GET", target: "/metrics"})
		if want := map[bool]int{false: 401, true: 200}[public]; rec.Code != want {
			t.Errorf("public=%v: /metrics without a token = %d; want %d", public, rec.Code, want)
		}
		rec = api.do(t, testRequest{method: "GET", target: "/metrics", scope: ScopeRead})
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `lxc_autoscale_api_requests_total{code="200",method="POST",route="/scale/cores"} 1`) ||
			!strings.Contains(rec.Body.String(), `lxc_autoscale_api_requests_total{code="405",method="other",route="/scale/cores"} 1`) ||
			!strings.Contains(rec.Body.String(), `lxc_autoscale_api_requests_total{code="404",method="GET",route="unmatched"} 1`) {
			t.Errorf("public=%v: /metrics = %d; want the request counts by route template:\n%s", public, rec.Code, rec.Body)
		}
		problems, err := testutil.GatherAndLint(api.registry)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range problems {
			t.Errorf("promlint: %s: %s", p.Metric, p.Text)
		}
	}
}

// TestHealthRoutesAnswerHead checks that load balancers probing with HEAD
// get the status without a body.
func TestHealthRoutesAnswerHead(t *testing.T) {
	api := newTestAPI(t, testAPIOptions{})
	for _, path := range []string{"/healthz", "/readyz"} {
		if rec := api.do(t, testRequest{method: http.MethodHead, target: path}); rec.Code != 200 {
			t.Errorf("HEAD %s = %d; want 200", path, rec.Code)
		}
	}
}
