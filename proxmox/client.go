package proxmox

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gp "github.com/luthermonson/go-proxmox"
	"github.com/rs/zerolog"
)

// Client talks to one Proxmox VE cluster. It is safe for concurrent use.
type Client struct {
	opts      Options
	log       zerolog.Logger
	metrics   *metrics
	endpoints []*endpoint
	current   atomic.Int32 // index of the endpoint in use
	sem       chan struct{}

	// ticket auth
	session atomic.Pointer[session]
	loginMu sync.Mutex
	now     func() time.Time

	secrets []string // redacted from every error text
}

type endpoint struct {
	base  string
	api   *gp.Client // requests; auth by token header or by our session interceptor
	login *gp.Client // ticket login only, used under loginMu
}

type session struct {
	username string
	ticket   string
	csrf     string
	obtained time.Time
}

// New validates opts and builds a client. It does no network I/O: with
// ticket auth the client logs in before its first request, so the first call
// never pays PVE's 3 s delay on an unauthenticated request.
func New(opts Options) (*Client, error) {
	eps, pins, err := opts.normalize()
	if err != nil {
		return nil, err
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, fmt.Errorf("proxmox metrics: %w", err)
	}
	c := &Client{
		opts:    opts,
		log:     opts.Logger.With().Str("component", "proxmox").Logger(),
		metrics: m,
		sem:     make(chan struct{}, opts.MaxConcurrency),
		now:     time.Now,
	}
	for _, s := range []string{opts.TokenSecret, opts.Password} {
		if s != "" {
			c.secrets = append(c.secrets, s)
		}
	}

	hc, err := c.httpClient(pins)
	if err != nil {
		return nil, err
	}
	if opts.InsecureSkipVerify {
		c.log.Warn().Strs("endpoints", opts.Endpoints).
			Msg("tls certificate verification is disabled: anyone on the path can read the api token and change containers")
	}
	for _, ep := range eps {
		base := ep.base + apiPrefix
		common := []gp.Option{gp.WithHTTPClient(hc), gp.WithUserAgent(opts.UserAgent), gp.WithLogger(silentLogger{})}
		api := common
		if opts.TokenID != "" {
			api = append(api, gp.WithAPIToken(opts.TokenID, opts.TokenSecret))
		} else {
			api = append(api, gp.WithRequestInterceptor(c.addSession))
		}
		c.endpoints = append(c.endpoints, &endpoint{
			base:  ep.base,
			api:   gp.NewClient(base, api...),
			login: gp.NewClient(base, common...),
		})
	}
	return c, nil
}

// httpClient builds the HTTP client under go-proxmox: the configured TLS on
// a transport sized for MaxConcurrency, wrapped by the recorder. Timeouts are
// per attempt through the context, not http.Client.Timeout.
func (c *Client) httpClient(pins [][32]byte) (*http.Client, error) {
	var base http.RoundTripper
	if c.opts.HTTPClient != nil {
		base = c.opts.HTTPClient.Transport
		if base == nil {
			base = http.DefaultTransport
		}
	} else {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = c.opts.MaxConcurrency
		tr.MaxIdleConns = 4 * c.opts.MaxConcurrency
		// PVE speaks HTTP/1.1, and its error reasons live in the status line.
		tr.ForceAttemptHTTP2 = false
		tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		switch {
		case len(pins) > 0:
			tr.TLSClientConfig.InsecureSkipVerify = true // replaced by VerifyConnection
			tr.TLSClientConfig.VerifyConnection = verifyPins(pins)
		case c.opts.CAFile != "":
			pool, err := loadCAFile(c.opts.CAFile)
			if err != nil {
				return nil, err
			}
			tr.TLSClientConfig.RootCAs = pool
		case c.opts.InsecureSkipVerify:
			tr.TLSClientConfig.InsecureSkipVerify = true
		}
		base = tr
	}
	// PVE's API never redirects. Following one would re-send the token
	// header (and, on a 307, the login password) to wherever Location
	// points, plain http included; the 3xx becomes an error instead.
	hc := &http.Client{Transport: &recorder{base: base, metrics: c.metrics}, CheckRedirect: refuseRedirect}
	if c.opts.HTTPClient != nil {
		hc.Jar = c.opts.HTTPClient.Jar
	}
	return hc, nil
}

func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// silentLogger keeps go-proxmox quiet: its debug output prints request and
// response bodies. The client logs through zerolog instead.
type silentLogger struct{}

func (silentLogger) Debugf(string, ...any) {}
func (silentLogger) Errorf(string, ...any) {}
func (silentLogger) Infof(string, ...any)  {}
func (silentLogger) Warnf(string, ...any)  {}

