package compat

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/controller/manual"
)

// Scope is the token scope a route needs, named as the server's
// configuration names it (httpapi.ParseScope reads it).
type Scope string

// Scopes of the original's routes.
const (
	ScopeRead    Scope = "read"
	ScopeOperate Scope = "operate"
	ScopeAdmin   Scope = "admin"
)

// Host is what the routes need of the server that serves them.
type Host struct {
	Operations *manual.Operations
	Logger     zerolog.Logger
	// Timeout bounds a request's work, its task waits included.
	Timeout time.Duration
	// Caller is who made a request, as the server's authentication found.
	Caller func(echo.Context) manual.Caller
	// Failure is the status and message of an error that is not one of
	// these routes' own (the server's classes of Operations' errors and
	// its authentication answers), so that both APIs answer alike.
	Failure func(error) (status int, message string)
	// Served lists every route the server serves (method, path), for
	// GET /routes.
	Served func() []*echo.Route
}

// API serves the original's routes.
type API struct {
	ops     *manual.Operations
	log     zerolog.Logger
	timeout time.Duration
	caller  func(echo.Context) manual.Caller
	failure func(error) (int, string)
	served  func() []*echo.Route
}

// New builds the routes on h.
func New(h Host) *API {
	return &API{ops: h.Operations, log: h.Logger, timeout: h.Timeout, caller: h.Caller, failure: h.Failure,
		served: h.Served}
}

// Route is one route of the original for the server to add, behind the
// authentication of Scope and with Errors outside it, so that every
// answer, a 401 included, keeps the original's envelope.
type Route struct {
	Method, Path string
	Scope        Scope
	Handler      echo.HandlerFunc
}

// Routes are the original's routes.
func (s *API) Routes() []Route {
	table := s.table()
	out := make([]Route, len(table))
	for i, r := range table {
		out[i] = Route{Method: r.method, Path: r.path, Scope: r.scope, Handler: s.serve(r)}
	}
	return out
}

// ValidationFailed answers 400 in the original's shape with problems, for
// a refusal the server makes before a route runs (a repeated query
// parameter).
func ValidationFailed(c echo.Context, problems []string) error {
	return c.JSON(http.StatusBadRequest, errorEnvelope{Status: "error", Message: "Validation failed", Errors: problems})
}

// statusError is a failure of these routes with its status.
type statusError struct {
	status  int
	message string
}

func (e *statusError) Error() string { return e.message }

func statusErr(status int, message string) *statusError {
	return &statusError{status: status, message: message}
}

// envelope is the original's response body.
type envelope struct {
	Status  string   `json:"status"`
	Message string   `json:"message"`
	Data    any      `json:"data"`
	Errors  []string `json:"errors,omitempty"`
}

// errorEnvelope is the original's error body: no data.
type errorEnvelope struct {
	Status  string   `json:"status"`
	Message string   `json:"message"`
	Errors  []string `json:"errors,omitempty"`
}

// validationError is the original's 400: every failing field at once.
type validationError struct {
	status   int
	problems []string
}

func (e *validationError) Error() string {
	return "validation failed: " + strings.Join(e.problems, "; ")
}

// Errors writes every failure of a compatibility route in the
// original's envelope, with the status of its class (Host.Failure).
func (s *API) Errors(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if err == nil || c.Response().Committed {
			return err
		}
		var (
			ve *validationError
			se *statusError
			he *echo.HTTPError
		)
		switch {
		case errors.As(err, &se):
			return c.JSON(se.status, errorEnvelope{Status: "error", Message: se.message})
		case errors.As(err, &ve):
			message := "Validation failed"
			if ve.status == http.StatusUnsupportedMediaType {
				message = ve.problems[0]
			}
			return c.JSON(ve.status, errorEnvelope{Status: "error", Message: message, Errors: ve.problems})
		case errors.As(err, &he):
			return c.JSON(he.Code, errorEnvelope{Status: "error", Message: fmt.Sprint(he.Message)})
		}
		status, message := s.failure(err)
		if status >= 500 {
			s.log.Error().Err(err).Str("method", c.Request().Method).Str("route", c.Path()).Msg("request failed")
		}
		var problems []string
		var invalid *manual.InvalidRequestError
		if errors.As(err, &invalid) {
			for _, f := range invalid.Fields {
				problems = append(problems, f.Field+": "+f.Problem)
			}
		}
		return c.JSON(status, errorEnvelope{Status: "error", Message: message, Errors: problems})
	}
}

