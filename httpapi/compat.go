package httpapi

import (
	"fmt"

	"github.com/labstack/echo/v4"

	"github.com/lxc-autoscale/lxc-autoscale/httpapi/compat"
)

// The original LXC AutoScale ML API's routes are package compat's; the
// server adds them behind its own authentication, and their errors keep
// the original's envelope.

// compatRoutes adds the original's routes.
func (s *Server) compatRoutes() error {
	api := compat.New(compat.Host{
		Operations: s.opts.Operations,
		Logger:     s.opts.Logger,
		Timeout:    s.opts.RequestTimeout,
		Caller:     caller,
		Failure: func(err error) (int, string) {
			e := fromOperation(err)
			return e.Status, e.Message
		},
		Served: s.servedRoutes,
	})
	for _, r := range api.Routes() {
		scope, err := ParseScope(string(r.Scope))
		if err != nil {
			return fmt.Errorf("httpapi: route %s %s: %w", r.Method, r.Path, err)
		}
		s.compatPaths[r.Path] = true
		s.echo.Add(r.Method, r.Path, r.Handler, api.Errors, s.require(scope))
	}
	return nil
}

// servedRoutes are the routes the server serves, without echo's own
// placeholders.
func (s *Server) servedRoutes() []*echo.Route {
	var out []*echo.Route
	for _, r := range s.echo.Routes() {
		if knownMethods[r.Method] {
			out = append(out, r)
		}
	}
	return out
}
