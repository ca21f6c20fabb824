package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// /metrics, and the API's own request metrics it serves with the rest of
// the registry.

// metricsRoutes serves the registry at /metrics, with a read token unless
// MetricsPublic.
func (s *Server) metricsRoutes() {
	scope := ScopeRead
	if s.opts.MetricsPublic {
		scope = ScopeNone
	}
	handler := promhttp.HandlerFor(s.opts.Registry, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
	s.echo.GET("/metrics", echo.WrapHandler(handler), s.require(scope))
}

// metrics are the API's own request metrics.
type metrics struct {
	requests           *prometheus.CounterVec   // method, route, code
	duration           *prometheus.HistogramVec // method, route
	connectionsOpen    prometheus.Gauge
	connectionsWaiting prometheus.Gauge
	authFailures       *prometheus.CounterVec // reason
	taskWaits          prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "lxc_autoscale", Subsystem: "api", Name: "requests_total",
			Help: "REST API requests by method, route template and status code.",
		}, []string{"method", "route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "lxc_autoscale", Subsystem: "api", Name: "request_duration_seconds",
			Help:    "REST API request durations by method and route template.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 5, 30},
		}, []string{"method", "route"}),
		connectionsOpen: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "lxc_autoscale", Subsystem: "api", Name: "connections_open",
			Help: "Client connections the REST API serves now, at most api.max_connections.",
		}),
		connectionsWaiting: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "lxc_autoscale", Subsystem: "api", Name: "connections_waiting",
			Help: "Accepted client connections waiting for a free slot under api.max_connections.",
		}),
		authFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "lxc_autoscale", Subsystem: "api", Name: "auth_failures_total",
			Help: "Requests whose token was not accepted (unknown_token, unsupported_scheme), and those refused for too many such failures from one address (rate_limited).",
		}, []string{"reason"}),
		taskWaits: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "lxc_autoscale", Subsystem: "api", Name: "task_waits",
			Help: "GET /api/v1/tasks/{id}?wait= requests in progress.",
		}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.connectionsOpen, m.connectionsWaiting, m.authFailures, m.taskWaits} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// knownMethods bounds the method label.
var knownMethods = map[string]bool{"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "OPTIONS": true}

// instrument counts and times requests by route template (never the raw
// path, which would make the labels unbounded).
func (s *Server) instrument(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		route := c.Path()
		if route == "" || c.Response().Status == http.StatusNotFound && route == "/*" {
			route = "unmatched"
		}
		method := c.Request().Method
		if !knownMethods[method] {
			method = "other"
		}
		s.metrics.requests.WithLabelValues(method, route, strconv.Itoa(c.Response().Status)).Inc()
		s.metrics.duration.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
		return nil
	}
}
