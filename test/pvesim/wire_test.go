package pvesim_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
)

var upidPattern = regexp.MustCompile(`^UPID:pve[0-9]+:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:[a-z]+:[0-9]*:[^:\s]+:$`)

func TestErrorsCarryReasonPhraseAndMessage(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	tests := []struct {
		name   string
		r      req
		status int
		reason string
	}{
		{"unknown path", req{method: "GET", path: "/nodes/pve1/lxc/100/foo"}, 501, "Method 'GET /nodes/pve1/lxc/100/foo' not implemented"},
		{"unknown method", req{method: "POST", path: "/nodes"}, 501, "Method 'POST /nodes' not implemented"},
		{"missing config", req{method: "GET", path: "/nodes/pve1/lxc/999/config"}, 500, "Configuration file 'nodes/pve1/lxc/999.conf' does not exist"},
		{"wrong node", req{method: "GET", path: "/nodes/pve2/lxc/100/status/current"}, 500, "Configuration file 'nodes/pve2/lxc/100.conf' does not exist"},
		{"unknown node", req{method: "GET", path: "/nodes/nosuch/lxc"}, 500, "hostname lookup 'nosuch' failed - failed to get address info for: nosuch: Name or service not known"},
		{"no options", req{method: "PUT", path: "/nodes/pve1/lxc/100/config"}, 500, "no options specified"},
		{"bad param", req{method: "PUT", path: "/nodes/pve1/lxc/100/config", params: form("memory", "8")}, 400, "Parameter verification failed."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := h.do(tt.r)
			if got.status != tt.status || got.reason != tt.reason {
				t.Fatalf("status line = %d %q, want %d %q", got.status, got.reason, tt.status, tt.reason)
			}
			if got.message != tt.reason+"\n" || string(got.data) != "null" {
				t.Errorf("body = %s, want data null and message %q", got.raw, tt.reason+"\n")
			}
		})
	}
}

func TestParameterVerification(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	const cfg = "/nodes/pve1/lxc/100/config"
	tests := []struct {
		name  string
		r     req
		param string
		msg   string
	}{
		{"minimum", req{method: "PUT", path: cfg, params: form("memory", "8")}, "memory", "value must have a minimum value of 16"},
		{"maximum", req{method: "PUT", path: cfg, params: form("cores", "9000")}, "cores", "value must have a maximum value of 8192"},
		{"integer", req{method: "PUT", path: cfg, params: form("cores", "1.5")}, "cores", "type check ('integer') failed - got '1.5'"},
		{"integer exponent in query", req{method: "GET", path: "/cluster/nextid", params: form("vmid", "1e+06")}, "vmid", "type check ('integer') failed - got '1e+06'"},
		{"number", req{method: "PUT", path: cfg, params: form("cpulimit", "lots")}, "cpulimit", "type check ('number') failed - got 'lots'"},
		{"boolean word", req{method: "PUT", path: cfg, params: form("onboot", "true")}, "onboot", "type check ('boolean') failed - got 'true'"},
		{"boolean JSON string", req{method: "PUT", path: cfg, json: map[string]any{"onboot": "true"}}, "onboot", "type check ('boolean') failed - got 'true'"},
		{"JSON array", req{method: "PUT", path: cfg, json: map[string]any{"hostname": []int{1}}}, "hostname", "type check ('string') failed - got ARRAY"},
		{"unknown", req{method: "PUT", path: cfg, params: form("bogus", "1")}, "bogus", "property is not defined in schema and the schema does not allow additional properties"},
		{"unsupported", req{method: "PUT", path: cfg, params: form("net0", "name=eth0")}, "net0", "parameter not supported by pvesim"},
		{"maxLength", req{method: "PUT", path: cfg, params: form("digest", strings.Repeat("a", 41))}, "digest", "value may only be 40 characters long"},
		{"enum", req{method: "GET", path: "/nodes/pve1/lxc/100/rrddata", params: form("timeframe", "minute")}, "timeframe", "value 'minute' does not have a value in the enumeration 'hour, day, week, month, year'"},
		{"required", req{method: "GET", path: "/nodes/pve1/lxc/100/rrddata"}, "timeframe", "property is missing and it is not optional"},
		{"pattern", req{method: "PUT", path: "/nodes/pve1/lxc/100/resize", params: form("disk", "rootfs", "size", "1X")}, "size", "value does not match the regex pattern"},
		{"format", req{method: "POST", path: "/nodes/pve1/lxc/100/snapshot", params: form("snapname", "1st")}, "snapname", "invalid format - invalid configuration ID '1st'"},
		{"path vmid range", req{method: "GET", path: "/nodes/pve1/lxc/99/config"}, "vmid", "value must have a minimum value of 100"},
		{"path vmid type", req{method: "GET", path: "/nodes/pve1/lxc/abc/config"}, "vmid", "type check ('integer') failed - got 'abc'"},
		{"duplicate path param", req{method: "PUT", path: cfg, params: form("vmid", "101", "cores", "2")}, "vmid", "duplicate parameter (already defined in URI) with conflicting values!"},
		{"delete unknown", req{method: "PUT", path: cfg, params: form("delete", "nosuchkey")}, "delete", "unknown option 'nosuchkey'"},
		{"delete and set", req{method: "PUT", path: cfg, params: form("delete", "cores", "cores", "2")}, "delete", "you can't use '-cores' and -delete cores' at the same time"},
		{"nextid taken", req{method: "GET", path: "/cluster/nextid", params: form("vmid", "100")}, "vmid", "VM 100 already exists"},
		{"upid unparsable", req{method: "GET", path: "/nodes/pve1/tasks/UPID:pve1:1/status"}, "upid", "unable to parse worker upid"},
		{"upid unknown", req{method: "GET", path: "/nodes/pve1/tasks/UPID:pve1:00001234:00000001:65A1B2C3:vzsnapshot:100:root@pam:/status"}, "upid", "no such task"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := h.do(tt.r)
			if got.status != http.StatusBadRequest || got.reason != "Parameter verification failed." {
				t.Fatalf("status line = %d %q, want 400 Parameter verification failed. (body %s)", got.status, got.reason, got.raw)
			}
			if got.errors[tt.param] != tt.msg {
				t.Errorf("errors[%q] = %q, want %q (all: %v)", tt.param, got.errors[tt.param], tt.msg, got.errors)
			}
		})
	}
}

