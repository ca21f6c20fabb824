package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lxc-autoscale/lxc-autoscale/controller"
	"github.com/lxc-autoscale/lxc-autoscale/controller/manual"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
)

var v1FixtureTime = time.Date(2026, 11, 27, 3, 30, 0, 0, time.UTC)

// v1SnapshotFixture is a loop's view of the harness's containers: 101 with
// a decision (cores up, memory held), 102 paused without a model score,
// 103 anomalous.
func v1SnapshotFixture() controller.Snapshot {
	return controller.Snapshot{
		Time: v1FixtureTime, LastSuccess: v1FixtureTime, Interval: 30 * time.Second, Nodes: 2,
		Containers: []controller.ContainerView{
			{
				Listed: controller.Listed{VMID: 101, Node: "pve1", Name: "web", Status: "running",
					Alloc: scaling.Allocation{Cores: 2, MemoryMiB: 1024, SwapMiB: 512, DiskBytes: 8 << 30}},
				CPUUtilisation: 0.91, MemoryUsed: 512 << 20, DiskUsed: 2 << 30, Score: 0.42, Samples: 40,
				Decision: &scaling.Decision{
					VMID: 101, Node: "pve1", Policy: "web", Mode: scaling.ModeRecommend, Score: 0.42,
					Changes: []scaling.Change{{Resource: scaling.ResourceCores, Direction: scaling.Up, From: 2, To: 3, Text: "cpu 91% > 80%"}},
					Holds:   []scaling.Hold{{Resource: scaling.ResourceMemory, Reason: scaling.SkipCooldown, Text: "4m left"}},
				},
				Recommended: [2]controller.Recommendation{{Target: 3, Lower: 2, Upper: 4, Usage: 2.1, Days: 3.256}, {Target: 900, Lower: 700, Upper: 1000, Days: 3.256}},
			},
			{
				Listed: controller.Listed{VMID: 102, Node: "pve1", Name: "db", Status: "running", Lock: "backup",
					Alloc: scaling.Allocation{Cores: 4, MemoryMiB: 4096, DiskBytes: 16 << 30}},
				Paused: true, Score: math.NaN(), CPUUtilisation: math.NaN(),
			},
			{
				Listed: controller.Listed{VMID: 103, Node: "pve1", Name: "keep", Status: "running",
					Alloc: scaling.Allocation{Cores: 1, MemoryMiB: 512, DiskBytes: 4 << 30}},
				Anomalous: true, Score: 0.97,
				Decision: &scaling.Decision{VMID: 103, Node: "pve1", Mode: scaling.ModeEnforce, Score: 0.97, Holds: []scaling.Hold{{Resource: scaling.ResourceCores, Reason: scaling.SkipAnomalous}}},
			},
		},
	}
}

// v1RouteCase is one route with a concrete target, for the scope matrix.
type v1RouteCase struct {
	method, target, body string
	scope                Scope
	route                string // the route's template, to check the table covers them all
}

// v1RouteCases lists every /api/v1 route with the scope it must need,
// written out here rather than taken from the server's table so that a
// scope changed there fails the matrix.
func v1RouteCases() []v1RouteCase {
	return []v1RouteCase{
		{"GET", "/api/v1/containers", "", ScopeRead, "/containers"},
		{"GET", "/api/v1/containers/101", "", ScopeRead, "/containers/:vmid"},
		{"GET", "/api/v1/nodes", "", ScopeRead, "/nodes"},
		{"PUT", "/api/v1/containers/101/resources", `{"cores":3}`, ScopeOperate, "/containers/:vmid/resources"},
		{"POST", "/api/v1/containers/101/disks/rootfs/grow", `{"grow_gb":1}`, ScopeOperate, "/containers/:vmid/disks/:disk/grow"},
		{"GET", "/api/v1/containers/101/snapshots", "", ScopeRead, "/containers/:vmid/snapshots"},
		{"POST", "/api/v1/containers/101/snapshots", `{"name":"s1"}`, ScopeOperate, "/containers/:vmid/snapshots"},
		{"POST", "/api/v1/containers/101/snapshots/none/rollback", `{"start":false}`, ScopeAdmin, "/containers/:vmid/snapshots/:name/rollback"},
		{"DELETE", "/api/v1/containers/101/snapshots/none", "", ScopeOperate, "/containers/:vmid/snapshots/:name"},
		{"POST", "/api/v1/containers/102/clone", `{}`, ScopeAdmin, "/containers/:vmid/clone"},
		{"DELETE", "/api/v1/containers/104?confirm=104", "", ScopeAdmin, "/containers/:vmid"},
		{"POST", "/api/v1/containers/101/pause", "", ScopeOperate, "/containers/:vmid/pause"},
		{"POST", "/api/v1/containers/101/resume", "", ScopeOperate, "/containers/:vmid/resume"},
		{"GET", "/api/v1/decisions", "", ScopeRead, "/decisions"},
		{"GET", "/api/v1/audit?limit=5", "", ScopeRead, "/audit"},
		{"GET", "/api/v1/tasks/UPID:pve1:0000:0000:00000000:vzsnapshot:101:root@pam!x:", "", ScopeRead, "/tasks/:id"},
		{"GET", "/api/v1/openapi.json", "", ScopeRead, "/openapi.json"},
	}
}

