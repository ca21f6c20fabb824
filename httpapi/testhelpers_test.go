package httpapi

import (
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/controller"
	"github.com/lxc-autoscale/lxc-autoscale/controller/audit"
	"github.com/lxc-autoscale/lxc-autoscale/controller/manual"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesimtest"
)

// A shared harness for the httpapi tests: a simulated cluster (pvesim)
// served over HTTP, a real proxmox.Client on it, real controller
// Operations with an audit file, and a Server with one token per scope.
//
//	api := newTestAPI(t, testAPIOptions{})
//	rec := api.do(t, testRequest{method: "GET", target: "/api/v1/nodes", scope: ScopeRead})

// Tokens of the harness, one per scope; testTokenNone is valid for no
// configured token.
const (
	testPVETokenID     = "root@pam!httpapi"
	testPVETokenSecret = "httpapi-test-secret"
	testReadToken      = "test-read-0c5d1e"
	testOperateToken   = "test-operate-92ab4f"
	testAdminToken     = "test-admin-7e30c8"
	testUnknownToken   = "test-unknown-000000"
)

// testTokens maps each scope to the harness's token of that scope.
var testTokens = map[Scope]string{ScopeRead: testReadToken, ScopeOperate: testOperateToken, ScopeAdmin: testAdminToken}

// testAPI is a Server on a simulated cluster.
type testAPI struct {
	sim       *pvesim.Sim
	pveURL    string
	client    *proxmox.Client
	ops       *manual.Operations
	server    *Server
	registry  *prometheus.Registry
	auditPath string

	mu     sync.Mutex
	paused map[int]bool // what Operations' Pause was told, by vmid
}

// testAPIOptions adjust the harness. Zero values give testSpecs on two
// nodes, no loop (Snapshots nil) and pausing wired to testAPI.paused.
type testAPIOptions struct {
	specs     []pvesim.ContainerSpec
	snapshots Snapshotter
	noPause   bool                  // leave OperationsOptions.Pause nil, as the api command does
	sim       func(*pvesim.Options) // before pvesim.New
	server    func(*Options)        // before New
}

// testSpecs are the harness's containers: 101 and 102 on pve1, 103
// protected on pve1, 104 on pve2.
func testSpecs() []pvesim.ContainerSpec {
	return []pvesim.ContainerSpec{
		{VMID: 101, Node: "pve1", Name: "web", Cores: 2, MemoryMiB: 1024, SwapMiB: 512, DiskGiB: 8},
		{VMID: 102, Node: "pve1", Name: "db", Cores: 4, MemoryMiB: 4096, DiskGiB: 16},
		{VMID: 103, Node: "pve1", Name: "keep", Cores: 1, MemoryMiB: 512, DiskGiB: 4, Protection: true},
		{VMID: 104, Node: "pve2", Name: "cache", Cores: 1, MemoryMiB: 512, DiskGiB: 4},
	}
}

// testLogger writes warnings and errors to the test's log.
func testLogger(t testing.TB) zerolog.Logger {
	if _, fuzzing := t.(*testing.F); fuzzing {
		return zerolog.Nop()
	}
	return zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel)
}

