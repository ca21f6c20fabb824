package httpapi

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/controller"
	"github.com/lxc-autoscale/lxc-autoscale/controller/manual"
)

// Snapshotter gives the loop's latest view; the api command without a loop
// passes nil and the API reads live state through Operations.
type Snapshotter interface {
	Snapshot() controller.Snapshot
}

// Options configure a Server.
type Options struct {
	Listen   string // host:port
	TLSCert  string // PEM files; both or neither
	TLSKey   string
	Tokens   []Token
	Logger   zerolog.Logger
	Registry *prometheus.Registry // served at /metrics; the API registers its request metrics here
	// MetricsPublic serves /metrics without a token.
	MetricsPublic bool
	// RateLimit is requests per second per token and per client address,
	// with Burst; 0 disables it.
	RateLimit float64
	Burst     int
	BodyLimit int64 // bytes; default 1 MiB
	// AuthFailureBurst failed authentications are allowed per client
	// address, then one per AuthFailureRefill; defaults 10 and 6 s. Off
	// when RateLimit is 0.
	AuthFailureBurst  int
	AuthFailureRefill time.Duration
	// MaxTaskWaits bounds the GET /api/v1/tasks/{id}?wait= requests in
	// progress; more are answered 503 with Retry-After. Default 64.
	MaxTaskWaits int
	// MaxConnections bounds the client connections served at once; more
	// wait until one closes. Default 256.
	MaxConnections int
	RequestTimeout time.Duration // default 60 s
	// Operations should watch their tasks (WatchTasks): task waits wait
	// on its watcher, the one poller of a task; without one every waiter
	// polls Proxmox.
	Operations *manual.Operations
	Snapshots  Snapshotter // nil in api-only mode
	// AuditPath is the audit record's file, read by GET /api/v1/audit; ""
	// when there is none. Operations write to it; the API only reads.
	AuditPath string
	// Leadership says whether this replica holds the leader lease and who
	// does; write routes on a follower answer 503 naming the leader. nil:
	// this process always leads.
	Leadership func() (leading bool, leader string)
	// Interval is the loop's tick, for /readyz (stale after 3 intervals).
	Interval time.Duration
	Now      func() time.Time
}

// Server is the HTTP API.
type Server struct {
	opts    Options
	echo    *echo.Echo
	limiter *limiter
	// authFailures budgets failed authentications per client address.
	authFailures *limiter
	// tasks caps the task waits and coalesces task reads.
	tasks   *taskWaiter
	metrics *metrics
	now     func() time.Time
	// compatPaths are the original's routes, whose errors keep its envelope.
	compatPaths map[string]bool
}

// New builds the server and its routes. It does not listen.
func New(o Options) (*Server, error) {
	if o.Operations == nil {
		return nil, errors.New("httpapi: no operations")
	}
	if o.Registry == nil {
		o.Registry = prometheus.NewRegistry()
	}
	if o.BodyLimit <= 0 {
		o.BodyLimit = 1 << 20
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.AuthFailureBurst <= 0 {
		o.AuthFailureBurst = defaultAuthFailureBurst
	}
	if o.AuthFailureRefill <= 0 {
		o.AuthFailureRefill = defaultAuthFailureRefill
	}
	if o.MaxTaskWaits <= 0 {
		o.MaxTaskWaits = defaultMaxTaskWaits
	}
	if o.MaxConnections <= 0 {
		o.MaxConnections = defaultMaxConnections
	}
	m, err := newMetrics(o.Registry)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: o, echo: echo.New(), metrics: m, now: o.Now, compatPaths: map[string]bool{}}
	if o.RateLimit > 0 {
		s.limiter = newLimiter(o.RateLimit, max(1, o.Burst), o.Now)
		s.authFailures = newLimiter(float64(time.Second)/float64(o.AuthFailureRefill), o.AuthFailureBurst, o.Now)
	}
	s.tasks = newTaskWaiter(o.Operations, o.MaxTaskWaits, m.taskWaits)
	e := s.echo
	e.HideBanner, e.HidePort = true, true
	// The peer address, never X-Forwarded-For: a client must not pick the
	// address it is rate limited and audited under.
	e.IPExtractor = echo.ExtractIPDirect()
	e.HTTPErrorHandler = s.handleError
	e.Use(s.recover, s.instrument, s.limitBody, s.singleQuery)
	if err := s.routes(); err != nil {
		return nil, err
	}
	return s, nil
}

// Handler returns the server's http.Handler (tests use it with httptest).
func (s *Server) Handler() http.Handler { return s.echo }

// Serve listens and serves until ctx is cancelled, then shuts down
// gracefully. It returns the listen error, if any.
func (s *Server) Serve(ctx context.Context) error {
	ln, err := s.Listen()
	if err != nil {
		return err
	}
	return s.ServeOn(ctx, ln)
}

// Listen opens Options.Listen, so that a caller learns of a busy port
// before it starts anything else.
func (s *Server) Listen() (net.Listener, error) { return net.Listen("tcp", s.opts.Listen) }

// ServeOn serves on ln until ctx is cancelled, then shuts down gracefully.
func (s *Server) ServeOn(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.echo,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       s.opts.RequestTimeout,
		WriteTimeout:      s.opts.RequestTimeout + 10*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          nil,
	}
	// Limited below TLS, so that a handshake too needs a slot.
	ln = newLimitListener(ln, s.opts.MaxConnections, s.metrics)
	if s.opts.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(s.opts.TLSCert, s.opts.TLSKey)
		if err != nil {
			ln.Close()
			return fmt.Errorf("api tls: %w", err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	s.opts.Logger.Info().Str("listen", ln.Addr().String()).Bool("tls", s.opts.TLSCert != "").
		Int("max_connections", s.opts.MaxConnections).Msg("serving the REST API")
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// routes registers every route with its scope. Each file owns its group.
func (s *Server) routes() error {
	s.healthRoutes()
	s.metricsRoutes()
	s.v1Routes()
	if err := s.compatRoutes(); err != nil {
		return err
	}
	s.pageRoutes()
	return nil
}
