package pvesim_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/workload"
)

const (
	testToken   = "root@pam!test=secret"
	testTokenID = "root@pam!test"
)

var testStart = time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)

// testSpecs is a small cluster with every shape the tests need.
func testSpecs() []pvesim.ContainerSpec {
	return []pvesim.ContainerSpec{
		{VMID: 100, Node: "pve1", Name: "web", Cores: 2, MemoryMiB: 2048, SwapMiB: 512, DiskGiB: 8, Workload: workload.Steady, Tags: []string{"autoscale"}},
		{VMID: 101, Node: "pve1", Name: "db", Cores: 0, CPULimit: 1.5, MemoryMiB: 1024, SwapMiB: 0, DiskGiB: 8, Workload: workload.Leak},
		{VMID: 102, Node: "pve2", Name: "batch", Cores: 4, MemoryMiB: 4096, DiskGiB: 16, Workload: workload.Batch, Stopped: true},
		{VMID: 103, Node: "pve2", Name: "tmpl", Cores: 1, MemoryMiB: 512, DiskGiB: 4, Workload: workload.Idle, Template: true},
		{VMID: 104, Node: "pve3", Name: "shared", Cores: 2, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Diurnal, Storage: "cephpool", Protection: true},
	}
}

type harness struct {
	t   *testing.T
	sim *pvesim.Sim
	srv *httptest.Server
}

func newHarness(t *testing.T, mutate func(*pvesim.Options)) *harness {
	t.Helper()
	opts := pvesim.Options{Nodes: 3, Specs: testSpecs(), Seed: 1, Start: testStart,
		Tokens: []string{testToken}, Users: map[string]string{"alice@pve": "wonderland"}}
	if mutate != nil {
		mutate(&opts)
	}
	sim, err := pvesim.New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(func() {
		sim.Close()
		srv.Close()
	})
	return &harness{t: t, sim: sim, srv: srv}
}

// reply is a decoded API answer.
type reply struct {
	status  int
	reason  string // the reason phrase of the status line
	raw     []byte
	data    json.RawMessage
	errors  map[string]string
	message string
}

type req struct {
	method, path string
	params       url.Values // query for GET/DELETE, form body otherwise
	json         any        // JSON body instead of params
	header       http.Header
	noAuth       bool
}

func (h *harness) do(r req) reply {
	h.t.Helper()
	u := h.srv.URL + "/api2/json" + r.path
	var body io.Reader
	ct := ""
	switch {
	case r.json != nil:
		b, err := json.Marshal(r.json)
		if err != nil {
			h.t.Fatal(err)
		}
		body, ct = bytes.NewReader(b), "application/json"
	case r.method == http.MethodGet || r.method == http.MethodDelete:
		if len(r.params) > 0 {
			u += "?" + r.params.Encode()
		}
	default:
		body, ct = strings.NewReader(r.params.Encode()), "application/x-www-form-urlencoded"
	}
	hr, err := http.NewRequest(r.method, u, body)
	if err != nil {
		h.t.Fatal(err)
	}
	if ct != "" {
		hr.Header.Set("Content-Type", ct)
	}
	for k, vs := range r.header {
		hr.Header[k] = vs
	}
	if !r.noAuth && hr.Header.Get("Authorization") == "" && hr.Header.Get("Cookie") == "" {
		hr.Header.Set("Authorization", "PVEAPIToken="+testToken)
	}
	resp, err := h.srv.Client().Do(hr)
	if err != nil {
		h.t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	out := reply{status: resp.StatusCode, reason: strings.TrimSpace(strings.TrimPrefix(resp.Status, resp.Status[:3])), raw: raw}
	if len(raw) > 0 {
		var env struct {
			Data    json.RawMessage   `json:"data"`
			Errors  map[string]string `json:"errors"`
			Message string            `json:"message"`
		}
		if err := json.Unmarshal(raw, &env); err != nil {
			h.t.Fatalf("%s %s: body %q is not JSON: %v", r.method, r.path, raw, err)
		}
		out.data, out.errors, out.message = env.Data, env.Errors, env.Message
	}
	return out
}

func (h *harness) get(path string, params url.Values) reply {
	h.t.Helper()
	return h.do(req{method: http.MethodGet, path: path, params: params})
}

// ok fails the test unless the reply is a 200 and decodes data into v.
func (h *harness) ok(r reply, v any) {
	h.t.Helper()
	if r.status != http.StatusOK {
		h.t.Fatalf("status %d %q, want 200 (body %s)", r.status, r.reason, r.raw)
	}
	if v != nil {
		if err := json.Unmarshal(r.data, v); err != nil {
			h.t.Fatalf("decode %s: %v", r.data, err)
		}
	}
}

func (h *harness) upid(r reply) string {
	h.t.Helper()
	var upid string
	h.ok(r, &upid)
	return upid
}

type taskStatus struct {
	Status     string `json:"status"`
	ExitStatus string `json:"exitstatus"`
	Type       string `json:"type"`
	ID         string `json:"id"`
	User       string `json:"user"`
	TokenID    string `json:"tokenid"`
	Node       string `json:"node"`
}

func (h *harness) task(upid string) taskStatus {
	h.t.Helper()
	node := strings.Split(upid, ":")[1]
	var st taskStatus
	h.ok(h.get("/nodes/"+node+"/tasks/"+upid+"/status", nil), &st)
	return st
}

// finish advances the clock past the task duration and returns the final status.
func (h *harness) finish(upid string) taskStatus {
	h.t.Helper()
	h.sim.Clock().Advance(2 * time.Second)
	st := h.task(upid)
	if st.Status != "stopped" {
		h.t.Fatalf("task %s still %s after its duration", upid, st.Status)
	}
	return st
}

func (h *harness) config(node string, vmid string) map[string]any {
	h.t.Helper()
	var conf map[string]any
	h.ok(h.get("/nodes/"+node+"/lxc/"+vmid+"/config", nil), &conf)
	return conf
}

func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}