// request is one API call.
type request struct {
	method string
	path   string // below /api2/json, query included
	route  string // template, for errors and logs
	body   map[string]any
	// mutates marks calls that change state (all non-GET). They are repeated
	// only when the previous attempt is known not to have reached PVE.
	mutates bool
	// unfenced marks the lease's own writes, which WriteGate never asks about.
	unfenced bool
}

func get(route, path string) request {
	return request{method: http.MethodGet, route: route, path: path}
}

// call performs r with retries and failover and returns the answer body,
// which the caller must hand back with releaseBody after decoding.
func (c *Client) call(ctx context.Context, r request) (*exchange, error) {
	var data []byte
	if r.body != nil {
		var err error
		if data, err = json.Marshal(r.body); err != nil {
			return nil, fmt.Errorf("proxmox %s %s: encode: %w", r.method, r.route, err)
		}
	}
	ctx, cancel, err := c.fence(ctx, r)
	if err != nil {
		return nil, err
	}
	defer cancel()
	var lastErr error
	for attempt := 1; ; attempt++ {
		ex, err := c.attempt(ctx, r, data)
		if err == nil {
			return ex, nil
		}
		lastErr = err
		if attempt >= c.opts.Retry.Attempts || !c.shouldRetry(ctx, r, ex, err) {
			return nil, lastErr
		}
		delay := c.backoff(attempt)
		c.metrics.retries.WithLabelValues(r.method, r.route).Inc()
		c.log.Warn().Err(err).Str("method", r.method).Str("route", r.route).
			Int("attempt", attempt).Float64("backoff_seconds", delay.Seconds()).Msg("retry proxmox request")
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, lastErr
		case <-t.C:
		}
	}
}

// shouldRetry decides whether a failed attempt may be repeated. Reads are
// repeated on transport failures and retryable answers; writes only when the
// request never reached the server, so a task is never started twice.
func (c *Client) shouldRetry(ctx context.Context, r request, ex *exchange, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	if noAnswer(ex, err) && !ex.wrote.Load() {
		return true
	}
	if r.mutates {
		return false
	}
	var api *APIError
	if errors.As(err, &api) {
		// A node that refuses connections (595) will not come back within
		// the backoff; the caller retries on its next pass.
		return api.Status != 595 && Retryable(err)
	}
	return Retryable(err)
}

func (c *Client) backoff(attempt int) time.Duration {
	d := c.opts.Retry.MinBackoff << (attempt - 1)
	if d > c.opts.Retry.MaxBackoff || d <= 0 {
		d = c.opts.Retry.MaxBackoff
	}
	// equal jitter: at least half the window, so retries stay spread
	return d/2 + rand.N(d/2+1)
}

// noAnswer reports a transport failure (not a TLS verification failure): the
// endpoint gave no answer, so another endpoint or a later try may.
func noAnswer(ex *exchange, err error) bool {
	var te *transportError
	return ex != nil && errors.As(err, &te) && te.kind != ErrTLS
}

// attempt sends r to the current endpoint, moving on to the next ones while
// an endpoint cannot be reached.
func (c *Client) attempt(ctx context.Context, r request, data []byte) (*exchange, error) {
	n := int32(len(c.endpoints))
	start := c.current.Load()
	for i := int32(0); ; i++ {
		idx := (start + i) % n
		ep := c.endpoints[idx]
		ex, err := c.send(ctx, ep, r, data)
		unreachable := noAnswer(ex, err) && ctx.Err() == nil && (!ex.wrote.Load() || !r.mutates)
		if unreachable && i+1 < n {
			next := c.endpoints[(idx+1)%n]
			c.metrics.failovers.Inc()
			c.log.Warn().Err(err).Str("endpoint", ep.base).Str("next_endpoint", next.base).
				Msg("proxmox endpoint unreachable, failing over")
			continue
		}
		if !unreachable && idx != start && c.current.CompareAndSwap(start, idx) {
			c.log.Info().Str("endpoint", ep.base).Msg("proxmox endpoint in use")
		}
		return ex, err
	}
}