func TestParameterEncodingsAccepted(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	const cfg = "/nodes/pve1/lxc/100/config"
	tests := []struct {
		name string
		r    req
		key  string
		want any
	}{
		{"form integer", req{method: "PUT", path: cfg, params: form("cores", "3")}, "cores", 3.0},
		{"JSON number", req{method: "PUT", path: cfg, json: map[string]any{"memory": 1536}}, "memory", 1536.0},
		{"JSON exponent like Perl", req{method: "PUT", path: cfg, json: json.RawMessage(`{"memory":2e3}`)}, "memory", 2000.0},
		{"JSON digit string", req{method: "PUT", path: cfg, json: map[string]any{"swap": "256"}}, "swap", 256.0},
		{"JSON true", req{method: "PUT", path: cfg, json: map[string]any{"onboot": true}}, "onboot", 1.0},
		{"JSON string zero", req{method: "PUT", path: cfg, json: map[string]any{"onboot": "0"}}, "onboot", 0.0},
		{"JSON number as cpulimit string", req{method: "PUT", path: cfg, json: map[string]any{"cpulimit": 2.5}}, "cpulimit", "2.5"},
		{"query merged into body", req{method: "PUT", path: cfg + "?cores=5"}, "cores", 5.0},
		{"same path param repeated", req{method: "PUT", path: cfg, params: form("vmid", "100", "cores", "6")}, "cores", 6.0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := h.do(tt.r)
			h.ok(got, nil)
			if string(got.data) != "null" {
				t.Errorf("PUT config data = %s, want null", got.data)
			}
			if conf := h.config("pve1", "100"); conf[tt.key] != tt.want {
				t.Errorf("config[%q] = %#v, want %#v", tt.key, conf[tt.key], tt.want)
			}
		})
	}
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	t.Run("no credentials", func(t *testing.T) {
		got := h.do(req{method: "GET", path: "/nodes", noAuth: true})
		if got.status != 401 || got.reason != "No ticket" || len(got.raw) != 0 {
			t.Fatalf("got %d %q body %q, want 401 No ticket with empty body", got.status, got.reason, got.raw)
		}
	})
	t.Run("wrong secret", func(t *testing.T) {
		got := h.do(req{method: "GET", path: "/nodes", header: http.Header{"Authorization": {"PVEAPIToken=" + testTokenID + "=nope"}}})
		if got.status != 401 || got.reason != "Authentication failed!" || len(got.raw) != 0 {
			t.Fatalf("got %d %q body %q, want 401 Authentication failed! with empty body", got.status, got.reason, got.raw)
		}
	})
	t.Run("token with space", func(t *testing.T) {
		h.ok(h.do(req{method: "GET", path: "/nodes", header: http.Header{"Authorization": {"PVEAPIToken " + testToken}}}), nil)
	})
	t.Run("token on access ticket", func(t *testing.T) {
		got := h.do(req{method: "POST", path: "/access/ticket", params: form("username", "alice@pve", "password", "wonderland")})
		if got.status != 403 || got.reason != "URI '/access/ticket' not available with API token, need proper ticket." {
			t.Fatalf("got %d %q, want 403", got.status, got.reason)
		}
	})
	t.Run("bad login", func(t *testing.T) {
		got := h.do(req{method: "POST", path: "/access/ticket", noAuth: true, params: form("username", "alice@pve", "password", "wrong")})
		if got.status != 401 || got.reason != "authentication failure" || got.message != "authentication failure\n" {
			t.Fatalf("got %d %q %s, want 401 authentication failure with JSON body", got.status, got.reason, got.raw)
		}
	})
	t.Run("ticket and csrf", func(t *testing.T) {
		var sess struct {
			Username string `json:"username"`
			Ticket   string `json:"ticket"`
			CSRF     string `json:"CSRFPreventionToken"`
		}
		h.ok(h.do(req{method: "POST", path: "/access/ticket", noAuth: true, params: form("username", "alice", "realm", "pve", "password", "wonderland")}), &sess)
		if sess.Username != "alice@pve" || !strings.HasPrefix(sess.Ticket, "PVE:alice@pve:") || sess.CSRF == "" {
			t.Fatalf("session = %+v", sess)
		}
		cookie := http.Header{"Cookie": {"PVEAuthCookie=" + sess.Ticket}}
		h.ok(h.do(req{method: "GET", path: "/nodes", header: cookie}), nil)
		put := req{method: "PUT", path: "/nodes/pve1/lxc/100/config", params: form("cores", "2"), header: cookie}
		if got := h.do(put); got.status != 401 || got.reason != "Permission denied - invalid csrf token" {
			t.Fatalf("PUT without CSRF = %d %q, want 401 invalid csrf token", got.status, got.reason)
		}
		put.header = http.Header{"Cookie": {"PVEAuthCookie=" + sess.Ticket}, "Csrfpreventiontoken": {sess.CSRF}}
		h.ok(h.do(put), nil)

		var renewed struct {
			Ticket string `json:"ticket"`
		}
		h.ok(h.do(req{method: "POST", path: "/access/ticket", noAuth: true, params: form("username", "alice@pve", "password", sess.Ticket)}), &renewed)
		h.sim.Clock().Advance(2*time.Hour + time.Second)
		if got := h.do(req{method: "GET", path: "/nodes", header: cookie}); got.status != 401 || got.reason != "Authentication failed!" {
			t.Fatalf("expired ticket = %d %q, want 401 Authentication failed!", got.status, got.reason)
		}
	})
}

func TestAuthFailureDelay(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(o *pvesim.Options) { o.AuthFailureDelay = 150 * time.Millisecond })
	for _, r := range []req{
		{method: "GET", path: "/nodes", noAuth: true},
		{method: "POST", path: "/access/ticket", noAuth: true, params: form("username", "alice@pve", "password", "wrong")},
	} {
		start := time.Now()
		if got := h.do(r); got.status != 401 {
			t.Fatalf("%s %s: status %d, want 401", r.method, r.path, got.status)
		}
		if el := time.Since(start); el < 150*time.Millisecond {
			t.Errorf("%s %s: 401 came after %v, want at least the 150ms delay", r.method, r.path, el)
		}
	}
	start := time.Now()
	h.ok(h.get("/nodes", nil), nil)
	if el := time.Since(start); el >= 150*time.Millisecond {
		t.Errorf("an authorised call took %v: the delay is for 401s only", el)
	}
}
