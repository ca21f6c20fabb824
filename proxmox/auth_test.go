package proxmox

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
)

// assertNoSecret fails when err's text holds any of the secrets (the
// alertmanager AssertNotifyLeaksNoSecret idea).
func assertNoSecret(t *testing.T, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("error %q leaks a secret", err)
		}
	}
}

// syncBuffer collects log output from concurrent requests.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func ticketClient(t *testing.T, url string, logs *syncBuffer, timeout time.Duration) *Client {
	c, _ := newTestClient(t, []string{url}, func(o *Options) {
		o.TokenID, o.TokenSecret = "", ""
		o.Username, o.Password = testUser, testPassword
		if logs != nil {
			o.Logger = zerolog.New(logs).Level(zerolog.DebugLevel)
		}
		if timeout > 0 {
			o.Timeout = timeout
		}
	})
	return c
}

func TestTicketAuthAndRenewal(t *testing.T) {
	t.Parallel()
	sim, srv := newSim(t, pvesim.Options{Nodes: 1, Containers: 1})
	logs := &syncBuffer{}
	c := ticketClient(t, srv.URL, logs, 0)
	var fake atomic.Int64
	fake.Store(time.Now().UnixNano())
	c.now = func() time.Time { return time.Unix(0, fake.Load()) }
	ctx := context.Background()

	ref := refOf(t, sim, 100)
	cfg, err := c.Config(ctx, ref)
	if err != nil {
		t.Fatalf("Config with ticket auth: %v", err)
	}
	// a write needs the CSRF token too
	if err := c.UpdateConfig(ctx, ref, ConfigUpdate{Cores: ptr(2), Digest: cfg.Digest}); err != nil {
		t.Fatalf("UpdateConfig with ticket auth: %v", err)
	}
	reqs := sim.Requests()
	if len(reqs) < 3 || reqs[0].Route != "/access/ticket" || reqs[0].Status != 200 {
		t.Fatalf("first request = %+v, want the login before anything else", reqs[0])
	}
	for _, r := range reqs {
		if r.Status == 401 {
			t.Errorf("request %s %s got 401: the client must log in before its first call", r.Method, r.Path)
		}
	}
	first := c.session.Load()

	// past TicketRenewAfter one caller renews while the others go on
	fake.Add(int64(61 * time.Minute))
	sim.ResetRequests()
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if _, err := c.Nodes(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := len(requestsFor(sim, "POST", "/access/ticket")); n != 1 {
		t.Errorf("%d ticket requests from 16 concurrent calls after an hour, want 1 renewal", n)
	}
	renewed := c.session.Load()
	if renewed == first || renewed.ticket == first.ticket {
		t.Error("ticket not renewed")
	}

	// the server expired the ticket behind the client's back: one 401, a
	// fresh login and the call still succeeds
	sim.Clock().Advance(3 * time.Hour)
	sim.ResetRequests()
	if _, err := c.Nodes(ctx); err != nil {
		t.Fatalf("Nodes after the ticket expired on the server: %v", err)
	}
	var statuses []string
	for _, r := range sim.Requests() {
		statuses = append(statuses, r.Method+" "+r.Route+" "+strconv.Itoa(r.Status))
	}
	want := []string{"GET /nodes 401", "POST /access/ticket 200", "GET /nodes 200"}
	if strings.Join(statuses, ",") != strings.Join(want, ",") {
		t.Errorf("requests = %v, want %v", statuses, want)
	}
	ticket := c.session.Load().ticket
	for _, s := range []string{testPassword, ticket, first.ticket, renewed.ticket} {
		if strings.Contains(logs.String(), s) {
			t.Errorf("logs leak a secret: %s", logs.String())
		}
	}
}

func TestTicketWrongPassword(t *testing.T) {
	t.Parallel()
	_, c := newSimClient(t, pvesim.Options{Nodes: 1, Containers: 1}, func(o *Options) {
		o.TokenID, o.TokenSecret = "", ""
		o.Username, o.Password = testUser, "not-"+testPassword
	})
	_, err := c.Nodes(context.Background())
	if !errors.Is(err, ErrAuth) || Retryable(err) {
		t.Fatalf("wrong password: error = %v, want a non-retryable ErrAuth", err)
	}
	assertNoSecret(t, err, "not-"+testPassword, testPassword)
}

func TestTLS(t *testing.T) {
	t.Parallel()
	sim, err := pvesim.New(pvesim.Options{Nodes: 1, Containers: 1, Tokens: []string{testTokenID + "=" + testTokenSecret}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(sim)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are the point
	srv.StartTLS()
	t.Cleanup(srv.Close)
	sum := sha256.Sum256(srv.Certificate().Raw)
	pin := colonHex(sum[:])
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	wrong := strings.Repeat("ab", 32)

	cases := []struct {
		name   string
		mutate func(*Options)
		ok     bool
	}{
		{"pinned, colons", func(o *Options) { o.Fingerprint = pin }, true},
		{"pinned, bare lower hex, second of two", func(o *Options) { o.Fingerprint = wrong + "," + strings.ToLower(hex.EncodeToString(sum[:])) }, true},
		{"wrong pin", func(o *Options) { o.Fingerprint = wrong }, false},
		{"ca file", func(o *Options) { o.CAFile = caFile }, true},
		{"system roots", func(o *Options) {}, false},
		{"insecure", func(o *Options) { o.InsecureSkipVerify = true }, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, _ := newTestClient(t, []string{srv.URL}, tc.mutate)
			_, err := c.Nodes(context.Background())
			if tc.ok {
				if err != nil {
					t.Fatalf("Nodes: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrTLS) || Retryable(err) {
				t.Fatalf("error = %v, want a non-retryable ErrTLS", err)
			}
			if tc.name == "wrong pin" && !strings.Contains(err.Error(), pin) {
				t.Errorf("error %q does not show the presented fingerprint %s", err, pin)
			}
			if n := testutil.ToFloat64(c.metrics.requests.WithLabelValues("GET", "/nodes", "error")); n != 1 {
				t.Errorf("%v attempts, want 1: a TLS failure is not retried", n)
			}
		})
	}
}

func TestOptionsValidation(t *testing.T) {
	t.Parallel()
	base := func() Options {
		return Options{Endpoints: []string{"https://pve1:8006"}, TokenID: "a@pve!b", TokenSecret: "s"}
	}
	cases := []struct {
		name   string
		mutate func(*Options)
		field  string // "" = valid
	}{
		{"valid", func(o *Options) {}, ""},
		{"valid with api suffix and ticket auth", func(o *Options) {
			o.Endpoints = []string{"https://pve1:8006/api2/json/", "http://10.0.0.2:8006"}
			o.TokenID, o.TokenSecret, o.Username, o.Password = "", "", "root@pam", "pw"
		}, ""},
		{"no endpoints", func(o *Options) { o.Endpoints = nil }, "Endpoints"},
		{"bad scheme", func(o *Options) { o.Endpoints = []string{"ftp://pve1"} }, "Endpoints[0]"},
		{"path", func(o *Options) { o.Endpoints = []string{"https://pve1:8006/x"} }, "Endpoints[0]"},
		{"no credentials", func(o *Options) { o.TokenID, o.TokenSecret = "", "" }, "TokenID/Username"},
		{"both credentials", func(o *Options) { o.Username, o.Password = "root@pam", "pw" }, "TokenID/Username"},
		{"token id shape", func(o *Options) { o.TokenID = "root@pam" }, "TokenID"},
		{"token secret", func(o *Options) { o.TokenSecret = "" }, "TokenSecret"},
		{"username shape", func(o *Options) { o.TokenID, o.TokenSecret, o.Username, o.Password = "", "", "root", "pw" }, "Username"},
		{"fingerprint", func(o *Options) { o.Fingerprint = "AB:CD" }, "Fingerprint"},
		{"pin and ca", func(o *Options) { o.Fingerprint, o.CAFile = strings.Repeat("ab", 32), "/x.pem" }, "Fingerprint/CAFile"},
		{"insecure and pin", func(o *Options) { o.InsecureSkipVerify, o.Fingerprint = true, strings.Repeat("ab", 32) }, "InsecureSkipVerify"},
		{"timeout", func(o *Options) { o.Timeout = time.Millisecond }, "Timeout"},
		{"concurrency", func(o *Options) { o.MaxConcurrency = 1000 }, "MaxConcurrency"},
		{"attempts", func(o *Options) { o.Retry.Attempts = -1 }, "Retry.Attempts"},
		{"backoff order", func(o *Options) { o.Retry.MinBackoff, o.Retry.MaxBackoff = time.Second, time.Millisecond }, "Retry.MinBackoff"},
		{"renewal", func(o *Options) { o.TicketRenewAfter = 3 * time.Hour }, "TicketRenewAfter"},
		{"ca file missing", func(o *Options) { o.CAFile = "/nonexistent/ca.pem" }, "CAFile"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := base()
			tc.mutate(&o)
			_, err := New(o)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("New = %v, want ok", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.field+":") {
				t.Fatalf("New error = %v, want one naming %s", err, tc.field)
			}
			assertNoSecret(t, err, "pw")
		})
	}
	// two clients on one registry collide; the second says so
	reg := prometheus.NewRegistry()
	o := base()
	o.Registerer = reg
	if _, err := New(o); err != nil {
		t.Fatal(err)
	}
	if _, err := New(o); err == nil {
		t.Error("second client on the same registry: no error")
	}
}
