package proxmox

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"testing"
)

// TestEndpointDefaultPort checks that an endpoint without a port means
// pveproxy's 8006, for https and http, while a given port is kept.
func TestEndpointDefaultPort(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"https://pve1", "https://pve1:8006"},
		{"https://pve1/", "https://pve1:8006"},
		{"https://pve1/api2/json", "https://pve1:8006"},
		{"http://127.0.0.1", "http://127.0.0.1:8006"},
		{"https://[fd00::1]", "https://[fd00::1]:8006"},
		{"https://pve1:443", "https://pve1:443"},
		{"https://pve1:8006", "https://pve1:8006"},
	} {
		o := Options{Endpoints: []string{tc.in}, TokenID: "a@pve!b", TokenSecret: "s"}
		eps, _, err := o.normalize()
		if err != nil {
			t.Fatalf("normalize(%q): %v", tc.in, err)
		}
		if eps[0].base != tc.want {
			t.Errorf("endpoint %q became %q, want %q", tc.in, eps[0].base, tc.want)
		}
	}
}

// TestEndpointDialsPort8006 checks the address actually dialled for an
// endpoint written without a port.
func TestEndpointDialsPort8006(t *testing.T) {
	t.Parallel()
	var (
		mu     sync.Mutex
		dialed []string
	)
	refused := errors.New("refused by the test dialer")
	tr := &http.Transport{DialContext: func(_ context.Context, _, addr string) (net.Conn, error) {
		mu.Lock()
		dialed = append(dialed, addr)
		mu.Unlock()
		return nil, refused
	}}
	for _, endpoint := range []string{"https://pve1.invalid", "http://127.0.0.1"} {
		c, _ := newTestClient(t, []string{endpoint}, func(o *Options) {
			o.HTTPClient = &http.Client{Transport: tr}
			o.Retry.Attempts = 1
		})
		if _, err := c.Nodes(context.Background()); err == nil {
			t.Fatalf("Nodes on %s through a refusing dialer succeeded", endpoint)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{"pve1.invalid:8006", "127.0.0.1:8006"}
	if len(dialed) != len(want) || dialed[0] != want[0] || dialed[1] != want[1] {
		t.Errorf("dialled %q, want %q", dialed, want)
	}
}
