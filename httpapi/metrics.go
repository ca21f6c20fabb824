package httpapi

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/rs/zerolog"
)

// /metrics, and the API's own request metrics it serves with the rest of
// the registry.

// metricsCacheTTL is how long one gathering of the registry is served.
// Gathering and encoding grow with the containers (an anomaly score per
// container: about a megabyte of text at 10,000), and /metrics is not
// rate limited (middleware.go: rateNone), so requests share one
// gathering per TTL instead of making one each. The loop's own values
// change once per pass (10 s by default), so a scrape sees them at most
// this much later.
const metricsCacheTTL = time.Second

// metricsRoutes serves the registry at /metrics, with a read token unless
// MetricsPublic, from a cache and without a rate limit.
func (s *Server) metricsRoutes() {
	scope := ScopeRead
	if s.opts.MetricsPublic {
		scope = ScopeNone
	}
	cache := &metricsCache{gatherer: s.opts.Registry, ttl: metricsCacheTTL, now: time.Now, log: s.opts.Logger}
	s.echo.GET("/metrics", cache.serve, s.requireToken(scope, false, rateNone))
}

// metricsFormats are the exposition formats offered: Prometheus's
// protobuf and the text format. The request picks one of them (and an
// escaping scheme of the four there are) and gzip or not, so the cache
// holds a bounded number of encodings.
var metricsFormats = []expfmt.Format{expfmt.FmtProtoDelim, expfmt.FmtText}

// metricsCache serves one gathering of the registry per TTL, each
// encoding made once; a request that finds it stale gathers again while
// the others wait for that gathering rather than making their own.
type metricsCache struct {
	gatherer prometheus.Gatherer
	ttl      time.Duration
	now      func() time.Time
	log      zerolog.Logger

	mu        sync.Mutex
	at        time.Time
	families  []*dto.MetricFamily
	encodings map[metricsEncoding][]byte
}

type metricsEncoding struct {
	format expfmt.Format
	gzip   bool
}

func (m *metricsCache) serve(c echo.Context) error {
	r := c.Request()
	enc := metricsEncoding{format: expfmt.NegotiateAccept(r.Header, metricsFormats...), gzip: acceptsGzip(r.Header.Get("Accept-Encoding"))}
	body, err := m.encoded(enc)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Add("Vary", "Accept")
	h.Add("Vary", "Accept-Encoding")
	if enc.gzip {
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		h.Set("Content-Type", string(enc.format))
		return c.NoContent(http.StatusOK)
	}
	return c.Blob(http.StatusOK, string(enc.format), body)
}

// encoded returns the registry in enc, gathering it again when the last
// gathering is older than the TTL.
func (m *metricsCache) encoded(enc metricsEncoding) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if now := m.now(); m.families == nil || now.Sub(m.at) >= m.ttl || now.Before(m.at) {
		families, err := m.gatherer.Gather()
		if err != nil {
			// As promhttp's ContinueOnError: serve what was gathered.
			m.log.Warn().Err(err).Msg("gathering metrics failed in part")
			if len(families) == 0 {
				return nil, apiError(http.StatusInternalServerError, "gathering metrics failed")
			}
		}
		m.families, m.at, m.encodings = families, now, map[metricsEncoding][]byte{}
		time.AfterFunc(m.ttl, m.forget)
	}
	if body, ok := m.encodings[enc]; ok {
		return body, nil
	}
	var buf bytes.Buffer
	var zw *gzip.Writer
	w := expfmt.NewEncoder(&buf, enc.format)
	if enc.gzip {
		// BestSpeed: at 10,000 containers the default level's match search
		// was a third of a scrape's CPU, more than the pass it reports on;
		// the text compresses well at any level.
		zw, _ = gzip.NewWriterLevel(&buf, gzip.BestSpeed) // a valid level: no error
		w = expfmt.NewEncoder(zw, enc.format)
	}
	for _, f := range m.families {
		if err := w.Encode(f); err != nil {
			return nil, err
		}
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return nil, err
		}
	}
	m.encodings[enc] = buf.Bytes()
	return buf.Bytes(), nil
}

// forget drops a gathering and its encodings once stale: at 10,000
// containers the families alone are some 24 MB of heap, which the next
// scrape, seconds later, would not use.
func (m *metricsCache) forget() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.families != nil && m.now().Sub(m.at) >= m.ttl {
		m.families, m.encodings = nil, nil
	}
}

// acceptsGzip reports whether an Accept-Encoding header lists gzip with a
// weight above zero.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		q, found := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q=")
		if !found {
			return true
		}
		weight, err := strconv.ParseFloat(q, 64)
		return err == nil && weight > 0
	}
	return false
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