// TestV1RouteScopeMatrix proves every route's auth: no token and an
// unknown token are 401, a token one scope too low is 403 and changes
// nothing in the cluster, the right scope and any higher one get through.
func TestV1RouteScopeMatrix(t *testing.T) {
	api := newTestAPI(t, testAPIOptions{snapshots: &fixedSnapshots{snap: v1SnapshotFixture()}})
	cases := v1RouteCases()
	var table []string
	for _, r := range api.server.v1RouteTable() {
		table = append(table, r.method+" "+r.path)
	}
	var listed []string
	for _, c := range cases {
		listed = append(listed, c.method+" "+c.route)
	}
	slices.Sort(table)
	slices.Sort(listed)
	if !slices.Equal(table, listed) {
		t.Fatalf("the matrix lists %v, the server routes %v", listed, table)
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.route, func(t *testing.T) {
			req := testRequest{method: c.method, target: c.target, body: c.body}
			for _, tc := range []struct {
				name  string
				token string
				want  int
			}{{"no token", "", http.StatusUnauthorized}, {"unknown token", testUnknownToken, http.StatusUnauthorized}} {
				r := req
				r.token = tc.token
				rec := api.do(t, r)
				if rec.Code != tc.want {
					t.Errorf("%s: status %d, want %d; body %s", tc.name, rec.Code, tc.want, rec.Body.String())
				}
				if tc.want == http.StatusUnauthorized && rec.Header().Get("WWW-Authenticate") == "" {
					t.Errorf("%s: 401 without WWW-Authenticate", tc.name)
				}
			}
			if c.scope > ScopeRead {
				api.sim.ResetRequests()
				r := req
				r.scope = c.scope - 1
				rec := api.do(t, r)
				if rec.Code != http.StatusForbidden {
					t.Errorf("scope %s: status %d, want 403; body %s", r.scope, rec.Code, rec.Body.String())
				}
				// The watchers of the tasks earlier cases started poll in
				// the background; every other request is this one's.
				if n := len(api.sim.Requests()) - taskStatusPolls(api); n != 0 {
					t.Errorf("scope %s: refused, yet %d requests reached Proxmox", r.scope, n)
				}
			}
			for scope := c.scope; scope <= ScopeAdmin; scope++ {
				r := req
				r.scope = scope
				rec := api.do(t, r)
				if rec.Code == http.StatusUnauthorized || rec.Code == http.StatusForbidden || rec.Code >= 500 {
					t.Errorf("scope %s: status %d; body %s", scope, rec.Code, rec.Body.String())
				}
			}
		})
	}
}

// TestV1XAPIKeyHeader checks the second way of sending a token.
func TestV1XAPIKeyHeader(t *testing.T) {
	api := newTestAPI(t, testAPIOptions{})
	rec := api.do(t, testRequest{method: "GET", target: "/api/v1/nodes", header: http.Header{"X-Api-Key": {testReadToken}}})
	wantStatus(t, rec, http.StatusOK)
	rec = api.do(t, testRequest{method: "POST", target: "/api/v1/containers/101/pause", header: http.Header{"X-Api-Key": {testReadToken}}})
	wantStatus(t, rec, http.StatusForbidden)
}

