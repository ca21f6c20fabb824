package pvesim_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/control"
)

// controlHarness serves the API and the control routes side by side, as
// cmd/pvesim does.
func controlHarness(t *testing.T) (*harness, string) {
	t.Helper()
	h := newHarness(t, func(o *pvesim.Options) {
		o.Tokens = []string{testToken, "root@pam!other=othersecret"}
	})
	mux := http.NewServeMux()
	mux.Handle("/api2/json/", h.sim)
	mux.Handle(control.Prefix, control.Handler(h.sim))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	h.srv = srv
	return h, srv.URL + "/_pvesim"
}

// sendControl sends one control request and decodes the answer.
func sendControl(t *testing.T, method, url, body string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q, want application/json (body %s)", method, url, ct, raw)
	}
	var out map[string]any
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: body %q: %v", method, url, raw, err)
		}
	} else {
		out = map[string]any{"raw": string(raw)}
	}
	return resp.StatusCode, out
}

func wantControl(t *testing.T, method, url, body string, status int) map[string]any {
	t.Helper()
	got, out := sendControl(t, method, url, body)
	if got != status {
		t.Fatalf("%s %s %s = %d %v, want %d", method, url, body, got, out, status)
	}
	return out
}

func TestControlNodes(t *testing.T) {
	t.Parallel()
	h, base := controlHarness(t)
	wantControl(t, "POST", base+"/nodes/pve2/offline", "", 200)
	if got := h.get("/nodes/pve2/lxc", nil); got.status != 595 {
		t.Errorf("offline pve2 answers %d", got.status)
	}
	if n := h.nodeEntry("pve2"); n["status"] != "offline" {
		t.Errorf("pve2 after offline = %v", n["status"])
	}
	wantControl(t, "POST", base+"/nodes/pve2/online", "{}", 200)
	h.ok(h.get("/nodes/pve2/lxc", nil), nil)

	wantControl(t, "POST", base+"/nodes/pve3/kill", "", 200)
	if got := h.get("/nodes/pve3/lxc", nil); got.status != 595 {
		t.Errorf("killed pve3 answers %d", got.status)
	}
	if n := h.nodeEntry("pve3"); n["status"] != "online" {
		t.Errorf("killed pve3 within the grace = %v", n["status"])
	}
	wantControl(t, "POST", base+"/clock", `{"advance":"30s"}`, 200)
	if n := h.nodeEntry("pve3"); n["status"] != "offline" {
		t.Errorf("killed pve3 after the grace = %v", n["status"])
	}
	wantControl(t, "POST", base+"/nodes/pve3/revive", "", 200)
	h.ok(h.get("/nodes/pve3/lxc", nil), nil)

	if out := wantControl(t, "POST", base+"/nodes/pve7/kill", "", 404); !strings.Contains(out["error"].(string), "pve1, pve2, pve3") {
		t.Errorf("unknown node error %q does not list the nodes", out["error"])
	}
	wantControl(t, "POST", base+"/nodes/pve1/kill", `{"now":true}`, 400)
	if got, _ := sendControl(t, "GET", base+"/nodes/pve1/kill", ""); got != http.StatusMethodNotAllowed {
		t.Errorf("GET on a POST route = %d, want 405", got)
	}
}

