package pvesimtest

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
)

// Serve starts a Sim built from o behind an httptest server and returns it
// with the server's URL. When the test ends the Sim closes first, releasing
// the requests that hang on a fault, then the server, which waits for them.
func Serve(tb testing.TB, o pvesim.Options) (*pvesim.Sim, string) {
	tb.Helper()
	sim, err := pvesim.New(o)
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	tb.Cleanup(func() {
		sim.Close()
		srv.Close()
	})
	return sim, srv.URL
}

// Start serves a Sim built from o that also accepts c's API token, and
// returns it, a client built from c on it (c.Endpoints empty: the Sim's
// URL) and the Sim's URL.
func Start(tb testing.TB, o pvesim.Options, c proxmox.Options) (*pvesim.Sim, *proxmox.Client, string) {
	tb.Helper()
	if c.TokenID != "" {
		o.Tokens = append(o.Tokens[:len(o.Tokens):len(o.Tokens)], c.TokenID+"="+c.TokenSecret)
	}
	sim, url := Serve(tb, o)
	if len(c.Endpoints) == 0 {
		c.Endpoints = []string{url}
	}
	client, err := proxmox.New(c)
	if err != nil {
		tb.Fatal(err)
	}
	return sim, client, url
}

// The API token FailFast's client uses.
const (
	TokenID     = "root@pam!test"
	TokenSecret = "7e57-5ecret"
)

// FailFast returns the options of a client for tests that count requests
// or inject faults: the TokenID token, one attempt (no retry hides a
// fault), 64 requests in flight, 10 s per request, no logs. A test
// changes what it needs before Start.
func FailFast() proxmox.Options {
	return proxmox.Options{
		TokenID: TokenID, TokenSecret: TokenSecret,
		Timeout: 10 * time.Second, MaxConcurrency: 64,
		Retry:  proxmox.RetryOptions{Attempts: 1},
		Logger: zerolog.Nop(),
	}
}