// TestV1Validation sends bad input to each write and read that takes
// some: each is a 400 naming every bad field (or 413/415), never a 5xx,
// and nothing is sent to Proxmox.
func TestV1Validation(t *testing.T) {
	api := newTestAPI(t, testAPIOptions{server: func(o *Options) { o.BodyLimit = 256 }})
	big := `{"name":"s1","description":"` + strings.Repeat("x", 300) + `"}`
	for _, tc := range []struct {
		name        string
		req         testRequest
		wantStatus  int
		wantFields  []string // exactly these, when the status is 400
		wantMessage string   // in a field's text or the error
	}{
		{"vmid not a number", testRequest{method: "GET", target: "/api/v1/containers/abc", scope: ScopeRead}, 400, []string{"vmid"}, "100..999999999"},
		{"vmid below 100", testRequest{method: "GET", target: "/api/v1/containers/99", scope: ScopeRead}, 400, []string{"vmid"}, "99"},
		{"vmid above the range", testRequest{method: "GET", target: "/api/v1/containers/1000000000/snapshots", scope: ScopeRead}, 400, []string{"vmid"}, ""},
		{"vmid overflowing", testRequest{method: "GET", target: "/api/v1/containers/99999999999999999999999", scope: ScopeRead}, 400, []string{"vmid"}, ""},
		{"cores 0", testRequest{method: "PUT", target: "/api/v1/containers/101/resources", scope: ScopeOperate, body: `{"cores":0}`}, 400, []string{"cores"}, "must be 1..8192, got 0"},
		{"cores 9000", testRequest{method: "PUT", target: "/api/v1/containers/101/resources", scope: ScopeOperate, body: `{"cores":9000}`}, 400, []string{"cores"}, "must be 1..8192, got 9000"},
		{"every field bad at once", testRequest{method: "PUT", target: "/api/v1/containers/7/resources", scope: ScopeOperate,
			body: `{"cores":"two","memory_mb":8,"swap_mb":-1,"ram":1,"Cores":2}`, header: http.Header{"If-Match": {`"not hex"`}}},
			400, []string{"vmid", "cores", "memory_mb", "swap_mb", "ram", "Cores", "If-Match"}, "must be an integer"},
		{"cores not an integer", testRequest{method: "PUT", target: "/api/v1/containers/101/resources", scope: ScopeOperate, body: `{"cores":2.5}`}, 400, []string{"cores"}, "integer"},
		{"null field", testRequest{method: "PUT", target: "/api/v1/containers/101/resources", scope: ScopeOperate, body: `{"cores":null}`}, 400, []string{"cores"}, "null"},
		{"no resource", testRequest{method: "PUT", target: "/api/v1/containers/101/resources", scope: ScopeOperate, body: `{}`}, 400, []string{"body"}, "at least one"},
		{"unknown field", testRequest{method: "PUT", target: "/api/v1/containers/101/resources", scope: ScopeOperate, body: `{"cores":2,"force":true}`}, 400, []string{"force"}, "unknown field"},
		{"form post", testRequest{method: "PUT", target: "/api/v1/containers/101/resources", scope: ScopeOperate, body: `cores=2`, contentType: "application/x-www-form-urlencoded"}, 415, nil, "application/json"},
		{"multipart post", testRequest{method: "POST", target: "/api/v1/containers/101/pause", scope: ScopeOperate, body: "--x--", contentType: "multipart/form-data; boundary=x"}, 415, nil, ""},
		{"text plain without a body", testRequest{method: "POST", target: "/api/v1/containers/101/pause", scope: ScopeOperate, contentType: "text/plain"}, 415, nil, ""},
		{"json with charset", testRequest{method: "PUT", target: "/api/v1/containers/101/resources", scope: ScopeOperate, body: `{"cores":0}`, contentType: "application/json; charset=utf-8"}, 400, []string{"cores"}, ""},
		{"two JSON values", testRequest{method: "PUT", target: "/api/v1/containers/101/resources", scope: ScopeOperate, body: `{"cores":2}{"cores":3}`}, 400, []string{"body"}, "one JSON object"},
		{"trailing garbage", testRequest{method: "PUT", target: "/api/v1/containers/101/resources", scope: ScopeOperate, body: `{"cores":2} x`}, 400, []string{"body"}, ""},
		{"an array", testRequest{method: "PUT", target: "/api/v1/containers/101/resources", scope: ScopeOperate, body: `[{"cores":2}]`}, 400, []string{"body"}, ""},
		{"not JSON", testRequest{method: "PUT", target: "/api/v1/containers/101/resources", scope: ScopeOperate, body: `{cores:2`}, 400, []string{"body"}, ""},
		{"body without content type", testRequest{method: "POST", target: "/api/v1/containers/101/pause", scope: ScopeOperate, body: `{}`, contentType: " "}, 415, nil, ""},
		{"body over the limit", testRequest{method: "POST", target: "/api/v1/containers/101/snapshots", scope: ScopeOperate, body: big}, 413, nil, ""},
		{"grow both", testRequest{method: "POST", target: "/api/v1/containers/101/disks/rootfs/grow", scope: ScopeOperate, body: `{"grow_gb":1,"grow_bytes":1048576}`}, 400, []string{"grow_gb", "grow_bytes"}, "not both"},
		{"grow nothing, bad disk", testRequest{method: "POST", target: "/api/v1/containers/101/disks/mp256/grow", scope: ScopeOperate, body: `{}`}, 400, []string{"disk", "grow_gb"}, "rootfs or mp0 to mp255"},
		{"grow 0 GiB", testRequest{method: "POST", target: "/api/v1/containers/101/disks/rootfs/grow", scope: ScopeOperate, body: `{"grow_gb":0}`}, 400, []string{"grow_gb"}, "1..16384"},
		{"grow too few bytes", testRequest{method: "POST", target: "/api/v1/containers/101/disks/mp0/grow", scope: ScopeOperate, body: `{"grow_bytes":1024}`}, 400, []string{"grow_bytes"}, ""},
		{"snapshot reserved name", testRequest{method: "POST", target: "/api/v1/containers/101/snapshots", scope: ScopeOperate, body: `{"name":"current","description":7}`}, 400, []string{"name", "description"}, "reserved"},
		{"snapshot without a name", testRequest{method: "POST", target: "/api/v1/containers/101/snapshots", scope: ScopeOperate, body: `{"description":"x"}`}, 400, []string{"name"}, "required"},
		{"snapshot bad name in path", testRequest{method: "DELETE", target: "/api/v1/containers/101/snapshots/9lives", scope: ScopeOperate}, 400, []string{"name"}, ""},
		{"rollback start not bool", testRequest{method: "POST", target: "/api/v1/containers/101/snapshots/s1/rollback", scope: ScopeAdmin, body: `{"start":"yes"}`}, 400, []string{"start"}, "true or false"},
		{"clone every field bad", testRequest{method: "POST", target: "/api/v1/containers/101/clone", scope: ScopeAdmin,
			body: `{"new_vmid":101,"hostname":"-bad-","target":"no/node","snapshot":"vzdump","full":1}`},
			400, []string{"new_vmid", "hostname", "target", "snapshot", "full"}, ""},
		{"clone new vmid out of range", testRequest{method: "POST", target: "/api/v1/containers/101/clone", scope: ScopeAdmin, body: `{"new_vmid":42}`}, 400, []string{"new_vmid"}, ""},
		{"delete without confirm", testRequest{method: "DELETE", target: "/api/v1/containers/101", scope: ScopeAdmin}, 400, []string{"confirm"}, "confirm"},
		{"delete with another vmid", testRequest{method: "DELETE", target: "/api/v1/containers/101?confirm=102&purge=maybe", scope: ScopeAdmin}, 400, []string{"confirm", "purge"}, "must equal the vmid 101"},
		{"audit limit 0", testRequest{method: "GET", target: "/api/v1/audit?limit=0", scope: ScopeRead}, 400, []string{"limit"}, "1..1000"},
		{"audit limit 1001", testRequest{method: "GET", target: "/api/v1/audit?limit=1001", scope: ScopeRead}, 400, []string{"limit"}, ""},
		{"audit limit text", testRequest{method: "GET", target: "/api/v1/audit?limit=all", scope: ScopeRead}, 400, []string{"limit"}, ""},
		{"task wait too long, bad id", testRequest{method: "GET", target: "/api/v1/tasks/12?wait=61s", scope: ScopeRead}, 400, []string{"id", "wait"}, ""},
		{"task wait negative", testRequest{method: "GET", target: "/api/v1/tasks/UPID:x?wait=-1s", scope: ScopeRead}, 400, []string{"wait"}, ""},
		{"task wait text", testRequest{method: "GET", target: "/api/v1/tasks/UPID:x?wait=soon", scope: ScopeRead}, 400, []string{"wait"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api.sim.ResetRequests()
			rec := api.do(t, tc.req)
			wantStatus(t, rec, tc.wantStatus)
			var e errorBody
			decodeJSONBody(t, rec, &e)
			if tc.wantStatus == http.StatusBadRequest {
				var got []string
				for f := range e.Fields {
					got = append(got, f)
				}
				slices.Sort(got)
				want := slices.Clone(tc.wantFields)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Errorf("fields %v, want %v; body %s", got, want, rec.Body.String())
				}
			}
			if tc.wantMessage != "" && !strings.Contains(rec.Body.String(), tc.wantMessage) {
				t.Errorf("body %s does not say %q", rec.Body.String(), tc.wantMessage)
			}
			if n := len(api.sim.Requests()); n != 0 {
				t.Errorf("bad input, yet %d requests reached Proxmox: %v", n, api.sim.Requests())
			}
		})
	}
}

