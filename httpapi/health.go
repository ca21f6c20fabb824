package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lxc-autoscale/lxc-autoscale/controller/manual"
)

// Health: /healthz (alive), /readyz (the loop has succeeded recently, or,
// without a loop, Proxmox answers) and the original's /health/check.

// clusterProbeTTL is how long one answer of Proxmox stands for health: a
// probe hammered by a load balancer costs one /nodes call per 5 s.
const clusterProbeTTL = 5 * time.Second

// staleAfterIntervals is how many loop intervals may pass after the last
// successful pass before the server is not ready.
const staleAfterIntervals = 3

// clusterProbe asks Proxmox for its nodes at most once per TTL.
type clusterProbe struct {
	ops *manual.Operations
	now func() time.Time
	ttl time.Duration

	mu      sync.Mutex // held during a probe: concurrent callers share it
	checked time.Time
	nodes   []manual.NodeSummary
	err     error
}

// check returns the nodes of the latest probe, probing again when it is
// older than the TTL.
func (p *clusterProbe) check(ctx context.Context) ([]manual.NodeSummary, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if now := p.now(); p.checked.IsZero() || now.Sub(p.checked) >= p.ttl || now.Before(p.checked) {
		ctx, cancel := context.WithTimeout(ctx, clusterProbeTTL)
		defer cancel()
		nodes, err := p.ops.Nodes(ctx)
		if err != nil && errors.Is(context.Cause(ctx), context.Canceled) {
			// The caller went away: that says nothing of Proxmox.
			return nil, err
		}
		p.nodes, p.err, p.checked = nodes, err, p.now()
	}
	return p.nodes, p.err
}

// healthStatus is the body of /healthz and /readyz.
type healthStatus struct {
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
}

// healthCheck is one check of /health/check, in the original's shape.
type healthCheck struct {
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// healthReport is the original's /health/check body; Checks only for a
// token holder.
type healthReport struct {
	Status string                 `json:"status"`
	Checks map[string]healthCheck `json:"checks,omitempty"`
}

func (s *Server) healthRoutes() {
	probe := &clusterProbe{ops: s.opts.Operations, now: s.now, ttl: clusterProbeTTL}
	// /healthz and /readyz are not rate limited: a probe refused with 429
	// would restart or drain a healthy server. Both are cheap (readiness
	// hits Proxmox at most once per clusterProbeTTL).
	alive := func(c echo.Context) error { return c.JSON(http.StatusOK, healthStatus{Status: "ok"}) }
	// The reason of a not ready answer names Proxmox's address and errors:
	// only for a token holder, like every detail of the cluster.
	ready := func(c echo.Context) error {
		if reason := s.notReady(c.Request().Context(), probe); reason != "" {
			answer := healthStatus{Status: "not ready"}
			if s.readerDetails(c) {
				answer.Reason = reason
			}
			return c.JSON(http.StatusServiceUnavailable, answer)
		}
		return c.JSON(http.StatusOK, healthStatus{Status: "ready"})
	}
	for _, m := range []string{http.MethodGet, http.MethodHead} {
		s.echo.Add(m, "/healthz", alive)
		s.echo.Add(m, "/readyz", ready)
	}
	// Public as in the original; rate limited like any public route.
	s.echo.GET("/health/check", func(c echo.Context) error { return s.healthCheck(c, probe) }, s.require(ScopeNone))

}

// notReady returns why the server is not ready, or "" when it is: with
// the loop, until its first successful pass and whenever that is older
// than staleAfterIntervals intervals; without it, while Proxmox does not
// answer.
func (s *Server) notReady(ctx context.Context, probe *clusterProbe) string {
	if s.opts.Snapshots == nil {
		if _, err := probe.check(ctx); err != nil {
			return "Proxmox VE API: " + err.Error()
		}
		return ""
	}
	snap := s.opts.Snapshots.Snapshot()
	if snap.LastSuccess.IsZero() {
		return "no successful pass yet"
	}
	interval := s.opts.Interval
	if interval <= 0 {
		interval = snap.Interval
	}
	if interval <= 0 {
		return ""
	}
	if age := s.now().Sub(snap.LastSuccess); age > staleAfterIntervals*interval {
		return fmt.Sprintf("last successful pass %s ago, more than %d intervals of %s",
			age.Round(time.Second), staleAfterIntervals, interval)
	}
	return ""
}

// healthCheck answers /health/check in the original's shape: 200 healthy
// or 503 unhealthy, with one entry per check when a valid token is sent. "lxc_commands" keeps the
// original's name for scripts that read it; here it is whether the Proxmox
// VE API answers, which is what pct was to the original.
func (s *Server) healthCheck(c echo.Context, probe *clusterProbe) error {
	checks := map[string]healthCheck{}
	nodes, err := probe.check(c.Request().Context())
	if err != nil {
		checks["lxc_commands"] = healthCheck{OK: false, Detail: "Proxmox VE API: " + err.Error()}
	} else {
		online := 0
		for _, n := range nodes {
			if n.Online {
				online++
			}
		}
		checks["lxc_commands"] = healthCheck{OK: online > 0,
			Detail: fmt.Sprintf("Proxmox VE API: %d of %d nodes online", online, len(nodes))}
	}
	if n := len(s.opts.Tokens); n > 0 {
		checks["configuration"] = healthCheck{OK: true, Detail: strconv.Itoa(n) + " API tokens"}
	} else {
		checks["configuration"] = healthCheck{OK: false, Detail: "no API tokens configured: every protected route answers 401"}
	}
	if s.opts.Snapshots != nil {
		if reason := s.notReady(c.Request().Context(), probe); reason != "" {
			checks["autoscaler"] = healthCheck{OK: false, Detail: reason}
		} else {
			checks["autoscaler"] = healthCheck{OK: true, Detail: "last successful pass " +
				s.now().Sub(s.opts.Snapshots.Snapshot().LastSuccess).Round(time.Second).String() + " ago"}
		}
	}
	report := healthReport{Status: "healthy"}
	status := http.StatusOK
	for _, ch := range checks {
		if !ch.OK {
			report.Status, status = "unhealthy", http.StatusServiceUnavailable
		}
	}
	// The checks name Proxmox's address, its errors and how many tokens
	// exist: details for a token holder, not for whoever asks.
	if s.readerDetails(c) {
		report.Checks = checks
	}
	return c.JSON(status, report)
}
