package httpapi

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/controller/manual"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
)

// TestRepeatedQueryParameterRefused checks that a repeated query
// parameter is a 400 naming it on every kind of route, before anything
// acts on one of its values.
func TestRepeatedQueryParameterRefused(t *testing.T) {
	api := newTestAPI(t, testAPIOptions{})
	for _, tc := range []struct {
		req    testRequest
		name   string
		compat bool
	}{
		{testRequest{method: "DELETE", target: "/api/v1/containers/104?confirm=104&confirm=101", scope: ScopeAdmin}, "confirm", false},
		{testRequest{method: "DELETE", target: "/api/v1/containers/104?confirm=104&purge=1&purge=0", scope: ScopeAdmin}, "purge", false},
		{testRequest{method: "GET", target: "/api/v1/audit?limit=5&limit=500", scope: ScopeRead}, "limit", false},
		{testRequest{method: "GET", target: "/api/v1/containers?x=1&x=2", scope: ScopeRead}, "x", false},
		{testRequest{method: "GET", target: "/health/check?x=1&x=2"}, "x", false},
		{testRequest{method: "GET", target: "/readyz?x=1&x=2"}, "x", false},
		{testRequest{method: "GET", target: "/metrics?x=1&x=2"}, "x", false},
		{testRequest{method: "DELETE", target: "/clone/delete?vm_id=104&vm_id=101", body: `{"vm_id":104}`, scope: ScopeAdmin}, "vm_id", true},
		{testRequest{method: "GET", target: "/snapshot/list?vm_id=101&vm_id=102", scope: ScopeRead}, "vm_id", true},
	} {
		rec := api.do(t, tc.req)
		what := tc.req.method + " " + tc.req.target
		if rec.Code != http.StatusBadRequest {
			t.Errorf("%s = %d %s; want 400", what, rec.Code, rec.Body)
			continue
		}
		if tc.compat {
			var b struct {
				Status string   `json:"status"`
				Errors []string `json:"errors"`
			}
			decodeJSONBody(t, rec, &b)
			if b.Status != "error" || len(b.Errors) == 0 || !strings.HasPrefix(b.Errors[0], tc.name+" is given 2 times") {
				t.Errorf("%s body %s; want the original's envelope naming %s", what, rec.Body, tc.name)
			}
			continue
		}
		var b errorBody
		decodeJSONBody(t, rec, &b)
		if !strings.Contains(b.Fields[tc.name], "given 2 times") {
			t.Errorf("%s body %s; want field %s named", what, rec.Body, tc.name)
		}
	}
	if _, ok := api.sim.Container(104); !ok {
		t.Fatal("container 104 deleted by a request with two confirm values")
	}
}

// TestProxmoxServerErrorIsBadGateway checks that a 5xx of Proxmox on a
// manual operation reaches the client as 502 with PVE's reason, on the
// versioned and the original's routes, while nothing else changes.
func TestProxmoxServerErrorIsBadGateway(t *testing.T) {
	api := newTestAPI(t, testAPIOptions{})
	const reason = "storage 'local-lvm' is not online"
	api.sim.InjectFault(pvesim.Fault{Method: "POST", Route: "/nodes/{node}/lxc/{vmid}/snapshot", Status: 500, Reason: reason})

	rec := api.do(t, testRequest{method: "POST", target: "/api/v1/containers/101/snapshots", scope: ScopeOperate, body: `{"name":"s1"}`})
	wantStatus(t, rec, http.StatusBadGateway)
	var b errorBody
	decodeJSONBody(t, rec, &b)
	if !strings.Contains(b.Error, reason) {
		t.Errorf("502 body %s does not carry PVE's reason %q", rec.Body, reason)
	}
	assertNothingSecret(t, rec.Body.String())

	rec = api.do(t, testRequest{method: "POST", target: "/snapshot/create", scope: ScopeOperate, body: `{"vm_id":101,"snapshot_name":"s2"}`})
	var cb struct {
		Message string `json:"message"`
	}
	decodeJSONBody(t, rec, &cb)
	if rec.Code != http.StatusBadGateway || !strings.Contains(cb.Message, reason) {
		t.Errorf("original's route: %d %s; want 502 with PVE's reason", rec.Code, rec.Body)
	}
}