// send is one HTTP exchange on one endpoint, with the concurrency slot, the
// per-attempt timeout, ticket handling and classification of the answer.
func (c *Client) send(ctx context.Context, ep *endpoint, r request, data []byte) (*exchange, error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, c.ctxError(r, ctx.Err())
	}
	defer func() { <-c.sem }()

	for relogin := c.opts.TokenID == ""; ; relogin = false {
		if c.opts.TokenID == "" {
			if err := c.ensureSession(ctx, ep); err != nil {
				// an empty exchange: nothing was sent, so failover and retry apply
				return &exchange{}, err
			}
		}
		used := c.session.Load() // what addSession will send, near enough
		actx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
		ex := &exchange{}
		began := time.Now()
		gerr := ep.api.Req(withExchange(actx, ex), r.method, r.path, data, nil)
		cancel()
		c.log.Debug().Str("method", r.method).Str("route", r.route).Str("endpoint", ep.base).
			Int("status", ex.status).Float64("duration_seconds", time.Since(began).Seconds()).Msg("proxmox request")

		if ex.status == 0 {
			return ex, c.transportFailure(ctx, r, ex, gerr)
		}
		if ex.status >= 200 && ex.status < 300 {
			return ex, nil
		}
		apiErr := c.apiError(r, ex)
		releaseBody(ex)
		// A 401 means PVE did not run the request: log in again and resend once.
		if ex.status == http.StatusUnauthorized && relogin {
			// drop only the ticket PVE refused, not one a concurrent call
			// has fetched since
			c.session.CompareAndSwap(used, nil)
			continue
		}
		return ex, apiErr
	}
}

// transportFailure classifies an attempt that got no answer.
func (c *Client) transportFailure(ctx context.Context, r request, ex *exchange, gerr error) error {
	if ctx.Err() != nil {
		return c.ctxError(r, ctx.Err())
	}
	err := ex.err
	if err == nil {
		err = gerr
	}
	if err == nil {
		err = errors.New("no answer")
	}
	kind := ErrNodeUnreachable
	var ne net.Error
	switch {
	case errors.Is(err, ErrTLS):
		kind = ErrTLS
	case isCertError(err):
		kind = ErrTLS
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		kind = ErrTimeout
		err = fmt.Errorf("no answer within %s", c.opts.Timeout)
	}
	return &transportError{method: r.method, route: r.route, kind: kind, err: redactedError{err, c.redact(err.Error())}}
}

func isCertError(err error) bool {
	var certErr *tls.CertificateVerificationError
	return errors.As(err, &certErr)
}

func (c *Client) ctxError(r request, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return &transportError{method: r.method, route: r.route, kind: ErrTimeout, err: err}
	}
	return fmt.Errorf("proxmox %s %s: %w", r.method, r.route, err)
}

// apiError builds the classified error of a non-2xx answer.
func (c *Client) apiError(r request, ex *exchange) *APIError {
	var eb errorBody
	if ex.body != nil {
		eb = decodeErrorBody(ex.body.Bytes())
	}
	e := &APIError{
		Method:  r.method,
		Route:   r.route,
		Status:  ex.status,
		Reason:  c.redact(ex.reason),
		Message: c.redact(strings.TrimSpace(eb.message)),
	}
	if ex.status >= 300 && ex.status < 400 {
		e.Message = redirectMessage(ex.location)
	}
	if len(eb.params) > 0 {
		e.Params = make(map[string]string, len(eb.params))
		for k, v := range eb.params {
			e.Params[k] = c.redact(v)
		}
	}
	e.classify()
	return e
}

// redirectMessage explains a refused redirect, naming only the scheme and
// host it pointed to: the rest of a Location is not ours to repeat.
func redirectMessage(location string) string {
	to := "elsewhere"
	if u, err := url.Parse(location); err == nil && u.Host != "" {
		to = u.Scheme + "://" + u.Host
	}
	return "redirect to " + to + " not followed (PVE's API never redirects, and following would send the credentials there): check proxmox.endpoints"
}

// redactedError keeps the chain of err but shows text with secrets removed.
type redactedError struct {
	err  error
	text string
}

func (e redactedError) Error() string { return e.text }
func (e redactedError) Unwrap() error { return e.err }

func (c *Client) redact(s string) string {
	for _, sec := range c.secrets {
		s = strings.ReplaceAll(s, sec, "[redacted]")
	}
	if ss := c.session.Load(); ss != nil {
		s = strings.ReplaceAll(s, ss.ticket, "[redacted]")
		s = strings.ReplaceAll(s, ss.csrf, "[redacted]")
	}
	return s
}

// decodeWith runs a decoder on a successful answer and releases its body.
func decodeWith[T any](c *Client, ctx context.Context, r request, dec func([]byte) (T, error)) (T, error) {
	ex, err := c.call(ctx, r)
	if err != nil {
		var zero T
		return zero, err
	}
	defer releaseBody(ex)
	v, err := dec(ex.body.Bytes())
	if err != nil {
		var zero T
		return zero, &DecodeError{Route: r.route, Err: err}
	}
	return v, nil
}