func TestControlFaults(t *testing.T) {
	t.Parallel()
	h, base := controlHarness(t)
	wantControl(t, "POST", base+"/faults", `{"route":"/nodes/{node}/lxc","node":"pve1","status":503,"reason":"Service Unavailable Now","count":1}`, 200)
	wantControl(t, "POST", base+"/faults", `{"route":"/version","latency":"1ms"}`, 200)
	list, err := http.Get(base + "/faults")
	if err != nil {
		t.Fatal(err)
	}
	var faults []map[string]any
	if err := json.NewDecoder(list.Body).Decode(&faults); err != nil || len(faults) != 2 || faults[0]["status"] != 503.0 || faults[1]["latency"] != "1ms" {
		t.Errorf("GET faults = %v, %v", faults, err)
	}
	list.Body.Close()
	if got := h.get("/nodes/pve1/lxc", nil); got.status != 503 || got.reason != "Service Unavailable Now" {
		t.Errorf("faulted request = %d %q", got.status, got.reason)
	}
	h.ok(h.get("/nodes/pve1/lxc", nil), nil) // count 1 is used up
	wantControl(t, "DELETE", base+"/faults", "", 200)
	if n := len(h.sim.Faults()); n != 0 {
		t.Errorf("%d faults left after DELETE", n)
	}

	// One client cut off, the other unaffected: an HA partition.
	wantControl(t, "POST", base+"/faults", `{"token":"root@pam!test","status":595,"reason":"No route to host"}`, 200)
	if got := h.get("/nodes", nil); got.status != 595 || got.reason != "No route to host" || len(got.raw) != 0 {
		t.Errorf("partitioned client got %d %q %q", got.status, got.reason, got.raw)
	}
	other := h.do(req{method: "GET", path: "/nodes", header: http.Header{"Authorization": {"PVEAPIToken=root@pam!other=othersecret"}}})
	h.ok(other, nil)
	wantControl(t, "DELETE", base+"/faults", "", 200)

	wantControl(t, "POST", base+"/faults", `{"route":"/nodes","status":500,"reason":"simulated failure","rate":0.5}`, 200)
	wantControl(t, "POST", base+"/faults", `{"route":"/version","hang":true,"count":1}`, 200)
	wantControl(t, "POST", base+"/faults", `{"route":"/nodes/{node}/lxc/{vmid}/resize","task_exit":"lvresize failed"}`, 200)
	if n := len(h.sim.Faults()); n != 3 {
		t.Errorf("%d faults in force, want 3", n)
	}

	for _, tt := range []struct{ body, field string }{
		{`{"status":302}`, `"status"`},
		{`{"status":500,"rate":1.5}`, `"rate"`},
		{`{"latency":"-1s"}`, `"latency"`},
		{`{"latency":"11m"}`, `"latency"`},
		{`{"latency":"soon"}`, `"latency"`},
		{`{"status":500,"method":"PATCH"}`, `"method"`},
		{`{"status":500,"route":"/nodes/{node}/qemu"}`, `"route"`},
		{`{"status":500,"node":"pve9"}`, `"node"`},
		{`{"status":500,"count":-1}`, `"count"`},
		{`{"status":500,"token":"root@pam!x=secret"}`, `"token"`},
		{`{"status":"500"}`, `"status"`},
		{`{"status":500,"colour":"red"}`, `"colour"`},
		{`{"reason":"why"}`, `"reason"`},
		{`{}`, "does nothing"},
		{`{"status":500} {}`, "trailing"},
		{`[1]`, "object"},
		{`{"status":`, "JSON"},
	} {
		out := wantControl(t, "POST", base+"/faults", tt.body, 400)
		if msg, _ := out["error"].(string); !strings.Contains(msg, tt.field) {
			t.Errorf("POST faults %s: error %q does not name %s", tt.body, msg, tt.field)
		}
		if strings.Contains(out["error"].(string), "x=secret") {
			t.Errorf("error %q repeats a secret", out["error"])
		}
	}
	wantControl(t, "POST", base+"/faults", "", 400)
}

