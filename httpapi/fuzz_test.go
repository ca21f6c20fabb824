package httpapi

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// fuzzMethods are the methods a fuzz input picks from by index; an index
// past the list sends the input's own method.
var fuzzMethods = []string{
	http.MethodGet, http.MethodPost, http.MethodDelete, http.MethodPut, http.MethodPatch,
	http.MethodHead, http.MethodOptions, "TRACE", "CONNECT", "BREW",
}

// fuzzPaths are real routes (and near misses) the input's path is added
// to, as a query string or as further segments.
var fuzzPaths = []string{
	"/scale/cores", "/scale/ram", "/scale/storage/increase", "/snapshot/create", "/snapshot/list",
	"/snapshot/rollback", "/clone/create", "/clone/delete", "/resource/vm/status", "/resource/lxc/status",
	"/resource/lxc/config", "/resource/vm/config", "/resource/node/status", "/resource/cluster/status",
	"/routes", "/health/check", "/healthz", "/readyz", "/metrics", "/",
	"/api/v1/containers", "/api/v1/containers/101", "/api/v1/containers/101/resources",
	"/api/v1/containers/101/disks/rootfs/grow", "/api/v1/containers/101/snapshots",
	"/api/v1/containers/101/snapshots/s1/rollback", "/api/v1/containers/101/clone",
	"/api/v1/containers/101/pause", "/api/v1/nodes", "/api/v1/decisions", "/api/v1/audit",
	"/api/v1/tasks/UPID:pve1:0001", "/api/v1/openapi.json", "/scale", "/resource//status",
}

var fuzzContentTypes = []string{
	"application/json", "", "application/json; charset=utf-8", "text/plain",
	"application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json;;", "APPLICATION/JSON",
}

// FuzzServer sends arbitrary methods, paths, headers and bodies to the
// server on a healthy simulated cluster: it must never panic (the recover
// middleware would answer 500) and never answer a 5xx, since nothing here
// makes the backend fail.
func FuzzServer(f *testing.F) {
	api := newTestAPI(f, testAPIOptions{server: func(o *Options) { o.RequestTimeout = 5 * time.Second }})
	seeds := []struct {
		method      uint8
		rawMethod   string
		path        uint8 // twice the index in fuzzPaths: the suffix is the query
		suffix      string
		auth        uint8
		contentType uint8
		body        string
	}{
		{1, "", 0, "", 2, 0, `{"vm_id":101,"cores":2}`},
		{1, "", 4, "", 2, 0, `{"lxc_id":"101","disk_size":1}`},
		{1, "", 12, "", 3, 0, `{"vm_id":102,"new_vm_id":"250","hostname":"a_b"}`},
		{2, "", 14, "", 3, 0, `{"container_id":250}`},
		{0, "", 8, "vm_id=101", 1, 1, ""},
		{0, "", 24, "node_name=pve1", 1, 1, ""},
		{0, "", 16, "vm_id=1e3&lxc_id=1000", 1, 1, ""},
		{1, "", 0, "", 2, 0, `{"vm_id":1e400,"cores":-1}`},
		{1, "", 0, "", 2, 0, `{"vm_id":101,"cores":2}{"x":1}`},
		{1, "", 6, "", 2, 4, "vm_id=101&snapshot_name=a"},
		{1, "", 6, "", 2, 0, `{"vm_id":101,"snapshot_name":"` + strings.Repeat("a", 100) + `"}`},
		{0, "", 38, "", 1, 1, ""},
		{0, "", 40, "", 1, 1, ""},
		{3, "", 44, "", 2, 0, `{"cores":2,"memory_mb":1024}`},
		{1, "", 46, "", 2, 0, `{"grow_gb":1}`},
		{2, "", 42, "confirm=101", 3, 1, ""},
		{0, "", 30, "", 0, 1, ""},
		{0, "", 36, "", 1, 1, ""},
		{10, "M-SEARCH", 28, "", 1, 1, ""},
		{5, "", 32, "", 0, 1, ""},
		{0, "", 69, "../../etc/passwd", 1, 1, ""},
		{1, "", 0, "%zz", 2, 0, `null`},
		{1, "", 2, "", 2, 0, `{"vm_id":true,"memory":[1]}`},
	}
	for _, s := range seeds {
		f.Add(s.method, s.rawMethod, s.path, s.suffix, s.auth, s.contentType, []byte(s.body))
	}
	tokens := []string{"", testReadToken, testOperateToken, testAdminToken}
	f.Fuzz(func(t *testing.T, methodIdx uint8, rawMethod string, pathIdx uint8, suffix string, auth, contentTypeIdx uint8, body []byte) {
		method := rawMethod
		if int(methodIdx) < len(fuzzMethods) {
			method = fuzzMethods[methodIdx]
		}
		// Even picks put the suffix in the query, odd ones in the path;
		// past the list, the suffix is the whole path.
		target := "/" + strings.TrimPrefix(suffix, "/")
		if i := int(pathIdx) / 2; i < len(fuzzPaths) {
			if pathIdx%2 == 0 {
				target = fuzzPaths[i] + "?" + suffix
			} else {
				target = strings.TrimSuffix(fuzzPaths[i], "/") + "/" + suffix
			}
		}
		req, err := http.NewRequest(method, "http://api.test"+target, bytes.NewReader(body))
		if err != nil {
			return // not a request a client can send
		}
		req.RemoteAddr = "192.0.2.1:4711"
		if ct := fuzzContentTypes[int(contentTypeIdx)%len(fuzzContentTypes)]; ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		switch tok := tokens[auth%4]; (auth / 4) % 4 {
		case 0:
			if tok != "" {
				req.Header.Set("Authorization", "Bearer "+tok)
			}
		case 1:
			req.Header.Set("X-API-Key", tok)
		case 2:
			req.Header.Set("Authorization", "Basic "+tok)
		case 3:
			req.Header.Set("Authorization", "Bearer "+tok+"x")
		}
		rec := httptest.NewRecorder()
		api.server.Handler().ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %q (auth %d, content type %q, body %q) = %d %s", method, target, auth, req.Header.Get("Content-Type"), body, rec.Code, rec.Body)
		}
	})
}