// TestProxmoxUnreachableIsBadGateway checks that an endpoint that does
// not answer at all is a 502 that does not show the address dialled.
func TestProxmoxUnreachableIsBadGateway(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there any more: connection refused
	client, err := proxmox.New(proxmox.Options{
		Endpoints: []string{dead}, TokenID: testPVETokenID, TokenSecret: testPVETokenSecret,
		Timeout: 5 * time.Second, Retry: proxmox.RetryOptions{Attempts: 1}, Logger: testLogger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	api := newTestAPI(t, testAPIOptions{server: func(o *Options) {
		o.Operations = manual.New(manual.Options{Cluster: client, Logger: testLogger(t), TaskTimeout: time.Second})
	}})
	rec := api.do(t, testRequest{method: "GET", target: "/api/v1/containers/101/snapshots", scope: ScopeRead})
	wantStatus(t, rec, http.StatusBadGateway)
	if body := rec.Body.String(); !strings.Contains(body, "Proxmox VE API: no answer") || strings.Contains(body, ln.Addr().String()) {
		t.Errorf("502 body %s; want 'no answer' without the address %s", body, ln.Addr())
	}
}

// assertNothingSecret fails when text holds a token of the harness.
func assertNothingSecret(t *testing.T, text string) {
	t.Helper()
	for _, secret := range []string{testPVETokenSecret, testReadToken, testOperateToken, testAdminToken} {
		if strings.Contains(text, secret) {
			t.Errorf("%q leaks a secret", text)
		}
	}
}

// serveForTest serves api's server on a loopback port through ServeOn,
// as the daemon does, and returns its base address.
func serveForTest(t *testing.T, api *testAPI) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- api.server.ServeOn(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ServeOn: %v", err)
		}
	})
	return ln.Addr().String()
}

// waitFor polls cond, an observable state of the server, until it holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestHeadersOverTheLimitAre431 checks that a request with 100 KiB of
// headers is refused before it is read further.
func TestHeadersOverTheLimitAre431(t *testing.T) {
	api := newTestAPI(t, testAPIOptions{})
	addr := serveForTest(t, api)
	req, err := http.NewRequest("GET", "http://"+addr+"/healthz", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Padding", strings.Repeat("a", 100<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("100 KiB of headers: %s, want 431", resp.Status)
	}
	req.Header.Set("X-Padding", strings.Repeat("a", 32<<10))
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("32 KiB of headers: %s, want 200", resp.Status)
	}
}

// TestConnectionsBeyondTheLimitWait checks that with MaxConnections 2 a
// third connection is held, unserved, until one of the two closes.
func TestConnectionsBeyondTheLimitWait(t *testing.T) {
	api := newTestAPI(t, testAPIOptions{server: func(o *Options) { o.MaxConnections = 2 }})
	addr := serveForTest(t, api)
	gauge := func(name string) float64 {
		g := api.server.metrics.connectionsOpen
		if name == "waiting" {
			g = api.server.metrics.connectionsWaiting
		}
		return testutil.ToFloat64(g)
	}
	const request = "GET /healthz HTTP/1.1\r\nHost: lxc-autoscale\r\n\r\n"
	dial := func() (net.Conn, *bufio.Reader) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		if _, err := io.WriteString(c, request); err != nil {
			t.Fatal(err)
		}
		return c, bufio.NewReader(c)
	}
	status := func(r *bufio.Reader) int {
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// Two kept-alive connections, each answered: both slots are taken.
	first, r1 := dial()
	_, r2 := dial()
	if a, b := status(r1), status(r2); a != 200 || b != 200 {
		t.Fatalf("first two connections: %d %d, want 200 200", a, b)
	}
	_, r3 := dial()
	waitFor(t, "the third connection to wait for a slot", func() bool { return gauge("waiting") == 1 })
	if open := gauge("open"); open != 2 {
		t.Fatalf("%v connections served with a limit of 2", open)
	}
	first.Close()
	if got := status(r3); got != 200 {
		t.Fatalf("third connection after the first closed: %d, want 200", got)
	}
	if waiting := gauge("waiting"); waiting != 0 {
		t.Errorf("%v connections still waiting", waiting)
	}
}

// lockedBuffer collects log output written from handlers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// doFrom serves r as if sent from the client address addr.
func (a *testAPI) doFrom(t *testing.T, addr string, r testRequest) *httptest.ResponseRecorder {
	t.Helper()
	req := r.newHTTPRequest(t, "")
	req.RemoteAddr = addr + ":40000"
	rec := httptest.NewRecorder()
	a.server.Handler().ServeHTTP(rec, req)
	return rec
}

