package pvesim

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/schema"
)

// fuzzRoutes are calls for which no parameter combination is a legitimate
// server error, so any 5xx is a bug in decoding or validation.
var fuzzRoutes = []struct{ method, path string }{
	{"GET", "/api2/json/cluster/nextid"},
	{"GET", "/api2/json/cluster/resources"},
	{"GET", "/api2/json/nodes/pve1/lxc/100/rrddata"},
	{"GET", "/api2/json/nodes/pve1/tasks/UPID:pve1:00001234:00000001:65A1B2C3:vzstart:100:root@pam:/log"},
	{"POST", "/api2/json/access/ticket"},
	{"GET", "/api2/json/nodes/pve1/lxc/100/status/current"},
	{"GET", "/api2/json/nodes/pve1/lxc"},
}

// FuzzParams drives the parameter decoder and validator through ServeHTTP
// with arbitrary query strings, content types and bodies: never a panic,
// never a 5xx, and every 400 names its parameters.
func FuzzParams(f *testing.F) {
	f.Add(uint8(0), "vmid=100", "", []byte(nil))
	f.Add(uint8(2), "timeframe=hour&cf=MAX", "", []byte(nil))
	f.Add(uint8(4), "", "application/json", []byte(`{"username":"a@pam","password":"x","new-format":true}`))
	f.Add(uint8(4), "", "application/x-www-form-urlencoded", []byte("username=a&password=%zz"))
	f.Add(uint8(5), "", "application/json", []byte(`{"node":"pve2","vmid":"101"}`))
	f.Add(uint8(2), "timeframe=1e400", "application/json", []byte(`{"cf":["MAX"],"timeframe":{"a":1}}`))
	f.Add(uint8(6), "", "application/json", []byte(`{"node":null}`))
	f.Add(uint8(1), "type=vm&type=node", "", []byte(nil))
	f.Add(uint8(3), "start=-1&limit=99999999999999999999", "", []byte(nil))
	f.Add(uint8(6), "", "application/json; charset=utf-8", []byte(`[1,2]`))
	f.Add(uint8(5), "vmid=100&node=pve1", "text/plain", []byte("x"))
	sim, err := New(Options{Nodes: 1, Containers: 2, Seed: 1, Tokens: []string{"root@pam!t=s"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, route uint8, query, contentType string, body []byte) {
		for _, rt := range routes {
			fuzzValidator(t, rt, query, contentType, body)
		}
		rt := fuzzRoutes[int(route)%len(fuzzRoutes)]
		target := rt.path
		if query != "" {
			target += "?" + strings.NewReplacer("#", "%23", " ", "%20").Replace(query)
		}
		r, err := http.NewRequest(rt.method, "http://pvesim"+target, strings.NewReader(string(body)))
		if err != nil {
			t.Skip("not a valid request target")
		}
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		if rt.path != "/api2/json/access/ticket" {
			r.Header.Set("Authorization", "PVEAPIToken=root@pam!t=s")
		}
		w := httptest.NewRecorder()
		sim.ServeHTTP(w, r)
		sim.ResetRequests() // millions of executions must not grow the log
		if w.Code >= 500 {
			t.Fatalf("%s %s (%q, %q): status %d body %s", rt.method, target, contentType, body, w.Code, w.Body)
		}
		if w.Code == http.StatusBadRequest && strings.Contains(w.Body.String(), `"errors":{}`) {
			t.Fatalf("400 without parameter errors: %s", w.Body)
		}
	})
}

// fuzzValidator runs decoding and validation for a route whose handler may
// legitimately answer 500: they must not panic, and a validated parameter
// set must be readable through the typed accessors.
func fuzzValidator(t *testing.T, rt *route, query, contentType string, body []byte) {
	r, err := http.NewRequest(rt.method, "http://pvesim/x?"+query, strings.NewReader(string(body)))
	if err != nil {
		return
	}
	r.Header.Set("Content-Type", contentType)
	p, rerr := schema.Decode(r)
	if rerr != nil {
		if rerr.Status < 400 || rerr.Status >= 500 {
			t.Fatalf("decode error status %d", rerr.Status)
		}
		return
	}
	path := map[string]string{}
	for name, spec := range rt.specs {
		if !spec.Optional && strings.Contains(rt.template, "{"+name+"}") {
			path[name] = "100"
		}
	}
	if schema.MergePath(p, path) != nil {
		return
	}
	errs := schema.Validate(p, rt.specs)
	for k, msg := range errs {
		if msg == "" {
			t.Fatalf("%s %s: empty message for %q", rt.method, rt.template, k)
		}
	}
	if errs == nil {
		for name, spec := range rt.specs {
			switch spec.Type {
			case "integer":
				_ = p.Int(name)
			case "number":
				_ = p.Float(name)
			}
		}
	}
}
