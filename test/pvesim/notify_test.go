package pvesim_test

import (
	"net/http"
	"testing"
)

// The leader lease's object behaves as PVE's notifications.cfg does
// (proxmox-notify through PVE/API2/Cluster/Notifications.pm): one digest
// for the whole file, 400 on a stale digest and on a duplicate create,
// 404 on a missing matcher.
func TestNotificationMatcherCompareAndSet(t *testing.T) {
	h := newHarness(t, nil)
	const path = "/cluster/notifications/matchers/lease"
	if r := h.get(path, nil); r.status != http.StatusNotFound || r.reason != "matcher 'lease' not found" {
		t.Fatalf("missing matcher: %d %q, want 404 \"matcher 'lease' not found\"", r.status, r.reason)
	}
	h.ok(h.do(req{method: http.MethodPost, path: "/cluster/notifications/matchers", params: form("name", "lease", "comment", "holder=a", "disable", "1")}), nil)
	if r := h.do(req{method: http.MethodPost, path: "/cluster/notifications/matchers", params: form("name", "lease", "comment", "holder=b")}); r.status != http.StatusBadRequest ||
		r.reason != "Cannot create 'lease', an entity with the same name already exists" {
		t.Fatalf("duplicate create: %d %q", r.status, r.reason)
	}
	type matcher struct {
		Name, Comment, Digest string
		Disable               bool
	}
	var m matcher
	h.ok(h.get(path, nil), &m)
	if m.Name != "lease" || m.Comment != "holder=a" || !m.Disable || len(m.Digest) != 64 {
		t.Fatalf("matcher %+v: want name lease, comment holder=a, disabled, a SHA-256 digest", m)
	}
	first := m.Digest

	// An unrelated edit of the file changes the digest of every matcher.
	h.ok(h.do(req{method: http.MethodPost, path: "/cluster/notifications/matchers", params: form("name", "other")}), nil)
	h.ok(h.get(path, nil), &m)
	if m.Digest == first {
		t.Fatal("creating another matcher left the lease matcher's digest unchanged")
	}
	stale := h.do(req{method: http.MethodPut, path: path, params: form("comment", "holder=b", "digest", first)})
	if stale.status != http.StatusBadRequest || stale.reason != "detected modified configuration - file changed by other user? Try again." {
		t.Fatalf("stale digest: %d %q, want 400 with proxmox-notify's message", stale.status, stale.reason)
	}
	h.ok(h.do(req{method: http.MethodPut, path: path, params: form("comment", "holder=b", "digest", m.Digest)}), nil)
	var after matcher
	h.ok(h.get(path, nil), &after)
	if after.Comment != "holder=b" || !after.Disable || after.Digest == m.Digest {
		t.Fatalf("after the update: %+v", after)
	}
	// The same digest twice: the second compare-and-set loses.
	if r := h.do(req{method: http.MethodPut, path: path, params: form("comment", "holder=c", "digest", m.Digest)}); r.status != http.StatusBadRequest {
		t.Fatalf("second update on one digest: %d %q, want 400", r.status, r.reason)
	}
	if r := h.do(req{method: http.MethodPut, path: "/cluster/notifications/matchers/nope", params: form("comment", "x")}); r.status != http.StatusNotFound {
		t.Fatalf("update of a missing matcher: %d %q, want 404", r.status, r.reason)
	}
	if r := h.do(req{method: http.MethodPut, path: path, params: form("target", "mail-to-root")}); r.status != http.StatusBadRequest || r.errors["target"] == "" {
		t.Fatalf("an unsimulated parameter: %d %q %v, want 400 naming it", r.status, r.reason, r.errors)
	}
}
