package proxmox

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
)

const (
	testTokenID     = "root@pam!t"
	testTokenSecret = "5ecret-70ken-c0ffee"
	testUser        = "root@pam"
	testPassword    = "pa55w0rd-sw0rdf1sh"
)

// newSim starts a simulated cluster behind an httptest server.
func newSim(t testing.TB, opts pvesim.Options) (*pvesim.Sim, *httptest.Server) {
	t.Helper()
	if opts.Tokens == nil {
		opts.Tokens = []string{testTokenID + "=" + testTokenSecret}
	}
	if opts.Users == nil {
		opts.Users = map[string]string{testUser: testPassword}
	}
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	sim, err := pvesim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(func() {
		sim.Close()
		srv.Close()
	})
	return sim, srv
}

// newTestClient builds a token client for the given endpoints with fast
// retries; mutate adjusts the options.
func newTestClient(t testing.TB, endpoints []string, mutate func(*Options)) (*Client, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	o := Options{
		Endpoints:   endpoints,
		TokenID:     testTokenID,
		TokenSecret: testTokenSecret,
		Timeout:     5 * time.Second,
		Retry:       RetryOptions{Attempts: 3, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond},
		Registerer:  reg,
		Logger:      zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.InfoLevel),
	}
	if mutate != nil {
		mutate(&o)
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c, reg
}

// newSimClient starts a simulated cluster with a token client on it.
func newSimClient(t testing.TB, opts pvesim.Options, mutate func(*Options)) (*pvesim.Sim, *Client) {
	t.Helper()
	sim, srv := newSim(t, opts)
	c, _ := newTestClient(t, []string{srv.URL}, mutate)
	return sim, c
}

// mustConfig reads a container's config or stops the test.
func mustConfig(t testing.TB, c *Client, ref Ref) Config {
	t.Helper()
	cfg, err := c.Config(context.Background(), ref)
	if err != nil {
		t.Fatalf("Config(%s): %v", ref, err)
	}
	return cfg
}

// eventually polls cond until it holds and reports whether it did within
// a generous bound: tests wait on what the simulator observably did (its
// request log, its faults in force), never on a guessed duration.
func eventually(cond func() bool) bool {
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
}
