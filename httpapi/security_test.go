package httpapi

import (
	"net/http"
	"strings"
	"testing"
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