func newTestAPI(t testing.TB, o testAPIOptions) *testAPI {
	t.Helper()
	specs := o.specs
	if specs == nil {
		specs = testSpecs()
	}
	simOpts := pvesim.Options{
		Nodes: 2, Specs: specs, Seed: 11,
		// A task of 2 simulated seconds takes 2 ms.
		Speed: 1000,
	}
	if o.sim != nil {
		o.sim(&simOpts)
	}
	reg := prometheus.NewRegistry()
	log := testLogger(t)
	sim, client, pveURL := pvesimtest.Start(t, simOpts, proxmox.Options{
		TokenID: testPVETokenID, TokenSecret: testPVETokenSecret,
		Timeout: 5 * time.Second, Registerer: reg, Logger: log,
		Retry: proxmox.RetryOptions{Attempts: 2, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond},
	})
	auditPath := filepath.Join(t.TempDir(), "audit.jsonl")
	audit, err := audit.Open(audit.Options{Path: auditPath})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { audit.Close() })
	api := &testAPI{sim: sim, pveURL: pveURL, client: client, registry: reg, auditPath: auditPath, paused: map[int]bool{}}
	opsOpts := manual.Options{
		Cluster:     client,
		Actuator:    controller.NewActuator(controller.ActuatorOptions{Cluster: client, Logger: log, Audit: audit}),
		Audit:       audit,
		Logger:      log,
		TaskTimeout: 10 * time.Second,
		// As the daemon runs it: the watcher is the one poller of a task.
		WatchTasks: true,
	}
	if !o.noPause {
		opsOpts.Pause = func(vmid int, paused bool) {
			api.mu.Lock()
			defer api.mu.Unlock()
			api.paused[vmid] = paused
		}
	}
	api.ops = manual.New(opsOpts)
	t.Cleanup(api.ops.Close) // before the audit closes
	opts := Options{
		Logger: log, Registry: reg, Operations: api.ops, Snapshots: o.snapshots, AuditPath: auditPath,
		RequestTimeout: 10 * time.Second,
	}
	for scope, tok := range testTokens {
		opts.Tokens = append(opts.Tokens, Token{Name: scope.String(), SHA256: sha256.Sum256([]byte(tok)), Scope: scope})
	}
	if o.server != nil {
		o.server(&opts)
	}
	api.server, err = New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return api
}

// pausedState returns what Pause was last told for vmid, and whether it
// was told anything.
func (a *testAPI) pausedState(vmid int) (paused, told bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	paused, told = a.paused[vmid]
	return paused, told
}

// testRequest is one request to the harness's server.
type testRequest struct {
	method, target string
	// body is sent as application/json unless contentType says otherwise.
	body        string
	contentType string
	// scope picks the harness's token of that scope; ScopeNone sends none
	// (token, when set, is sent instead).
	scope Scope
	token string
	// apiKey sends the token in X-API-Key, the original's header, instead
	// of Authorization: Bearer.
	apiKey bool
	header http.Header // added as is
}

// newHTTPRequest builds r against base ("" for httptest's example.com).
func (r testRequest) newHTTPRequest(t testing.TB, base string) *http.Request {
	t.Helper()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	var req *http.Request
	if base == "" {
		req = httptest.NewRequest(r.method, r.target, body)
	} else {
		var err error
		req, err = http.NewRequest(r.method, base+r.target, body)
		if err != nil {
			t.Fatal(err)
		}
	}
	switch {
	case r.contentType != "":
		req.Header.Set("Content-Type", r.contentType)
	case r.body != "":
		req.Header.Set("Content-Type", "application/json")
	}
	tok := r.token
	if tok == "" {
		tok = testTokens[r.scope]
	}
	switch {
	case tok == "":
	case r.apiKey:
		req.Header.Set("X-API-Key", tok)
	default:
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for k, vs := range r.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	return req
}

// do serves r in process and returns the recorded answer.
func (a *testAPI) do(t testing.TB, r testRequest) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	a.server.Handler().ServeHTTP(rec, r.newHTTPRequest(t, ""))
	return rec
}

// decodeJSONBody decodes an answer's body into v, failing the test when
// it is not JSON of that shape.
func decodeJSONBody(t testing.TB, rec *httptest.ResponseRecorder, v any) {
	t.Helper()
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("body %q: %v", rec.Body.String(), err)
	}
}

// wantStatus fails the test unless rec has status want.
func wantStatus(t testing.TB, rec *httptest.ResponseRecorder, want int) {
	t.Helper()
	if rec.Code != want {
		t.Fatalf("status %d, want %d; body %s", rec.Code, want, rec.Body.String())
	}
}

// errorBody is the JSON of an Error as a client sees it.
type errorBody struct {
	Error  string            `json:"error"`
	Fields map[string]string `json:"fields"`
}

// fixedSnapshots is a Snapshotter returning a prepared snapshot.
type fixedSnapshots struct {
	mu   sync.Mutex
	snap controller.Snapshot
}

func (f *fixedSnapshots) Snapshot() controller.Snapshot {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.snap
}

func (f *fixedSnapshots) set(s controller.Snapshot) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.snap = s
}

func mustUnmarshal(t testing.TB, data []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", data, err)
	}
}