// TestV1BodyOverTheLimitWithoutLength sends a chunked body (no
// Content-Length) over the limit: 413 too.
func TestV1BodyOverTheLimitWithoutLength(t *testing.T) {
	api := newTestAPI(t, testAPIOptions{server: func(o *Options) { o.BodyLimit = 64 }})
	srv := httptest.NewServer(api.server.Handler())
	t.Cleanup(srv.Close)
	pr, pw := io.Pipe()
	go func() {
		fmt.Fprintf(pw, `{"name":"s1","description":"%s"}`, strings.Repeat("y", 200))
		pw.Close()
	}()
	req, err := http.NewRequest("POST", srv.URL+"/api/v1/containers/101/snapshots", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+testOperateToken)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", resp.StatusCode)
	}
	if snaps := snapshotNamesOf(t, api, 101); len(snaps) != 0 {
		t.Errorf("snapshots %v after a refused request", snaps)
	}
}

func snapshotNamesOf(t testing.TB, api *testAPI, vmid int) []string {
	t.Helper()
	rec := api.do(t, testRequest{method: "GET", target: fmt.Sprintf("/api/v1/containers/%d/snapshots", vmid), scope: ScopeRead})
	wantStatus(t, rec, http.StatusOK)
	var list v1SnapshotList
	decodeJSONBody(t, rec, &list)
	var names []string
	for _, s := range list.Snapshots {
		names = append(names, s.Name)
	}
	return names
}

// TestV1ErrorMapping checks the statuses of the operations' failures.
func TestV1ErrorMapping(t *testing.T) {
	api := newTestAPI(t, testAPIOptions{})
	if err := api.sim.SetLock(102, "backup"); err != nil {
		t.Fatal(err)
	}
	rec := api.do(t, testRequest{method: "GET", target: "/api/v1/containers/101", scope: ScopeRead})
	wantStatus(t, rec, http.StatusOK)
	var detail v1ContainerDetail
	decodeJSONBody(t, rec, &detail)
	if detail.Config.Digest == "" || rec.Header().Get("ETag") != `"`+detail.Config.Digest+`"` {
		t.Fatalf("ETag %q for digest %q", rec.Header().Get("ETag"), detail.Config.Digest)
	}
	stale := detail.Config.Digest
	// Someone else changes the config: the digest the client holds is stale.
	if err := api.sim.SetConfig(101, "description", "changed elsewhere"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		req  testRequest
		want int
		says string
	}{
		{"unknown vmid", testRequest{method: "GET", target: "/api/v1/containers/999", scope: ScopeRead}, 404, "999"},
		{"unknown vmid write", testRequest{method: "PUT", target: "/api/v1/containers/999/resources", scope: ScopeOperate, body: `{"cores":2}`}, 404, ""},
		{"locked", testRequest{method: "PUT", target: "/api/v1/containers/102/resources", scope: ScopeOperate, body: `{"cores":2}`}, 409, "backup"},
		{"locked grow", testRequest{method: "POST", target: "/api/v1/containers/102/disks/rootfs/grow", scope: ScopeOperate, body: `{"grow_gb":1}`}, 409, "locked"},
		{"digest mismatch", testRequest{method: "PUT", target: "/api/v1/containers/101/resources", scope: ScopeOperate, body: `{"cores":3}`,
			header: http.Header{"If-Match": {`"` + stale + `"`}}}, 409, "digest"},
		{"no such disk", testRequest{method: "POST", target: "/api/v1/containers/101/disks/mp7/grow", scope: ScopeOperate, body: `{"grow_gb":1}`}, 404, "mp7"},
		{"no such snapshot", testRequest{method: "DELETE", target: "/api/v1/containers/101/snapshots/never", scope: ScopeOperate}, 404, "never"},
		{"unknown task", testRequest{method: "GET", target: "/api/v1/tasks/UPID:pve1:00000001:00000001:00000001:vzdump:101:root@pam:", scope: ScopeRead}, 404, ""},
		{"protected delete", testRequest{method: "DELETE", target: "/api/v1/containers/103?confirm=103", scope: ScopeAdmin}, 409, ""},
		{"clone to a node that is not there", testRequest{method: "POST", target: "/api/v1/containers/101/clone", scope: ScopeAdmin, body: `{"target":"pve9"}`}, 400, "target"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := api.do(t, tc.req)
			wantStatus(t, rec, tc.want)
			if !strings.Contains(rec.Body.String(), tc.says) {
				t.Errorf("body %s does not say %q", rec.Body.String(), tc.says)
			}
		})
	}
	if ct, _ := api.sim.Container(101); ct.Config["cores"] != "2" {
		t.Errorf("container 101 has cores %q after a refused change, want 2", ct.Config["cores"])
	}
	if _, ok := api.sim.Container(103); !ok {
		t.Error("protected container 103 deleted")
	}
}

