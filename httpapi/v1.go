package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lxc-autoscale/lxc-autoscale/controller/manual"
)

// The versioned API under /api/v1. Containers are addressed by VMID alone;
// Operations resolves the node. Handlers never call Proxmox themselves:
// reads come from the loop's snapshot (or, without a loop, from Operations'
// live reads) and writes go through Operations, which audits them.
//
// Input is strict: a write's body is one JSON object sent as
// application/json (anything else is 415, so a form post can never act),
// unknown fields are refused, and every field is checked before anything
// is sent, with one 400 naming every bad field and what is allowed.

// v1Prefix is where the versioned API lives.
const v1Prefix = "/api/v1"

// Bounds of the API's own inputs; the rest are controller's.
const (
	// maxGrowGiB is controller.MaxGrowBytes in GiB (16 TiB).
	maxGrowGiB = manual.MaxGrowBytes >> 30
	// maxDescriptionLen bounds a snapshot description (PVE keeps it in
	// the container's config, which is small).
	maxDescriptionLen = 8192
	// maxTaskWait is the longest ?wait= a task query may ask for.
	maxTaskWait = time.Minute
	// maxTaskIDLen bounds a task id (a UPID is about 80 characters).
	maxTaskIDLen = 512
	// Audit entries a query may ask for, and how many it gets by default.
	maxAuditLimit     = 1000
	defaultAuditLimit = 100
)

var (
	// A config digest as PVE writes it (hex).
	v1DigestRe = regexp.MustCompile(`^[0-9a-fA-F]{1,128}$`)
)

// v1Route is one route of the versioned API, with the scope it needs. The
// table is the single list the router, the OpenAPI test and the scope
// matrix test agree on.
type v1Route struct {
	method string
	path   string // echo's template under v1Prefix, e.g. /containers/:vmid
	scope  Scope
	handle echo.HandlerFunc
}

func (s *Server) v1RouteTable() []v1Route {
	listing := &v1ListingCache{}
	return []v1Route{
		{http.MethodGet, "/containers", ScopeRead, func(c echo.Context) error { return s.v1ListContainers(c, listing) }},
		{http.MethodGet, "/containers/:vmid", ScopeRead, s.v1GetContainer},
		{http.MethodDelete, "/containers/:vmid", ScopeAdmin, s.v1DeleteContainer},
		{http.MethodPut, "/containers/:vmid/resources", ScopeOperate, s.v1SetResources},
		{http.MethodPost, "/containers/:vmid/disks/:disk/grow", ScopeOperate, s.v1GrowDisk},
		{http.MethodGet, "/containers/:vmid/snapshots", ScopeRead, s.v1ListSnapshots},
		{http.MethodPost, "/containers/:vmid/snapshots", ScopeOperate, s.v1CreateSnapshot},
		{http.MethodPost, "/containers/:vmid/snapshots/:name/rollback", ScopeAdmin, s.v1RollbackSnapshot},
		{http.MethodDelete, "/containers/:vmid/snapshots/:name", ScopeOperate, s.v1DeleteSnapshot},
		{http.MethodPost, "/containers/:vmid/clone", ScopeAdmin, s.v1Clone},
		{http.MethodPost, "/containers/:vmid/pause", ScopeOperate, s.v1Pause},
		{http.MethodPost, "/containers/:vmid/resume", ScopeOperate, s.v1Resume},
		{http.MethodGet, "/nodes", ScopeRead, s.v1ListNodes},
		{http.MethodGet, "/decisions", ScopeRead, s.v1Decisions},
		{http.MethodGet, "/audit", ScopeRead, s.v1Audit},
		{http.MethodGet, "/tasks/:id", ScopeRead, s.v1GetTask},
		// The document needs a token like every other route: it says
		// nothing secret, but one rule (health alone is public) is easier
		// to reason about than a list of exceptions.
		{http.MethodGet, "/openapi.json", ScopeRead, s.v1OpenAPI},
	}
}

func (s *Server) v1Routes() {
	for _, r := range s.v1RouteTable() {
		s.echo.Add(r.method, v1Prefix+r.path, r.handle, s.require(r.scope))
	}
}

// ctx bounds a handler's work by the request timeout.
func (s *Server) v1Ctx(c echo.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.Request().Context(), s.opts.RequestTimeout)
}

// v1Finite returns a pointer to f, or nil for NaN and infinities (which JSON
// cannot carry).
func v1Finite(f float64) *float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return &f
}

func v1Fraction(used, limit uint64) *float64 {
	if limit == 0 {
		return nil
	}
	return v1Finite(float64(used) / float64(limit))
}

func v1CheckSnapshotName(bad map[string]string, field, name string) {
	switch {
	case manual.ReservedSnapshotName(name):
		bad[field] = fmt.Sprintf("%q is reserved by Proxmox", name)
	case !manual.ValidSnapshotName(name):
		bad[field] = fmt.Sprintf("must be %s, got %q", manual.SnapshotNameRule, v1Clip(name))
	}
}

// v1Name takes an optional name field: its value, and in bad the rule it
// breaks when valid refuses it.
func v1Name(bad map[string]string, field string, value *string, valid func(string) bool, rule string) string {
	if value == nil {
		return ""
	}
	if !valid(*value) {
		bad[field] = fmt.Sprintf("must be %s, got %q", rule, v1Clip(*value))
	}
	return *value
}

// v1Empty is the body of writes that take no fields: none or {}.
type v1Empty struct{}