// TestFailedAuthenticationsLimitedAndLogged checks that wrong tokens are
// logged with the address and reason but never the token or its hash,
// and that an address that failed too often is refused with 429 even
// with a valid token, while other addresses are not.
func TestFailedAuthenticationsLimitedAndLogged(t *testing.T) {
	logs := &lockedBuffer{}
	clock := newHealthClock()
	api := newTestAPI(t, testAPIOptions{server: func(o *Options) {
		o.Logger = zerolog.New(logs)
		o.RateLimit, o.Burst = 1000, 1000 // the ordinary limit stays out of the way
		o.AuthFailureBurst, o.AuthFailureRefill = 3, time.Minute
		o.Now = clock.Now
	}})
	const guess = "guessed-token-6f1e2d"
	guessHash := sha256.Sum256([]byte(guess))
	attacker, neighbour := "198.51.100.7", "198.51.100.8"
	target := "/api/v1/nodes"

	// Without any token: an ordinary 401, not a failed guess.
	for range 5 {
		if rec := api.doFrom(t, attacker, testRequest{method: "GET", target: target}); rec.Code != http.StatusUnauthorized {
			t.Fatalf("no token: %d, want 401", rec.Code)
		}
	}
	for i := range 3 {
		rec := api.doFrom(t, attacker, testRequest{method: "GET", target: target, token: guess})
		if rec.Code != http.StatusUnauthorized {
			t.Fatalf("wrong token #%d: %d, want 401", i+1, rec.Code)
		}
	}
	rec := api.doFrom(t, attacker, testRequest{method: "GET", target: target, token: guess})
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("fourth wrong token: %d (Retry-After %q), want 429 with Retry-After", rec.Code, rec.Header().Get("Retry-After"))
	}
	if rec := api.doFrom(t, attacker, testRequest{method: "GET", target: target, scope: ScopeRead}); rec.Code != http.StatusTooManyRequests {
		t.Errorf("valid token from a blocked address: %d, want 429 (a hit must look like a miss)", rec.Code)
	}
	if rec := api.doFrom(t, attacker, testRequest{method: "GET", target: "/", token: guess}); rec.Code != http.StatusTooManyRequests {
		t.Errorf("status page from a blocked address: %d, want 429", rec.Code)
	}
	if rec := api.doFrom(t, neighbour, testRequest{method: "GET", target: target, scope: ScopeRead}); rec.Code != http.StatusOK {
		t.Errorf("valid token from another address: %d, want 200", rec.Code)
	}
	clock.Advance(time.Minute)
	if rec := api.doFrom(t, attacker, testRequest{method: "GET", target: target, scope: ScopeRead}); rec.Code != http.StatusOK {
		t.Errorf("valid token after the refill: %d, want 200", rec.Code)
	}

	out := logs.String()
	if n := strings.Count(out, `"message":"authentication failed"`); n != 3 {
		t.Errorf("%d failed authentications logged, want 3:\n%s", n, out)
	}
	if !strings.Contains(out, `"client":"`+attacker+`"`) || !strings.Contains(out, `"reason":"unknown_token"`) {
		t.Errorf("log does not name the address and reason:\n%s", out)
	}
	for _, secret := range []string{guess, hex.EncodeToString(guessHash[:]), testReadToken} {
		if strings.Contains(out, secret) {
			t.Errorf("log holds %q:\n%s", secret, out)
		}
	}
	if got := testutil.ToFloat64(api.server.metrics.authFailures.WithLabelValues(authUnknownToken)); got != 3 {
		t.Errorf("auth_failures_total{reason=unknown_token} = %v, want 3", got)
	}
	if got := testutil.ToFloat64(api.server.metrics.authFailures.WithLabelValues(authRateLimited)); got != 3 {
		t.Errorf("auth_failures_total{reason=rate_limited} = %v, want 3", got)
	}
}

// TestHealthDetailsNeedAToken checks that /readyz and /health/check tell
// anyone the status, and only a token holder the reasons: Proxmox's
// address and errors and the number of tokens.
func TestHealthDetailsNeedAToken(t *testing.T) {
	api := newTestAPI(t, testAPIOptions{})
	api.sim.InjectFault(pvesim.Fault{Method: "GET", Route: "/nodes", Status: 401, Reason: "authentication failure"})
	pveHost := strings.TrimPrefix(api.pveURL, "http://")
	for _, tc := range []struct {
		name    string
		req     testRequest
		details bool
	}{
		{"no token", testRequest{}, false},
		{"wrong token", testRequest{token: "not-a-token"}, false},
		{"read token", testRequest{scope: ScopeRead}, true},
		{"admin token", testRequest{scope: ScopeAdmin}, true},
	} {
		for _, path := range []string{"/readyz", "/health/check"} {
			req := tc.req
			req.method, req.target = "GET", path
			rec := api.do(t, req)
			body := rec.Body.String()
			if rec.Code != http.StatusServiceUnavailable {
				t.Errorf("%s, %s: %d, want 503", tc.name, path, rec.Code)
			}
			var b struct {
				Status string          `json:"status"`
				Reason string          `json:"reason"`
				Checks json.RawMessage `json:"checks"`
			}
			decodeJSONBody(t, rec, &b)
			if b.Status != "not ready" && b.Status != "unhealthy" {
				t.Errorf("%s, %s: status %q", tc.name, path, b.Status)
			}
			shows := b.Reason != "" || len(b.Checks) > 0
			if shows != tc.details {
				t.Errorf("%s, %s: body %s; details shown %v, want %v", tc.name, path, body, shows, tc.details)
			}
			if !tc.details {
				for _, leak := range []string{"Proxmox", "401", pveHost, "tokens"} {
					if strings.Contains(body, leak) {
						t.Errorf("%s, %s: body %s shows %q to anyone", tc.name, path, body, leak)
					}
				}
			}
		}
	}
}