// TestV1NodeUnreachable maps a container's node being down to 502: the
// failure is Proxmox's, not ours.
func TestV1NodeUnreachable(t *testing.T) {
	api := newTestAPI(t, testAPIOptions{})
	api.sim.SetNodeOnline("pve2", false)
	rec := api.do(t, testRequest{method: "GET", target: "/api/v1/containers/104/snapshots", scope: ScopeRead})
	wantStatus(t, rec, http.StatusBadGateway)
}

// TestV1SetResourcesWithIfMatch sets resources with the digest from GET,
// gets the new digest back in the body and the ETag, and sees the change
// in the cluster and in the audit.
func TestV1SetResourcesWithIfMatch(t *testing.T) {
	api := newTestAPI(t, testAPIOptions{})
	rec := api.do(t, testRequest{method: "GET", target: "/api/v1/containers/101", scope: ScopeRead})
	wantStatus(t, rec, http.StatusOK)
	etag := rec.Header().Get("ETag")
	rec = api.do(t, testRequest{method: "PUT", target: "/api/v1/containers/101/resources", scope: ScopeOperate,
		body: `{"cores":4,"memory_mb":2048}`, header: http.Header{"If-Match": {etag}}})
	wantStatus(t, rec, http.StatusOK)
	var out v1ResourcesResponse
	decodeJSONBody(t, rec, &out)
	if out.VMID != 101 || out.Digest == "" || `"`+out.Digest+`"` == etag || rec.Header().Get("ETag") != `"`+out.Digest+`"` {
		t.Errorf("answer %+v, ETag %q (was %s)", out, rec.Header().Get("ETag"), etag)
	}
	ct, _ := api.sim.Container(101)
	if ct.Config["cores"] != "4" || ct.Config["memory"] != "2048" {
		t.Errorf("cluster has cores %q memory %q, want 4 and 2048", ct.Config["cores"], ct.Config["memory"])
	}
	// The same request with the old digest is refused now.
	rec = api.do(t, testRequest{method: "PUT", target: "/api/v1/containers/101/resources", scope: ScopeOperate,
		body: `{"cores":5}`, header: http.Header{"If-Match": {etag}}})
	wantStatus(t, rec, http.StatusConflict)

	rec = api.do(t, testRequest{method: "GET", target: "/api/v1/audit?limit=10", scope: ScopeRead})
	wantStatus(t, rec, http.StatusOK)
	var audit v1AuditList
	decodeJSONBody(t, rec, &audit)
	if !audit.Configured || len(audit.Entries) == 0 {
		t.Fatalf("audit %+v", audit)
	}
	var applied []string
	for _, e := range audit.Entries {
		if e.Source != "api:operate" || e.VMID != 101 {
			t.Errorf("entry %+v: want source api:operate on 101", e)
		}
		if e.Result == "applied" {
			applied = append(applied, fmt.Sprintf("%s %d->%d", e.Resource, e.From, e.To))
		}
	}
	slices.Sort(applied)
	if want := []string{"cores 2->4", "memory 1024->2048"}; !slices.Equal(applied, want) {
		t.Errorf("applied %v, want %v", applied, want)
	}
	if !sort.SliceIsSorted(audit.Entries, func(i, j int) bool { return audit.Entries[i].Time.After(audit.Entries[j].Time) }) {
		t.Error("audit entries not newest first")
	}
	rec = api.do(t, testRequest{method: "GET", target: "/api/v1/audit?limit=1", scope: ScopeRead})
	decodeJSONBody(t, rec, &audit)
	if len(audit.Entries) != 1 {
		t.Errorf("limit=1 gave %d entries", len(audit.Entries))
	}
}

