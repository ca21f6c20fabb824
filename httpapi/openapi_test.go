package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// loadOpenAPI loads and validates the embedded document.
func loadOpenAPI(t testing.TB) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openAPIDocument)
	if err != nil {
		t.Fatalf("load openapi.json: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI 3 document: %v", err)
	}
	return doc
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc := loadOpenAPI(t)
	if !strings.HasPrefix(doc.OpenAPI, "3.0") {
		t.Errorf("openapi %q, want 3.0.x", doc.OpenAPI)
	}
	for _, name := range []string{"bearer", "apiKey"} {
		if doc.Components.SecuritySchemes[name] == nil {
			t.Errorf("security scheme %q missing", name)
		}
	}
	// Every request body refuses unknown fields, as the server does.
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.RequestBody == nil {
				continue
			}
			schema := op.RequestBody.Value.Content.Get("application/json").Schema.Value
			if schema.AdditionalProperties.Has == nil || *schema.AdditionalProperties.Has {
				t.Errorf("%s %s: request body allows additional properties", method, path)
			}
		}
	}
}

// TestOpenAPIListsExactlyTheServersRoutes checks that every echo route
// under /api/v1 is in the document with the scope the server requires,
// and that the document has no route the server lacks.
func TestOpenAPIListsExactlyTheServersRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	api := newTestAPI(t, testAPIOptions{})
	served := map[string]bool{}
	for _, r := range api.server.echo.Routes() {
		if !strings.HasPrefix(r.Path, v1Prefix+"/") {
			continue
		}
		served[r.Method+" "+openAPIPath(strings.TrimPrefix(r.Path, v1Prefix))] = true
	}
	scopes := map[string]string{}
	for _, r := range api.server.v1RouteTable() {
		scopes[r.method+" "+openAPIPath(r.path)] = r.scope.String()
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			key := method + " " + path
			documented[key] = true
			if !served[key] {
				t.Errorf("%s is in openapi.json but not served", key)
				continue
			}
			if got := op.Extensions["x-scope"]; got != scopes[key] {
				t.Errorf("%s: x-scope %v, the server requires %s", key, got, scopes[key])
			}
			if !strings.Contains(op.Description, "Scope: "+scopes[key]+".") {
				t.Errorf("%s: description does not say its scope %s", key, scopes[key])
			}
		}
	}
	for key := range served {
		if !documented[key] {
			t.Errorf("%s is served but not in openapi.json", key)
		}
	}
	if len(served) != len(api.server.v1RouteTable()) {
		t.Errorf("%d routes served under %s, the table has %d", len(served), v1Prefix, len(api.server.v1RouteTable()))
	}
}

