package httpapi

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/lxc-autoscale/lxc-autoscale/controller"
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
			b := decodeCompat(t, rec)
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
	if cb := decodeCompat(t, rec); rec.Code != http.StatusBadGateway || !strings.Contains(cb.Message, reason) {
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
		o.Operations = controller.NewOperations(controller.OperationsOptions{Cluster: client, Logger: testLogger(t), TaskTimeout: time.Second})
	}})
	rec := api.do(t, testRequest{method: "GET", target: "/api/v1/containers/101/snapshots", scope: ScopeRead})
	wantStatus(t, rec, http.StatusBadGateway)
	if body := rec.Body.String(); !strings.Contains(body, "node unreachable") || strings.Contains(body, ln.Addr().String()) {
		t.Errorf("502 body %s; want 'node unreachable' without the address %s", body, ln.Addr())
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