// TestV1TaskLifecycle starts a snapshot, follows its task to the end with
// ?wait, and finds the snapshot listed.
func TestV1TaskLifecycle(t *testing.T) {
	api := newTestAPI(t, testAPIOptions{})
	rec := api.do(t, testRequest{method: "POST", target: "/api/v1/containers/104/snapshots", scope: ScopeOperate, body: `{"name":"nightly","description":"before"}`})
	wantStatus(t, rec, http.StatusAccepted)
	var started v1TaskResponse
	decodeJSONBody(t, rec, &started)
	if started.Task.Operation != manual.OpSnapshot || started.Task.VMID != 104 || started.Task.Node != "pve2" || started.Task.ID == "" {
		t.Fatalf("task %+v", started.Task)
	}
	loc := rec.Header().Get("Location")
	if !strings.HasPrefix(loc, "/api/v1/tasks/UPID:") {
		t.Fatalf("Location %q", loc)
	}
	rec = api.do(t, testRequest{method: "GET", target: loc + "?wait=10s", scope: ScopeRead})
	wantStatus(t, rec, http.StatusOK)
	var done v1TaskResponse
	decodeJSONBody(t, rec, &done)
	if !done.Task.Done || done.Task.Failed || done.Task.ExitStatus != "OK" || done.Task.ID != started.Task.ID {
		t.Fatalf("task after wait %+v", done.Task)
	}
	if names := snapshotNamesOf(t, api, 104); !slices.Contains(names, "nightly") {
		t.Errorf("snapshots %v, want nightly", names)
	}
}

// TestV1TaskFailure reports a task's failure with its exit status, as a
// 200 on the task (the query worked) with failed set.
func TestV1TaskFailure(t *testing.T) {
	api := newTestAPI(t, testAPIOptions{})
	api.sim.InjectFault(pvesim.Fault{Method: "PUT", Route: "/nodes/{node}/lxc/{vmid}/resize", TaskExit: "storage full", Count: 1})
	rec := api.do(t, testRequest{method: "POST", target: "/api/v1/containers/101/disks/rootfs/grow", scope: ScopeOperate, body: `{"grow_bytes":1073741824}`})
	wantStatus(t, rec, http.StatusAccepted)
	var started v1TaskResponse
	decodeJSONBody(t, rec, &started)
	rec = api.do(t, testRequest{method: "GET", target: rec.Header().Get("Location") + "?wait=10", scope: ScopeRead})
	wantStatus(t, rec, http.StatusOK)
	var got v1TaskResponse
	decodeJSONBody(t, rec, &got)
	if !got.Task.Done || !got.Task.Failed || !strings.Contains(got.Task.ExitStatus, "storage full") {
		t.Fatalf("task %+v, want failed with storage full", got.Task)
	}
}

// TestV1ListFromSnapshot reads the loop's snapshot: scores, decision,
// recommendation, lock and paused, with no request to Proxmox.
func TestV1ListFromSnapshot(t *testing.T) {
	api := newTestAPI(t, testAPIOptions{snapshots: &fixedSnapshots{snap: v1SnapshotFixture()}})
	api.sim.ResetRequests()
	rec := api.do(t, testRequest{method: "GET", target: "/api/v1/containers", scope: ScopeRead})
	wantStatus(t, rec, http.StatusOK)
	if n := len(api.sim.Requests()); n != 0 {
		t.Errorf("the listing from the snapshot sent %d requests to Proxmox", n)
	}
	var list v1ContainerList
	decodeJSONBody(t, rec, &list)
	if list.Source != "snapshot" || !list.Time.Equal(v1FixtureTime) || len(list.Containers) != 3 {
		t.Fatalf("list %+v", list)
	}
	web, db, keep := list.Containers[0], list.Containers[1], list.Containers[2]
	if web.VMID != 101 || web.AnomalyScore == nil || *web.AnomalyScore != 0.42 || web.Decision == nil || web.Decision.Policy != "web" ||
		web.Decision.Source != "controller" || web.Recommendation == nil || web.Recommendation.Cores == nil || *web.Recommendation.Cores != 3 ||
		web.Recommendation.MemoryMB != nil || len(web.Decision.Holds) != 1 || web.Decision.Holds[0].Reason != "cooldown" ||
		web.Allocation.SwapMB == nil || *web.Allocation.SwapMB != 512 || web.Usage.MemoryFraction == nil || *web.Usage.MemoryFraction != 0.5 {
		t.Errorf("101: %s", mustJSON(t, web))
	}
	if r := web.Recommender; r == nil || r.Days != 3.26 || r.Cores != (v1Bounds{3, 2, 4}) || r.MemoryMB != (v1Bounds{900, 700, 1000}) {
		t.Errorf("101's recommender: %s", mustJSON(t, web.Recommender))
	}
	if db.VMID != 102 || db.AnomalyScore != nil || !db.Paused || db.Lock != "backup" || db.Decision != nil || db.Recommendation != nil || db.Recommender != nil {
		t.Errorf("102: %s", mustJSON(t, db))
	}
	if keep.VMID != 103 || !keep.Anomalous || keep.Decision == nil || keep.Recommendation != nil || len(keep.Decision.Changes) != 0 {
		t.Errorf("103: %s", mustJSON(t, keep))
	}
	// The raw JSON spells no-score as null, not a missing key.
	var raw struct {
		Containers []map[string]json.RawMessage `json:"containers"`
	}
	decodeJSONBody(t, rec, &raw)
	if got := string(raw.Containers[1]["anomaly_score"]); got != "null" {
		t.Errorf("102 anomaly_score %s, want null", got)
	}

	rec = api.do(t, testRequest{method: "GET", target: "/api/v1/decisions", scope: ScopeRead})
	wantStatus(t, rec, http.StatusOK)
	var decisions v1DecisionList
	decodeJSONBody(t, rec, &decisions)
	if !decisions.LoopRunning || decisions.Time == nil || len(decisions.Decisions) != 2 ||
		decisions.Decisions[0].VMID != 101 || decisions.Decisions[1].VMID != 103 || len(decisions.Decisions[0].Changes) != 1 {
		t.Errorf("decisions %s", mustJSON(t, decisions))
	}

	rec = api.do(t, testRequest{method: "GET", target: "/api/v1/containers/101", scope: ScopeRead})
	wantStatus(t, rec, http.StatusOK)
	var detail v1ContainerDetail
	decodeJSONBody(t, rec, &detail)
	if detail.Controller == nil || detail.Controller.Decision == nil || detail.Config.Cores != 2 || detail.Node != "pve1" || detail.Live.Status != "running" {
		t.Errorf("detail %s", mustJSON(t, detail))
	}
	rec = api.do(t, testRequest{method: "GET", target: "/api/v1/containers/104", scope: ScopeRead})
	decodeJSONBody(t, rec, &detail)
	if detail.Controller != nil || detail.Node != "pve2" {
		t.Errorf("104 (not in the snapshot): %s", mustJSON(t, detail))
	}
}