// openAPIPath turns echo's /containers/:vmid into /containers/{vmid}.
func openAPIPath(echoPath string) string {
	parts := strings.Split(echoPath, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, ":") {
			parts[i] = "{" + p[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}

func TestOpenAPIPath(t *testing.T) {
	for in, want := range map[string]string{
		"/containers":                        "/containers",
		"/containers/:vmid/snapshots/:name":  "/containers/{vmid}/snapshots/{name}",
		"/containers/:vmid/disks/:disk/grow": "/containers/{vmid}/disks/{disk}/grow",
		"/tasks/:id":                         "/tasks/{id}",
	} {
		if got := openAPIPath(in); got != want {
			t.Errorf("openAPIPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// openAPIChecker validates requests and answers against the document.
type openAPIChecker struct {
	router routers.Router
	opts   *openapi3filter.Options
}

func newOpenAPIChecker(t *testing.T, serverURL string) *openAPIChecker {
	t.Helper()
	doc := loadOpenAPI(t)
	// The document's server is relative; route against the test server.
	doc.Servers = openapi3.Servers{{URL: serverURL + v1Prefix}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &openAPIChecker{router: router, opts: &openapi3filter.Options{
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
		IncludeResponseStatus: true,
		SkipSettingDefaults:   true,
		MultiError:            true,
	}}
}

// exchange is one request of the OpenAPI walk and the status it must get.
type exchange struct {
	req        testRequest
	wantStatus int
	// invalidRequest marks a request the document itself refuses (sent to
	// check the documented error answer): only the answer is validated.
	invalidRequest bool
}

// send validates the request (unless it is meant to be invalid), sends it
// over HTTP, validates the answer and returns its body.
func (c *openAPIChecker) send(t *testing.T, client *http.Client, base string, x exchange) []byte {
	t.Helper()
	req := x.req.newHTTPRequest(t, base)
	var reqBody []byte
	if req.Body != nil {
		reqBody, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	route, pathParams, err := c.router.FindRoute(req)
	if err != nil {
		t.Fatalf("%s %s: no route in openapi.json: %v", req.Method, req.URL, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: pathParams, Route: route, Options: c.opts}
	err = openapi3filter.ValidateRequest(context.Background(), in)
	switch {
	case x.invalidRequest && err == nil:
		t.Errorf("%s %s: the document accepts a request meant to be invalid", req.Method, req.URL)
	case !x.invalidRequest && err != nil:
		t.Errorf("%s %s: request does not match openapi.json: %v", req.Method, req.URL, err)
	}
	req.Body = io.NopCloser(bytes.NewReader(reqBody))
	if reqBody == nil {
		req.Body = http.NoBody
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != x.wantStatus {
		t.Fatalf("%s %s: status %d, want %d; body %s", req.Method, req.URL, resp.StatusCode, x.wantStatus, body)
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(body)), Options: c.opts,
	}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("%s %s: answer %d %s does not match openapi.json: %v", req.Method, req.URL, resp.StatusCode, body, err)
	}
	return body
}

// TestOpenAPIRequestsAndAnswersMatch walks every /api/v1 route over HTTP
// against a simulated cluster, validating each request and each answer
// (success and documented errors) against the document.
func TestOpenAPIRequestsAndAnswersMatch(t *testing.T) {
	snaps := &fixedSnapshots{}
	snaps.set(v1SnapshotFixture())
	api := newTestAPI(t, testAPIOptions{snapshots: snaps})
	srv := httptest.NewServer(api.server.Handler())
	t.Cleanup(srv.Close)
	checker := newOpenAPIChecker(t, srv.URL)
	client := srv.Client()
	send := func(x exchange) []byte {
		t.Helper()
		return checker.send(t, client, srv.URL, x)
	}
	covered := map[string]bool{}
	sendOn := func(route string, x exchange) []byte {
		t.Helper()
		covered[route] = true
		return send(x)
	}
	taskOf := func(body []byte) string {
		t.Helper()
		var r struct{ Task struct{ ID string } }
		if err := json.Unmarshal(body, &r); err != nil || r.Task.ID == "" {
			t.Fatalf("no task in %s: %v", body, err)
		}
		return r.Task.ID
	}
	waitTask := func(id string) {
		t.Helper()
		body := sendOn("GET /tasks/{id}", exchange{req: testRequest{method: "GET", target: v1Prefix + "/tasks/" + url.PathEscape(id) + "?wait=10s", scope: ScopeRead}, wantStatus: 200})
		var r struct{ Task v1Task }
		mustDecode(t, body, &r)
		if !r.Task.Done || r.Task.Failed {
			t.Fatalf("task %s: %+v", id, r.Task)
		}
	}

	sendOn("GET /containers", exchange{req: testRequest{method: "GET", target: v1Prefix + "/containers", scope: ScopeRead}, wantStatus: 200})
	body := sendOn("GET /containers/{vmid}", exchange{req: testRequest{method: "GET", target: v1Prefix + "/containers/101", scope: ScopeRead}, wantStatus: 200})
	var detail v1ContainerDetail
	mustDecode(t, body, &detail)
	sendOn("GET /containers/{vmid}", exchange{req: testRequest{method: "GET", target: v1Prefix + "/containers/555", scope: ScopeRead}, wantStatus: 404})
	sendOn("GET /nodes", exchange{req: testRequest{method: "GET", target: v1Prefix + "/nodes", scope: ScopeRead}, wantStatus: 200})
	sendOn("PUT /containers/{vmid}/resources", exchange{req: testRequest{
		method: "PUT", target: v1Prefix + "/containers/101/resources", scope: ScopeOperate,
		body: `{"cores":3,"memory_mb":2048,"swap_mb":256}`, header: http.Header{"If-Match": {`"` + detail.Config.Digest + `"`}},
	}, wantStatus: 200})
	sendOn("PUT /containers/{vmid}/resources", exchange{req: testRequest{
		method: "PUT", target: v1Prefix + "/containers/101/resources", scope: ScopeOperate,
		body: `{"cores":4}`, header: http.Header{"If-Match": {`"` + detail.Config.Digest + `"`}},
	}, wantStatus: 409})
	sendOn("PUT /containers/{vmid}/resources", exchange{req: testRequest{
		method: "PUT", target: v1Prefix + "/containers/101/resources", scope: ScopeOperate, body: `{"cores":9000,"bogus":1}`,
	}, wantStatus: 400, invalidRequest: true})
	sendOn("PUT /containers/{vmid}/resources", exchange{req: testRequest{
		method: "PUT", target: v1Prefix + "/containers/101/resources", scope: ScopeOperate, body: `cores=2`, contentType: "application/x-www-form-urlencoded",
	}, wantStatus: 415, invalidRequest: true})
	waitTask(taskOf(sendOn("POST /containers/{vmid}/disks/{disk}/grow", exchange{req: testRequest{
		method: "POST", target: v1Prefix + "/containers/101/disks/rootfs/grow", scope: ScopeOperate, body: `{"grow_gb":1}`,
	}, wantStatus: 202})))
	waitTask(taskOf(sendOn("POST /containers/{vmid}/snapshots", exchange{req: testRequest{
		method: "POST", target: v1Prefix + "/containers/101/snapshots", scope: ScopeOperate, body: `{"name":"before","description":"before the upgrade"}`,
	}, wantStatus: 202})))
	sendOn("POST /containers/{vmid}/snapshots", exchange{req: testRequest{
		method: "POST", target: v1Prefix + "/containers/101/snapshots", scope: ScopeOperate, body: `{"name":"before"}`,
	}, wantStatus: 409})
	// A running container is copied from a snapshot.
	waitTask(taskOf(sendOn("POST /containers/{vmid}/clone", exchange{req: testRequest{
		method: "POST", target: v1Prefix + "/containers/101/clone", scope: ScopeAdmin,
		body: `{"new_vmid":200,"hostname":"web-copy","full":true,"snapshot":"before","target":"pve1"}`,
	}, wantStatus: 202})))
	sendOn("GET /containers/{vmid}/snapshots", exchange{req: testRequest{method: "GET", target: v1Prefix + "/containers/101/snapshots", scope: ScopeRead}, wantStatus: 200})
	waitTask(taskOf(sendOn("POST /containers/{vmid}/snapshots/{name}/rollback", exchange{req: testRequest{
		method: "POST", target: v1Prefix + "/containers/101/snapshots/before/rollback", scope: ScopeAdmin, body: `{"start":false}`,
	}, wantStatus: 202})))
	sendOn("POST /containers/{vmid}/snapshots/{name}/rollback", exchange{req: testRequest{
		method: "POST", target: v1Prefix + "/containers/101/snapshots/never/rollback", scope: ScopeAdmin,
	}, wantStatus: 404})
	waitTask(taskOf(sendOn("DELETE /containers/{vmid}/snapshots/{name}", exchange{req: testRequest{
		method: "DELETE", target: v1Prefix + "/containers/101/snapshots/before", scope: ScopeOperate,
	}, wantStatus: 202})))
	sendOn("POST /containers/{vmid}/pause", exchange{req: testRequest{method: "POST", target: v1Prefix + "/containers/101/pause", scope: ScopeOperate}, wantStatus: 200})
	sendOn("POST /containers/{vmid}/resume", exchange{req: testRequest{method: "POST", target: v1Prefix + "/containers/101/resume", scope: ScopeOperate, body: `{}`}, wantStatus: 200})
	sendOn("GET /decisions", exchange{req: testRequest{method: "GET", target: v1Prefix + "/decisions", scope: ScopeRead}, wantStatus: 200})
	sendOn("GET /audit", exchange{req: testRequest{method: "GET", target: v1Prefix + "/audit?limit=50", scope: ScopeRead}, wantStatus: 200})
	sendOn("GET /audit", exchange{req: testRequest{method: "GET", target: v1Prefix + "/audit?limit=0", scope: ScopeRead}, wantStatus: 400, invalidRequest: true})
	sendOn("GET /tasks/{id}", exchange{req: testRequest{method: "GET", target: v1Prefix + "/tasks/UPID:pve1:nothing", scope: ScopeRead}, wantStatus: 404})
	sendOn("GET /openapi.json", exchange{req: testRequest{method: "GET", target: v1Prefix + "/openapi.json", scope: ScopeRead}, wantStatus: 200})
	sendOn("DELETE /containers/{vmid}", exchange{req: testRequest{method: "DELETE", target: v1Prefix + "/containers/103?confirm=103", scope: ScopeAdmin}, wantStatus: 409})
	waitTask(taskOf(sendOn("DELETE /containers/{vmid}", exchange{req: testRequest{
		method: "DELETE", target: v1Prefix + "/containers/104?confirm=104&purge=true", scope: ScopeAdmin,
	}, wantStatus: 202})))
	sendOn("GET /containers", exchange{req: testRequest{method: "GET", target: v1Prefix + "/containers", token: testUnknownToken}, wantStatus: 401})
	sendOn("POST /containers/{vmid}/clone", exchange{req: testRequest{method: "POST", target: v1Prefix + "/containers/101/clone", scope: ScopeOperate}, wantStatus: 403})

	for _, r := range api.server.v1RouteTable() {
		if key := r.method + " " + openAPIPath(r.path); !covered[key] {
			t.Errorf("%s is not exercised against the document", key)
		}
	}
}

func mustDecode(t testing.TB, body []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
}

// TestOpenAPILiveListingMatches checks the listing without a loop (the
// live source, no swap, no scores) against the document too.
func TestOpenAPILiveListingMatches(t *testing.T) {
	api := newTestAPI(t, testAPIOptions{noPause: true})
	srv := httptest.NewServer(api.server.Handler())
	t.Cleanup(srv.Close)
	checker := newOpenAPIChecker(t, srv.URL)
	for _, x := range []exchange{
		{req: testRequest{method: "GET", target: v1Prefix + "/containers", scope: ScopeRead}, wantStatus: 200},
		{req: testRequest{method: "GET", target: v1Prefix + "/containers/102", scope: ScopeRead}, wantStatus: 200},
		{req: testRequest{method: "GET", target: v1Prefix + "/decisions", scope: ScopeRead}, wantStatus: 200},
		{req: testRequest{method: "POST", target: v1Prefix + "/containers/101/pause", scope: ScopeOperate}, wantStatus: 409},
	} {
		checker.send(t, srv.Client(), srv.URL, x)
	}
}
