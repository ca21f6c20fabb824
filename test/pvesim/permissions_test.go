package pvesim_test

import (
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/acl"
)

// GET /access/permissions answers as PVE does: path -> privilege ->
// propagate (1), inherited from the paths above, for the caller, its own
// tokens, or anyone with Sys.Audit on /access.
func TestAccessPermissions(t *testing.T) {
	const limited = "autoscale@pve!ctl"
	h := newHarness(t, func(o *pvesim.Options) {
		o.Tokens = append(o.Tokens, limited+"=s2")
		o.Privileges = map[string]map[string][]string{
			limited: {"/vms": {"VM.Audit", "VM.Config.CPU"}, "/nodes": {"Sys.Audit"}, "/vms/100": {"VM.Config.Memory"}},
		}
	})
	as := func(token string, params url.Values) reply {
		return h.do(req{method: http.MethodGet, path: "/access/permissions", params: params,
			header: http.Header{"Authorization": {"PVEAPIToken=" + token}}})
	}
	var got map[string]map[string]int
	h.ok(as(limited+"=s2", url.Values{"path": {"/vms/100"}}), &got)
	if len(got) != 1 || len(got["/vms/100"]) != 3 || got["/vms/100"]["VM.Config.Memory"] != 1 || got["/vms/100"]["VM.Audit"] != 1 {
		t.Errorf("/vms/100 of the limited token: %v; want VM.Audit, VM.Config.CPU (from /vms) and VM.Config.Memory", got)
	}
	got = nil
	h.ok(as(limited+"=s2", url.Values{"path": {"/storage"}}), &got)
	if p, ok := got["/storage"]; !ok || len(p) != 0 {
		t.Errorf("/storage of the limited token: %v; want the path with no privileges", got)
	}
	got = nil
	h.ok(as(limited+"=s2", nil), &got)
	if _, ok := got["/vms/100"]; !ok || len(got["/"]) != 0 || got["/nodes"]["Sys.Audit"] != 1 {
		t.Errorf("the whole tree of the limited token: %v", got)
	}
	// A token without an entry is root's: everything on every path.
	got = nil
	h.ok(as(testToken, url.Values{"path": {"/storage"}}), &got)
	if len(got["/storage"]) != len(acl.All) {
		t.Errorf("root's token on /storage: %d privileges, want %d", len(got["/storage"]), len(acl.All))
	}
	// Another ID's privileges need Sys.Audit on /access.
	got = nil
	h.ok(as(testToken, url.Values{"userid": {limited}, "path": {"/vms"}}), &got)
	if !slices.Equal(keys(got["/vms"]), []string{"VM.Audit", "VM.Config.CPU"}) {
		t.Errorf("root reading the limited token's /vms: %v", got)
	}
	if r := as(limited+"=s2", url.Values{"userid": {"root@pam"}}); r.status != http.StatusForbidden {
		t.Errorf("the limited token reading root's: %d, want 403", r.status)
	}
	if r := as(limited+"=s2", url.Values{"userid": {"not a user"}}); r.status != http.StatusBadRequest {
		t.Errorf("a malformed userid: %d, want 400", r.status)
	}
}

func keys(m map[string]int) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