// TestV1ListLive reads the cluster without a loop.
func TestV1ListLive(t *testing.T) {
	api := newTestAPI(t, testAPIOptions{noPause: true})
	rec := api.do(t, testRequest{method: "GET", target: "/api/v1/containers", scope: ScopeRead})
	wantStatus(t, rec, http.StatusOK)
	var list v1ContainerList
	decodeJSONBody(t, rec, &list)
	if list.Source != "live" || len(list.Containers) != 4 {
		t.Fatalf("list %s", mustJSON(t, list))
	}
	for i, want := range []struct{ vmid, cores, memory int }{{101, 2, 1024}, {102, 4, 4096}, {103, 1, 512}, {104, 1, 512}} {
		ct := list.Containers[i]
		if ct.VMID != want.vmid || ct.Allocation.Cores != want.cores || ct.Allocation.MemoryMB != want.memory || ct.AnomalyScore != nil || ct.Allocation.SwapMB != nil {
			t.Errorf("container %d: %s", i, mustJSON(t, ct))
		}
	}
	rec = api.do(t, testRequest{method: "GET", target: "/api/v1/decisions", scope: ScopeRead})
	var decisions v1DecisionList
	decodeJSONBody(t, rec, &decisions)
	if decisions.LoopRunning || decisions.Decisions == nil || len(decisions.Decisions) != 0 {
		t.Errorf("decisions without a loop: %s", rec.Body.String())
	}
	rec = api.do(t, testRequest{method: "GET", target: "/api/v1/nodes", scope: ScopeRead})
	var nodes v1NodeList
	decodeJSONBody(t, rec, &nodes)
	if len(nodes.Nodes) != 2 || nodes.Nodes[0].Name != "pve1" || nodes.Nodes[1].Name != "pve2" || !nodes.Nodes[0].Online || nodes.Nodes[0].CPUs == 0 {
		t.Errorf("nodes %s", rec.Body.String())
	}
	// Pausing needs the loop.
	rec = api.do(t, testRequest{method: "POST", target: "/api/v1/containers/101/pause", scope: ScopeOperate})
	wantStatus(t, rec, http.StatusConflict)
}

// TestV1PauseResume tells the loop, and answers the new state.
func TestV1PauseResume(t *testing.T) {
	api := newTestAPI(t, testAPIOptions{})
	for _, tc := range []struct {
		verb        string
		paused      bool
		contentType string
	}{{"pause", true, ""}, {"resume", false, "application/json"}} {
		// No body, with or without a JSON Content-Type, is no fields.
		rec := api.do(t, testRequest{method: "POST", target: "/api/v1/containers/102/" + tc.verb, scope: ScopeOperate, contentType: tc.contentType})
		wantStatus(t, rec, http.StatusOK)
		var out v1PauseResponse
		decodeJSONBody(t, rec, &out)
		paused, told := api.pausedState(102)
		if out.VMID != 102 || out.Paused != tc.paused || !told || paused != tc.paused {
			t.Errorf("%s: answer %+v, loop told %v (%v)", tc.verb, out, paused, told)
		}
	}
}

