package compat_test

import (
	"crypto/sha256"
	"io"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/controller"
	"github.com/lxc-autoscale/lxc-autoscale/controller/audit"
	"github.com/lxc-autoscale/lxc-autoscale/controller/manual"
	"github.com/lxc-autoscale/lxc-autoscale/httpapi"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesimtest"
)

// The original's routes are tested as scripts use them: through the whole
// server (httpapi, with its tokens and middleware) on a simulated cluster
// (pvesim) over HTTP, with real Operations and an audit file.

const (
	testPVETokenID     = "root@pam!compat"
	testPVETokenSecret = "compat-test-secret"
)

// testTokens maps each scope to the harness's token of that scope.
var testTokens = map[httpapi.Scope]string{
	httpapi.ScopeRead: "test-read-51a0c2", httpapi.ScopeOperate: "test-operate-7d19e4", httpapi.ScopeAdmin: "test-admin-c03b77",
}

// testAPI is a server on a simulated cluster.
type testAPI struct {
	sim    *pvesim.Sim
	server *httpapi.Server
}

// testAPIOptions adjust the harness: sim before pvesim.New, server before
// httpapi.New.
type testAPIOptions struct {
	sim    func(*pvesim.Options)
	server func(*httpapi.Options)
}

func newTestAPI(t testing.TB, o testAPIOptions) *testAPI {
	t.Helper()
	simOpts := pvesim.Options{
		Nodes: 2, Seed: 11,
		Specs: []pvesim.ContainerSpec{
			{VMID: 101, Node: "pve1", Name: "web", Cores: 2, MemoryMiB: 1024, SwapMiB: 512, DiskGiB: 8},
			{VMID: 102, Node: "pve1", Name: "db", Cores: 4, MemoryMiB: 4096, DiskGiB: 16},
			{VMID: 103, Node: "pve1", Name: "keep", Cores: 1, MemoryMiB: 512, DiskGiB: 4, Protection: true},
			{VMID: 104, Node: "pve2", Name: "cache", Cores: 1, MemoryMiB: 512, DiskGiB: 4},
		},
		// A task of 2 simulated seconds takes 2 ms.
		Speed: 1000,
	}
	if o.sim != nil {
		o.sim(&simOpts)
	}
	log := zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel)
	sim, client, _ := pvesimtest.Start(t, simOpts, proxmox.Options{
		TokenID: testPVETokenID, TokenSecret: testPVETokenSecret, Timeout: 5 * time.Second, Logger: log,
		Retry: proxmox.RetryOptions{Attempts: 2, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond},
	})
	audit, err := audit.Open(audit.Options{Path: filepath.Join(t.TempDir(), "audit.jsonl")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { audit.Close() })
	ops := manual.New(manual.Options{Cluster: client, Audit: audit, Logger: log, TaskTimeout: 10 * time.Second, WatchTasks: true, Actuator: controller.NewActuator(controller.ActuatorOptions{Cluster: client, Logger: log, Audit: audit})})
	t.Cleanup(ops.Close) // before the audit closes
	opts := httpapi.Options{Logger: log, Operations: ops, RequestTimeout: 10 * time.Second}
	for scope, tok := range testTokens {
		opts.Tokens = append(opts.Tokens, httpapi.Token{Name: scope.String(), SHA256: sha256.Sum256([]byte(tok)), Scope: scope})
	}
	if o.server != nil {
		o.server(&opts)
	}
	server, err := httpapi.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return &testAPI{sim: sim, server: server}
}

// testRequest is one request to the harness's server.
type testRequest struct {
	method, target string
	// body is sent as application/json unless contentType says otherwise.
	body        string
	contentType string
	// scope picks the harness's token of that scope; ScopeNone sends none
	// (token, when set, is sent instead).
	scope httpapi.Scope
	token string
	// apiKey sends the token in X-API-Key, the original's header, instead
	// of Authorization: Bearer.
	apiKey bool
}

// do serves r in process and returns the recorded answer.
func (a *testAPI) do(t testing.TB, r testRequest) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	req := httptest.NewRequest(r.method, r.target, body)
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
	rec := httptest.NewRecorder()
	a.server.Handler().ServeHTTP(rec, req)
	return rec
}

// The scopes, as the tests name them.
const (
	ScopeNone    = httpapi.ScopeNone
	ScopeRead    = httpapi.ScopeRead
	ScopeOperate = httpapi.ScopeOperate
	ScopeAdmin   = httpapi.ScopeAdmin
)
