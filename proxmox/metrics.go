package proxmox

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

const metricsNamespace = "lxc_autoscale"

type metrics struct {
	requests  *prometheus.CounterVec   // method, route, code
	duration  *prometheus.HistogramVec // method, route
	retries   *prometheus.CounterVec   // method, route
	failovers prometheus.Counter
}

// newMetrics builds the client's collectors and registers them on reg when
// it is not nil. Registering twice on one registry (two clients) fails.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: metricsNamespace, Subsystem: "proxmox", Name: "requests_total",
			Help: "HTTP requests sent to the Proxmox VE API, by method, route template and status code (\"error\" when no answer came).",
		}, []string{"method", "route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: metricsNamespace, Subsystem: "proxmox", Name: "request_duration_seconds",
			Help:    "Duration of HTTP requests to the Proxmox VE API, including reading the body.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"method", "route"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: metricsNamespace, Subsystem: "proxmox", Name: "retries_total",
			Help: "Requests to the Proxmox VE API sent again after a retryable failure.",
		}, []string{"method", "route"}),
		failovers: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: metricsNamespace, Subsystem: "proxmox", Name: "endpoint_failovers_total",
			Help: "Times the client moved to another API endpoint because one was unreachable.",
		}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.requests, m.duration, m.retries, m.failovers} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// routes are the templates of every path the client calls. Placeholders
// match exactly one path segment.
var routes = []string{
	"/version",
	"/access/ticket",
	"/access/permissions",
	"/cluster/resources",
	"/cluster/nextid",
	"/nodes",
	"/nodes/{node}/status",
	"/nodes/{node}/lxc",
	"/nodes/{node}/lxc/{vmid}",
	"/nodes/{node}/lxc/{vmid}/config",
	"/nodes/{node}/lxc/{vmid}/resize",
	"/nodes/{node}/lxc/{vmid}/rrddata",
	"/nodes/{node}/lxc/{vmid}/clone",
	"/nodes/{node}/lxc/{vmid}/status/current",
	"/nodes/{node}/lxc/{vmid}/status/start",
	"/nodes/{node}/lxc/{vmid}/status/stop",
	"/nodes/{node}/lxc/{vmid}/snapshot",
	"/nodes/{node}/lxc/{vmid}/snapshot/{snapname}",
	"/nodes/{node}/lxc/{vmid}/snapshot/{snapname}/rollback",
	"/nodes/{node}/tasks/{upid}/status",
	"/nodes/{node}/tasks/{upid}/log",
}

// routeOther is the label of any path not in routes, so a label never holds
// a raw path.
const routeOther = "other"

var routeSegments = func() [][]string {
	out := make([][]string, len(routes))
	for i, r := range routes {
		out[i] = strings.Split(strings.TrimPrefix(r, "/"), "/")
	}
	return out
}()

// routeOf maps a path below /api2/json (query ignored) to its template.
func routeOf(path string) string {
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	path = strings.TrimPrefix(path, "/")
	n := strings.Count(path, "/") + 1
	for i, segs := range routeSegments {
		if len(segs) != n {
			continue
		}
		if matchSegments(segs, path) {
			return routes[i]
		}
	}
	return routeOther
}

func matchSegments(segs []string, path string) bool {
	for _, seg := range segs {
		part, rest, _ := strings.Cut(path, "/")
		path = rest
		if part == "" {
			return false
		}
		if seg[0] == '{' {
			if seg == "{vmid}" && !isDigits(part) {
				return false
			}
			continue
		}
		if part != seg {
			return false
		}
	}
	return true
}