// TestV1CloneAndDelete clones into the next free VMID and deletes the
// clone, following both tasks.
func TestV1CloneAndDelete(t *testing.T) {
	api := newTestAPI(t, testAPIOptions{})
	// PVE copies a running container only from a snapshot.
	if err := api.sim.SetRunning(102, false); err != nil {
		t.Fatal(err)
	}
	rec := api.do(t, testRequest{method: "POST", target: "/api/v1/containers/102/clone", scope: ScopeAdmin, body: `{"hostname":"db2.example.org"}`})
	wantStatus(t, rec, http.StatusAccepted)
	var clone v1TaskResponse
	decodeJSONBody(t, rec, &clone)
	if clone.Task.Operation != manual.OpClone || clone.Task.NewVMID < 100 || clone.Task.NewVMID == 102 {
		t.Fatalf("clone task %+v", clone.Task)
	}
	rec = api.do(t, testRequest{method: "GET", target: rec.Header().Get("Location") + "?wait=10s", scope: ScopeRead})
	wantStatus(t, rec, http.StatusOK)
	newID := clone.Task.NewVMID
	if ct, ok := api.sim.Container(newID); !ok || ct.Config["hostname"] != "db2.example.org" {
		t.Fatalf("clone %d: %+v (found %v)", newID, ct, ok)
	}
	rec = api.do(t, testRequest{method: "DELETE", target: fmt.Sprintf("/api/v1/containers/%d?confirm=%d", newID, newID), scope: ScopeAdmin})
	wantStatus(t, rec, http.StatusAccepted)
	rec = api.do(t, testRequest{method: "GET", target: rec.Header().Get("Location") + "?wait=10s", scope: ScopeRead})
	wantStatus(t, rec, http.StatusOK)
	if _, ok := api.sim.Container(newID); ok {
		t.Errorf("clone %d still there after the delete task", newID)
	}
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestV1IfMatch(t *testing.T) {
	for _, tc := range []struct {
		in, digest string
		ok         bool
	}{
		{"", "", true},
		{"*", "", true},
		{`"abc123"`, "abc123", true},
		{`W/"ABC123"`, "abc123", true},
		{"abc123", "abc123", true},
		{`"not hex"`, "", false},
		{`"a", "b"`, "", false},
	} {
		digest, ok := v1IfMatch(tc.in)
		if digest != tc.digest || ok != tc.ok {
			t.Errorf("v1IfMatch(%q) = %q, %v; want %q, %v", tc.in, digest, ok, tc.digest, tc.ok)
		}
	}
}

// TestV1ListingFollowsNewSnapshots checks that the cached listing is the
// latest snapshot's: a new pass, even one stamped with the same time, is
// served at once.
func TestV1ListingFollowsNewSnapshots(t *testing.T) {
	snaps := &fixedSnapshots{snap: v1SnapshotFixture()}
	api := newTestAPI(t, testAPIOptions{snapshots: snaps})
	list := func() v1ContainerList {
		t.Helper()
		rec := api.do(t, testRequest{method: "GET", target: "/api/v1/containers", scope: ScopeRead})
		wantStatus(t, rec, http.StatusOK)
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type %q", ct)
		}
		var l v1ContainerList
		decodeJSONBody(t, rec, &l)
		return l
	}
	if got := list(); len(got.Containers) != 3 || got.Containers[0].Allocation.Cores != 2 {
		t.Fatalf("first listing %s", mustJSON(t, got))
	}
	list() // served from the cache
	next := v1SnapshotFixture()
	next.Containers[0].Alloc.Cores = 3
	snaps.set(next) // same time, a new pass
	if got := list(); got.Containers[0].Allocation.Cores != 3 {
		t.Errorf("after a new pass with the same time: cores %d, want 3", got.Containers[0].Allocation.Cores)
	}
	later := v1SnapshotFixture()
	later.Time = later.Time.Add(30 * time.Second)
	later.Containers = later.Containers[:1]
	snaps.set(later)
	if got := list(); len(got.Containers) != 1 || !got.Time.Equal(later.Time) {
		t.Errorf("after a later pass: %s", mustJSON(t, got))
	}
	snaps.set(controller.Snapshot{})
	if got := list(); got.Containers == nil || len(got.Containers) != 0 {
		t.Errorf("empty snapshot: %s", mustJSON(t, got))
	}
}

// FuzzV1DecodeBody feeds arbitrary bodies and content types to the strict
// decoder: it never panics, refuses with 400, 413 or 415 only, and what it
// accepts has no bad field and is the same object the standard decoder
// reads.
func FuzzV1DecodeBody(f *testing.F) {
	for _, seed := range []struct{ body, contentType string }{
		{`{"new_vmid":200,"hostname":"a.b","full":true,"target":"pve1","snapshot":"s1"}`, "application/json"},
		{`{"new_vmid":"200"}`, "application/json"},
		{`{"full":null}{}`, "application/json; charset=utf-8"},
		{`[1,2]`, "application/json"},
		{`new_vmid=200`, "application/x-www-form-urlencoded"},
		{``, ""},
		{`{"NEW_VMID":1,"x":{}}`, "application/json"},
	} {
		f.Add(seed.body, seed.contentType)
	}
	e := echo.New()
	f.Fuzz(func(t *testing.T, body, contentType string) {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		rec := httptest.NewRecorder()
		req.Body = http.MaxBytesReader(rec, req.Body, 4096)
		c := e.NewContext(req, rec)
		bad := map[string]string{}
		var got v1CloneRequest
		err := v1DecodeBody(c, &got, bad)
		if err != nil {
			var apiErr *Error
			if !errors.As(err, &apiErr) || (apiErr.Status != 400 && apiErr.Status != 413 && apiErr.Status != 415) {
				t.Fatalf("error %v", err)
			}
			return
		}
		if len(bad) > 0 || strings.TrimSpace(body) == "" {
			return
		}
		var want v1CloneRequest
		if err := json.Unmarshal([]byte(body), &want); err != nil {
			t.Fatalf("accepted %q, which encoding/json refuses: %v", body, err)
		}
		if mustJSON(t, got) != mustJSON(t, want) {
			t.Fatalf("accepted %q as %s, encoding/json reads %s", body, mustJSON(t, got), mustJSON(t, want))
		}
	})
}