// startLongTask starts a snapshot of 101 on a cluster whose clock only
// moves when the test says (pvesim Speed 0), so the task runs until
// FinishTasks, and returns its id.
func startLongTask(t *testing.T, api *testAPI) string {
	t.Helper()
	rec := api.do(t, testRequest{method: "POST", target: "/api/v1/containers/101/snapshots", scope: ScopeOperate, body: `{"name":"long"}`})
	wantStatus(t, rec, http.StatusAccepted)
	var started v1TaskResponse
	decodeJSONBody(t, rec, &started)
	return started.Task.ID
}

func taskStatusPolls(api *testAPI) int {
	n := 0
	for _, r := range api.sim.Requests() {
		if r.Route == "/nodes/{node}/tasks/{upid}/status" {
			n++
		}
	}
	return n
}

// TestTaskWaitersSharePolls checks that many clients waiting on one task
// cost Proxmox what one waiter does: alone, each would poll at least once
// (and about 5 times a second at first).
func TestTaskWaitersSharePolls(t *testing.T) {
	api := newTestAPI(t, testAPIOptions{sim: func(o *pvesim.Options) { o.Speed = 0 }})
	id := startLongTask(t, api)
	api.sim.ResetRequests()
	const waiters = 40
	target := "/api/v1/tasks/" + url.PathEscape(id) + "?wait=1s"
	var wg sync.WaitGroup
	codes := make([]int, waiters)
	for i := range waiters {
		wg.Go(func() {
			rec := api.do(t, testRequest{method: "GET", target: target, scope: ScopeRead})
			var got v1TaskResponse
			if rec.Code == http.StatusOK {
				decodeJSONBody(t, rec, &got)
				if got.Task.Done {
					t.Errorf("waiter %d: task done while the cluster's clock stands still", i)
				}
			}
			codes[i] = rec.Code
		})
	}
	wg.Wait()
	for i, code := range codes {
		if code != http.StatusOK {
			t.Errorf("waiter %d: %d, want 200", i, code)
		}
	}
	if polls := taskStatusPolls(api); polls >= waiters/2 {
		t.Errorf("%d waiters of one task made %d Proxmox task polls; want those of one waiter (well under %d)", waiters, polls, waiters/2)
	} else {
		t.Logf("%d waiters of one task made %d Proxmox task polls", waiters, polls)
	}
}

// TestTaskWaitsCapped checks that waits beyond MaxTaskWaits are refused
// with 503 and Retry-After, and that the waits in progress still end
// with the task.
func TestTaskWaitsCapped(t *testing.T) {
	api := newTestAPI(t, testAPIOptions{
		sim:    func(o *pvesim.Options) { o.Speed = 0 },
		server: func(o *Options) { o.MaxTaskWaits = 2 },
	})
	id := startLongTask(t, api)
	target := "/api/v1/tasks/" + url.PathEscape(id) + "?wait=9s"
	var wg sync.WaitGroup
	done := make([]bool, 2)
	for i := range 2 {
		wg.Go(func() {
			rec := api.do(t, testRequest{method: "GET", target: target, scope: ScopeRead})
			var got v1TaskResponse
			if rec.Code == http.StatusOK {
				decodeJSONBody(t, rec, &got)
			}
			done[i] = rec.Code == http.StatusOK && got.Task.Done
		})
	}
	waitFor(t, "two waits in progress", func() bool { return testutil.ToFloat64(api.server.metrics.taskWaits) == 2 })
	rec := api.do(t, testRequest{method: "GET", target: target, scope: ScopeRead})
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Errorf("third wait: %d (Retry-After %q) %s; want 503 with Retry-After", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
	if rec := api.do(t, testRequest{method: "GET", target: "/api/v1/tasks/" + url.PathEscape(id), scope: ScopeRead}); rec.Code != http.StatusOK {
		t.Errorf("a read without wait while the waits are full: %d, want 200", rec.Code)
	}
	api.sim.FinishTasks()
	wg.Wait()
	if !done[0] || !done[1] {
		t.Errorf("waiters saw the task done: %v, want both", done)
	}
}
