package httpapi

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
)

// singleQuery refuses a query that repeats a parameter, on every route:
// handlers read the first value, so `?confirm=100&confirm=101` would be
// checked on one value and could be acted on by another reader.
func (s *Server) singleQuery(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.URL.RawQuery == "" {
			return next(c)
		}
		fields := map[string]string{}
		for name, values := range r.URL.Query() {
			if len(values) > 1 {
				fields[v1Clip(name)] = fmt.Sprintf("given %d times; give it once", len(values))
			}
		}
		if len(fields) == 0 {
			return next(c)
		}
		names := make([]string, 0, len(fields))
		for n := range fields {
			names = append(names, n)
		}
		sort.Strings(names)
		if s.compatPaths[c.Path()] {
			problems := make([]string, len(names))
			for i, n := range names {
				problems[i] = n + " is " + fields[n]
			}
			return c.JSON(http.StatusBadRequest, compatErrorEnvelope{Status: "error", Message: "Validation failed", Errors: problems})
		}
		return &Error{Status: http.StatusBadRequest, Message: "repeated query parameter " + names[0], Fields: fields}
	}
}

// maxHeaderBytes bounds a request's header block: without it every
// connection could hold a megabyte (net/http's default) while the headers
// are read, before any token is checked. net/http answers 431 beyond it.
const maxHeaderBytes = 64 << 10

// defaultMaxConnections is Options.MaxConnections when unset.
const defaultMaxConnections = 256

// limitListener hands at most cap(slots) connections to the server at a
// time. A connection beyond that is accepted but waits, unread, until one
// of the others closes, and the accept loop with it: further clients wait
// in the kernel's backlog. So memory and file descriptors stay bounded
// whoever connects, and nobody is refused during a short burst.
type limitListener struct {
	net.Listener
	slots   chan struct{}
	done    chan struct{}
	closing sync.Once
	open    prometheus.Gauge
	waiting prometheus.Gauge
}

func newLimitListener(ln net.Listener, n int, m *metrics) *limitListener {
	return &limitListener{Listener: ln, slots: make(chan struct{}, n), done: make(chan struct{}),
		open: m.connectionsOpen, waiting: m.connectionsWaiting}
}

func (l *limitListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	select {
	case l.slots <- struct{}{}:
	default:
		l.waiting.Inc()
		select {
		case l.slots <- struct{}{}:
			l.waiting.Dec()
		case <-l.done:
			l.waiting.Dec()
			c.Close()
			return nil, net.ErrClosed
		}
	}
	l.open.Inc()
	return &limitedConn{Conn: c, listener: l}, nil
}

func (l *limitListener) Close() error {
	l.closing.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// limitedConn gives its slot back when closed, once.
type limitedConn struct {
	net.Conn
	listener *limitListener
	released sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.released.Do(func() {
		c.listener.open.Dec()
		<-c.listener.slots
	})
	return err
}

// Failed authentications: a token presented and not accepted. Each is
// logged (client address, reason, route; never the token or its hash)
// and counted, and an address may fail authFailureBurst times, then once
// per authFailureRefill: beyond that every request of the address that
// needs a token is refused with 429 before its token is checked, so
// guessing tokens is slow and a hit is not told apart from a miss. A
// request without any token is an ordinary 401, neither logged nor
// limited here (the per-address rate limit applies to it as to any).
// RateLimit 0 turns this off with the rest of the rate limiting.
const (
	defaultAuthFailureBurst  = 10
	defaultAuthFailureRefill = 6 * time.Second
)

// Reasons of a failed authentication, the label values of
// lxc_autoscale_api_auth_failures_total.
const (
	authUnknownToken      = "unknown_token"
	authUnsupportedScheme = "unsupported_scheme"
	authRateLimited       = "rate_limited"
)

// presentsCredential reports whether r carries something meant as a
// credential: a non-empty X-API-Key or Authorization header.
func presentsCredential(r *http.Request) bool {
	return r.Header.Get("X-API-Key") != "" || r.Header.Get("Authorization") != ""
}

// credentialProblem is the reason a presented credential was not
// accepted, for logs and the metric.
func credentialProblem(r *http.Request) string {
	if r.Header.Get("X-API-Key") == "" {
		if scheme, _, _ := strings.Cut(r.Header.Get("Authorization"), " "); !strings.EqualFold(scheme, "Bearer") && !strings.EqualFold(scheme, "Basic") {
			return authUnsupportedScheme
		}
	}
	return authUnknownToken
}

// authBlocked reports whether the client's address has used up its failed
// authentications; it then answers 429 with Retry-After and counts it.
func (s *Server) authBlocked(c echo.Context) bool {
	if s.authFailures == nil {
		return false
	}
	blocked, wait := s.authFailures.exhausted("addr:" + c.RealIP())
	if !blocked {
		return false
	}
	s.metrics.authFailures.WithLabelValues(authRateLimited).Inc()
	secs := strconv.Itoa(max(1, int(math.Ceil(wait.Seconds()))))
	c.Response().Header().Set("Retry-After", secs)
	_ = c.JSON(http.StatusTooManyRequests, apiError(http.StatusTooManyRequests, "too many failed authentications from this address; retry after "+secs+" s"))
	return true
}

// authFailed records a presented credential that was not accepted.
func (s *Server) authFailed(c echo.Context, reason string) {
	s.metrics.authFailures.WithLabelValues(reason).Inc()
	if s.authFailures != nil {
		s.authFailures.reserve("addr:" + c.RealIP())
	}
	s.opts.Logger.Warn().Str("client", c.RealIP()).Str("reason", reason).
		Str("method", c.Request().Method).Str("route", c.Path()).Msg("authentication failed")
}

// readerDetails reports whether a public route (health) may show its
// details: the request carries a valid token, which has at least the
// read scope. A wrong token counts as a failed authentication; a client
// blocked for failing too often gets the public answer.
func (s *Server) readerDetails(c echo.Context) bool {
	r := c.Request()
	if !presentsCredential(r) {
		return false
	}
	if s.authFailures != nil {
		if blocked, _ := s.authFailures.exhausted("addr:" + c.RealIP()); blocked {
			return false
		}
	}
	tok, ok := s.authenticate(r)
	if !ok {
		s.authFailed(c, credentialProblem(r))
		return false
	}
	return tok.Scope >= ScopeRead
}