func TestControlContainers(t *testing.T) {
	t.Parallel()
	h, base := controlHarness(t)
	wantControl(t, "POST", base+"/containers", `{"vmid":200,"node":"pve2","name":"newcomer","cores":2,"memory_mib":1024,"disk_gib":4,"workload":"steady","tags":["autoscale"]}`, 200)
	if st, ok := h.sim.Container(200); !ok || st.Node != "pve2" || st.Config["cores"] != "2" || st.Config["tags"] != "autoscale" {
		t.Errorf("added container = %+v, %v", st, ok)
	}
	wantControl(t, "POST", base+"/containers", `{"vmid":200}`, 409)
	for _, tt := range []struct{ body, field string }{
		{`{"vmid":99}`, `"vmid"`},
		{`{"vmid":201,"node":"pve9"}`, "pve9"},
		{`{"vmid":201,"workload":"chaos"}`, `"workload"`},
		{`{"vmid":201,"memory_mib":8}`, `"memory_mib"`},
		{`{"vmid":201,"cores":-1}`, `"cores"`},
		{`{"vmid":201,"storage":"nfs"}`, `"storage"`},
		{`{"vmid":201,"cores":1.5}`, `"cores"`},
	} {
		got, out := sendControl(t, "POST", base+"/containers", tt.body)
		if msg, _ := out["error"].(string); (got != 400 && got != 404) || !strings.Contains(msg, tt.field) {
			t.Errorf("POST containers %s = %d %q, want 400/404 naming %s", tt.body, got, msg, tt.field)
		}
	}

	wantControl(t, "POST", base+"/containers/100/lock", `{"lock":"backup"}`, 200)
	if got := h.do(req{method: "PUT", path: "/nodes/pve1/lxc/100/config", params: form("cores", "3")}); got.status != 500 || got.reason != "CT is locked (backup)" {
		t.Errorf("PUT on a locked CT = %d %q", got.status, got.reason)
	}
	wantControl(t, "POST", base+"/containers/100/lock", `{"lock":"nap"}`, 400)
	wantControl(t, "DELETE", base+"/containers/100/lock", "", 200)
	h.ok(h.do(req{method: "PUT", path: "/nodes/pve1/lxc/100/config", params: form("cores", "3")}), nil)

	before := h.config("pve1", "100")["digest"]
	wantControl(t, "POST", base+"/containers/100/config", `{"key":"memory","value":"3072"}`, 200)
	conf := h.config("pve1", "100")
	if conf["memory"] != 3072.0 || conf["digest"] == before {
		t.Errorf("foreign config change: memory %v digest %v (was %v)", conf["memory"], conf["digest"], before)
	}
	wantControl(t, "POST", base+"/containers/100/config", `{"key":"Memory","value":"1"}`, 400)
	wantControl(t, "POST", base+"/containers/100/config", `{"key":"description","value":"a\nb"}`, 400)
	wantControl(t, "POST", base+"/containers/999/config", `{"key":"memory","value":"1024"}`, 404)

	wantControl(t, "POST", base+"/containers/100/migrate", `{"node":"pve3"}`, 200)
	h.ok(h.get("/nodes/pve3/lxc/100/config", nil), nil)
	wantControl(t, "POST", base+"/containers/100/migrate", `{"node":"pve9"}`, 400)

	wantControl(t, "DELETE", base+"/containers/200", "", 200)
	if _, ok := h.sim.Container(200); ok {
		t.Error("container 200 still exists after DELETE")
	}
	wantControl(t, "DELETE", base+"/containers/200", "", 404)
	wantControl(t, "DELETE", base+"/containers/abc", "", 400)
	wantControl(t, "GET", base+"/nothing", "", 404)
}

func TestControlRequestsAndClock(t *testing.T) {
	t.Parallel()
	h, base := controlHarness(t)
	h.ok(h.get("/version", nil), nil)
	h.ok(h.get("/nodes", nil), nil)
	if out := wantControl(t, "GET", base+"/requests", "", 200); out["count"] != 2.0 {
		t.Errorf("request count = %v, want 2 (control calls are not logged)", out["count"])
	}
	wantControl(t, "DELETE", base+"/requests", "", 200)
	if n := h.sim.RequestCount(); n != 0 {
		t.Errorf("%d requests logged after DELETE", n)
	}
	out := wantControl(t, "POST", base+"/clock", `{"advance":"90m"}`, 200)
	if want := testStart.Add(90 * time.Minute).Format(time.RFC3339Nano); out["now"] != want {
		t.Errorf("clock after advance = %v, want %s", out["now"], want)
	}
	if out := wantControl(t, "GET", base+"/clock", "", 200); out["now"] != testStart.Add(90*time.Minute).Format(time.RFC3339Nano) {
		t.Errorf("GET clock = %v", out["now"])
	}
	wantControl(t, "POST", base+"/clock", `{"advance":"-1s"}`, 400)
	if got, out := sendControl(t, "POST", base+"/clock", `x`); got != 400 {
		t.Errorf("non-JSON body = %d %v", got, out)
	}
	r, _ := http.NewRequest("POST", base+"/clock", strings.NewReader("advance=1s"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("form body = %d, want 415", resp.StatusCode)
	}
}