// success writes the original's success envelope.
func success(c echo.Context, message string, data any) error {
	return c.JSON(http.StatusOK, envelope{Status: "success", Message: message, Data: data})
}

// route is one route of the original, with the Flask endpoint name
// that GET /routes reports.
type route struct {
	method, path, endpoint string
	scope                  Scope
	fields                 []inputField // read and checked before handle runs
	handle                 handler
}

// handler serves a route of the original once its fields are read
// into a; ctx is bounded by the request timeout.
type handler func(ctx context.Context, c echo.Context, a input) error

func (s *API) table() []route {
	return []route{
		{http.MethodPost, "/scale/cores", "set_cores", ScopeOperate, []inputField{fieldVMID, fieldCores}, s.scaleCores},
		{http.MethodPost, "/scale/ram", "set_ram", ScopeOperate, []inputField{fieldVMID, fieldMemory}, s.scaleRAM},
		{http.MethodPost, "/scale/storage/increase", "increase_storage", ScopeOperate, []inputField{fieldVMID, fieldDiskSize}, s.increaseStorage},
		{http.MethodPost, "/snapshot/create", "create_snapshot", ScopeOperate, []inputField{fieldVMID, fieldSnapshotName}, s.createSnapshot},
		{http.MethodGet, "/snapshot/list", "list_snapshots", ScopeRead, []inputField{fieldVMID}, s.listSnapshots},
		{http.MethodPost, "/snapshot/rollback", "rollback_snapshot", ScopeAdmin, []inputField{fieldVMID, fieldSnapshotName}, s.rollbackSnapshot},
		{http.MethodPost, "/clone/create", "clone_container", ScopeAdmin, []inputField{fieldVMID, fieldNewVMID, fieldNewVMName}, s.clone},
		{http.MethodDelete, "/clone/delete", "delete_container", ScopeAdmin, []inputField{fieldVMID}, s.deleteContainer},
		{http.MethodGet, "/resource/vm/status", "resource_vm_status", ScopeRead, []inputField{fieldVMID}, s.containerStatus},
		{http.MethodGet, "/resource/lxc/status", "resource_lxc_status", ScopeRead, []inputField{fieldVMID}, s.containerStatus},
		{http.MethodGet, "/resource/lxc/config", "resource_lxc_config", ScopeRead, []inputField{fieldVMID}, s.containerConfig},
		{http.MethodGet, "/resource/vm/config", "resource_vm_config", ScopeRead, []inputField{fieldVMID}, s.containerConfig},
		{http.MethodGet, "/resource/node/status", "node_status", ScopeRead, []inputField{fieldNodeName}, s.nodeStatus},
		{http.MethodGet, "/resource/cluster/status", "cluster_status", ScopeRead, nil, s.clusterStatus},
		{http.MethodGet, "/routes", "list_routes", ScopeRead, nil, s.listRoutes},
	}
}

// endpointNames are the endpoint names GET /routes reports for the
// routes of the original; other routes are named from their path.
var endpointNames = map[string]string{
	"/health/check": "health_check",
}

// serve reads and checks r's fields, then runs r's handler bounded
// by the request timeout: the original answered when pct was done, so
// these routes wait for their tasks.
func (s *API) serve(r route) echo.HandlerFunc {
	return func(c echo.Context) error {
		a, err := readInput(c, r.fields...)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(c.Request().Context(), s.timeout)
		defer cancel()
		return r.handle(ctx, c, a)
	}
}
