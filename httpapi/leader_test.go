package httpapi

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// On a follower, reads are served and writes answer 503 naming the
// leader, after authentication; nothing reaches Proxmox.
func TestWritesOnAFollowerNameTheLeader(t *testing.T) {
	var leading atomic.Bool
	api := newTestAPI(t, testAPIOptions{server: func(o *Options) {
		o.Leadership = func() (bool, string) {
			if leading.Load() {
				return true, "me"
			}
			return false, "pve-ctl-2:4242:0a1b2c3d"
		}
	}})
	wantStatus(t, api.do(t, testRequest{method: "GET", target: "/api/v1/containers/101", scope: ScopeRead}), http.StatusOK)
	before := api.sim.RequestCount()
	rec := api.do(t, testRequest{method: "POST", target: "/api/v1/containers/101/disks/rootfs/grow", body: `{"grow_gb":1}`, scope: ScopeOperate})
	wantStatus(t, rec, http.StatusServiceUnavailable)
	var body notLeader
	decodeJSONBody(t, rec, &body)
	if body.Leader != "pve-ctl-2:4242:0a1b2c3d" || !strings.Contains(body.Error, "not the leader") || rec.Header().Get("Retry-After") == "" {
		t.Errorf("follower's answer %+v (Retry-After %q)", body, rec.Header().Get("Retry-After"))
	}
	if n := api.sim.RequestCount() - before; n != 0 {
		t.Errorf("a refused write sent %d requests to Proxmox", n)
	}
	// Without a token: 401, not who leads.
	rec = api.do(t, testRequest{method: "POST", target: "/api/v1/containers/101/pause"})
	wantStatus(t, rec, http.StatusUnauthorized)
	if strings.Contains(rec.Body.String(), "pve-ctl-2") {
		t.Error("an unauthenticated caller learned the leader")
	}
	// The status page says who leads.
	rec = api.do(t, testRequest{method: "GET", target: "/", scope: ScopeRead})
	wantStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), "pve-ctl-2:4242:0a1b2c3d (another replica; this one follows") {
		t.Error("the status page of a follower does not name the leader")
	}
	leading.Store(true)
	wantStatus(t, api.do(t, testRequest{method: "POST", target: "/api/v1/containers/101/pause", scope: ScopeOperate}), http.StatusOK)
}