// v1ReadContainer answers the first half of a read of one container: the
// path's vmid, then read under the request timeout, its failure already
// turned into the API's answer.
func v1ReadContainer[Result any](s *Server, c echo.Context, read func(ctx context.Context, vmid int) (Result, error)) (vmid int, result Result, err error) {
	vmid, err = v1VMID(c)
	if err != nil {
		return vmid, result, err
	}
	ctx, cancel := s.v1Ctx(c)
	defer cancel()
	result, err = read(ctx, vmid)
	if err != nil {
		return vmid, result, v1Failure(err, "")
	}
	return vmid, result, nil
}

// v1VMID reads the vmid path parameter; a bad one is a 400 naming it.
func v1VMID(c echo.Context) (int, error) {
	bad := map[string]string{}
	vmid := v1VMIDInto(c, bad)
	if len(bad) > 0 {
		return 0, invalid(bad)
	}
	return vmid, nil
}

// v1VMIDInto reads the vmid path parameter, recording a bad one in bad.
func v1VMIDInto(c echo.Context, bad map[string]string) int {
	raw := c.Param("vmid")
	vmid, err := strconv.Atoi(raw)
	if err != nil || vmid < manual.MinVMID || vmid > manual.MaxVMID {
		bad["vmid"] = fmt.Sprintf("must be %d..%d, got %q", manual.MinVMID, manual.MaxVMID, v1Clip(raw))
		return 0
	}
	return vmid
}

func v1CheckRange(bad map[string]string, field string, v *int, lo, hi int) {
	if v != nil && (*v < lo || *v > hi) {
		bad[field] = fmt.Sprintf("must be %d..%d, got %d", lo, hi, *v)
	}
}

// v1Clip shortens what a client sent before it is echoed in an error.
func v1Clip(s string) string {
	const maxEcho = 64
	if len(s) <= maxEcho {
		return s
	}
	return s[:maxEcho] + "…"
}

// v1VMIDAndBody starts a write on one container: the path's vmid and the
// body's fields, with what is wrong with either already in bad. The error
// is v1DecodeBody's: the answer when the body cannot be read at all.
func v1VMIDAndBody[Request any](c echo.Context) (vmid int, req Request, bad map[string]string, err error) {
	bad = map[string]string{}
	vmid = v1VMIDInto(c, bad)
	err = v1DecodeBody(c, &req, bad)
	return vmid, req, bad, err
}

// v1DecodeBody reads a write's body into dst, a pointer to a struct whose
// fields are pointers with json tags. A body must be sent as
// application/json; an empty body is an empty object (writes whose
// fields are all optional need none). The body must
// be one JSON object; each unknown field and each field of the wrong type
// is recorded in bad, so that one answer names them all. The error it
// returns is the answer when the body cannot be read at all (415, 413,
// not JSON).
func v1DecodeBody(c echo.Context, dst any, bad map[string]string) error {
	r := c.Request()
	contentType := r.Header.Get(echo.HeaderContentType)
	if contentType != "" {
		mt, _, err := mime.ParseMediaType(contentType)
		if err != nil || mt != echo.MIMEApplicationJSON {
			return apiError(http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Type %q: this API takes application/json only", v1Clip(contentType)))
		}
	}
	raw, err := io.ReadAll(r.Body)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return apiError(http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", tooLarge.Limit))
	case err != nil:
		return apiError(http.StatusBadRequest, "reading the body: "+err.Error())
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		// No body is no fields, even when a client labels it JSON: routes
		// whose fields are required say which are missing.
		return nil
	}
	if contentType == "" {
		return apiError(http.StatusUnsupportedMediaType, "a body needs Content-Type: application/json")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	var fields map[string]json.RawMessage
	if err := dec.Decode(&fields); err != nil || fields == nil {
		bad["body"] = "must be one JSON object"
		return nil
	}
	if _, err := dec.Token(); err != io.EOF {
		bad["body"] = "must be one JSON object, and nothing after it"
		return nil
	}
	// Each field on its own, so that every bad one is named.
	v := reflect.ValueOf(dst).Elem()
	t := v.Type()
	known := make(map[string]bool, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		known[name] = true
		value, ok := fields[name]
		if !ok {
			continue
		}
		if bytes.Equal(bytes.TrimSpace(value), []byte("null")) {
			bad[name] = "must not be null (leave the field out instead)"
			continue
		}
		if err := json.Unmarshal(value, v.Field(i).Addr().Interface()); err != nil {
			bad[name] = "must be " + v1JSONKind(t.Field(i).Type)
		}
	}
	for name := range fields {
		if !known[name] {
			bad[v1Clip(name)] = "unknown field"
		}
	}
	if len(bad) > 0 {
		return nil
	}
	// The checks above found nothing; the strict decoder agrees, and is
	// the last word on what was sent.
	strict := json.NewDecoder(bytes.NewReader(raw))
	strict.DisallowUnknownFields()
	if err := strict.Decode(dst); err != nil {
		bad["body"] = "must be one JSON object with known fields: " + err.Error()
	}
	return nil
}

// v1JSONKind names what a field of type t takes, for errors.
func v1JSONKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int64:
		return "an integer"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	}
	return "a " + t.Kind().String()
}

// v1Failure is the answer to an operation's error. Input the controller
// refused is a 400 naming each field by the API's name for it; snapshot
// is what the controller's "snapshot" field is called on this route.
func v1Failure(err error, snapshot string) error {
	var inv *manual.InvalidRequestError
	if !errors.As(err, &inv) {
		return fromOperation(err)
	}
	names := map[string]string{
		"memory": "memory_mb", "swap": "swap_mb", "size": "grow_bytes", "newid": "new_vmid",
		"resources": "body",
	}
	if snapshot != "" {
		names["snapshot"] = snapshot
	}
	fields := make(map[string]string, len(inv.Fields))
	for _, f := range inv.Fields {
		name := f.Field
		if n, ok := names[name]; ok {
			name = n
		}
		fields[name] = f.Problem
	}
	return invalid(fields)
}
