package httpapi

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"

	"github.com/lxc-autoscale/lxc-autoscale/controller"
)

// Error is an API failure: its status and a JSON body. Fields names every
// bad input field with what is allowed.
type Error struct {
	Status  int               `json:"-"`
	Message string            `json:"error"`
	Fields  map[string]string `json:"fields,omitempty"`
}

func (e *Error) Error() string { return e.Message }

func apiError(status int, message string) *Error { return &Error{Status: status, Message: message} }

// invalid is a 400 naming each bad field.
func invalid(fields map[string]string) *Error {
	return &Error{Status: http.StatusBadRequest, Message: "invalid request", Fields: fields}
}

// fromOperation maps an operation's failure to a status: not found 404,
// locked or digest conflict 409, Proxmox permission 403, and 502 for
// whatever failed on the Proxmox side (a failed task with its exit status,
// a 5xx, an unreachable node, a refused login), so that 500 is only ever
// our own fault. The message is the operation's error, which never
// carries a secret; when Proxmox gave no answer it says only that, not
// the address that was dialled (the log has it).
func fromOperation(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	class := controller.Classify(err)
	if class == controller.ClassUnavailable && !controller.ProxmoxAnswered(err) {
		return apiError(http.StatusBadGateway, "Proxmox VE API: no answer (node unreachable, no answer in time, or its certificate failed verification)")
	}
	status := map[controller.ErrorClass]int{
		controller.ClassNotFound:    http.StatusNotFound,
		controller.ClassConflict:    http.StatusConflict,
		controller.ClassForbidden:   http.StatusForbidden,
		controller.ClassInvalid:     http.StatusBadRequest,
		controller.ClassUnavailable: http.StatusBadGateway,
		controller.ClassTaskFailed:  http.StatusBadGateway,
		controller.ClassUpstream:    http.StatusBadGateway,
	}[class]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	return apiError(status, err.Error())
}

// handleError writes every error as JSON; echo's own errors (404 route,
// 405, 413) keep their status.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var he *echo.HTTPError
	e := fromOperation(err)
	if errors.As(err, &he) {
		e = apiError(he.Code, fmt.Sprint(he.Message))
	}
	if e.Status >= 500 {
		s.opts.Logger.Error().Err(err).Str("method", c.Request().Method).Str("route", c.Path()).Msg("request failed")
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(e.Status)
		return
	}
	_ = c.JSON(e.Status, e)
}

// recover turns a handler panic into a 500 and a log line with the stack.
func (s *Server) recover(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				buf := make([]byte, 4096)
				buf = buf[:runtime.Stack(buf, false)]
				s.opts.Logger.Error().Interface("panic", r).Bytes("stack", buf).Str("route", c.Path()).Msg("handler panicked")
				err = apiError(http.StatusInternalServerError, "internal error")
			}
		}()
		return next(c)
	}
}

// limitBody refuses bodies over BodyLimit with 413.
func (s *Server) limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.ContentLength > s.opts.BodyLimit {
			return apiError(http.StatusRequestEntityTooLarge, fmt.Sprintf("body of %d bytes; at most %d", r.ContentLength, s.opts.BodyLimit))
		}
		r.Body = http.MaxBytesReader(c.Response(), r.Body, s.opts.BodyLimit)
		return next(c)
	}
}

// limiter is a token bucket per key (token name, client address), with
// idle buckets evicted so that the map stays bounded.
type limiter struct {
	mu      sync.Mutex
	perSec  rate.Limit
	burst   int
	buckets map[string]*bucket
	now     func() time.Time
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLimiter(perSec float64, burst int, now func() time.Time) *limiter {
	return &limiter{perSec: rate.Limit(perSec), burst: burst, buckets: map[string]*bucket{}, now: now}
}

// reserve takes one request from key's bucket; when it is empty it returns
// how long until the next request would be allowed.
func (l *limiter) reserve(key string) (ok bool, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.swept) > time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > 10*time.Minute {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(l.perSec, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if delay := r.DelayFrom(now); delay > 0 {
		r.CancelAt(now)
		return false, delay
	}
	return true, 0
}

// exhausted reports, without taking from it, whether key's bucket is
// empty, and how long until it holds one request again.
func (l *limiter) exhausted(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		return false, 0
	}
	now := l.now()
	if tokens := b.lim.TokensAt(now); tokens < 1 {
		return true, time.Duration((1 - tokens) / float64(l.perSec) * float64(time.Second))
	}
	return false, 0
}

// rateClass names the rate-limit buckets a route draws from: each class
// has its own bucket per client address and per token, so that one kind
// of traffic cannot use up another's.
type rateClass string

const (
	// rateAPI: /api/v1, the original's routes and /health/check.
	rateAPI rateClass = ""
	// ratePage: the status page. It reloads once per loop interval, and a
	// script calling the API from the same host (the same address) must
	// not leave the person watching the page with 429s. It stays limited:
	// each load renders every container, and without a loop in the
	// process it lists the cluster live, so an unlimited page would let
	// one client make Proxmox work.
	ratePage rateClass = "page:"
	// rateNone: /metrics, never limited. Scrapers (Prometheus, an HA pair,
	// an agent) share an address with other clients and must never see a
	// gap, and /metrics may be public, so it is made cheap instead of
	// limited: it is served from a cache that gathers the registry at most
	// once per metricsCacheTTL whatever the number of requests (metrics.go),
	// touches neither Proxmox nor the loop, and takes no input that could
	// make it do more. What an unlimited client can take is bounded by
	// api.max_connections and its own bandwidth. A token presented to a
	// private /metrics still counts against the failed-authentication
	// budget.
	rateNone rateClass = "none"
)

// allow applies the rate limit of class for the client address and, when
// known, the token; over it, it answers 429 with Retry-After and returns
// false.
func (s *Server) allow(c echo.Context, token string, class rateClass) bool {
	if s.limiter == nil || class == rateNone {
		return true
	}
	keys := []string{string(class) + "addr:" + c.RealIP()}
	if token != "" {
		keys = append(keys, string(class)+"token:"+token)
	}
	for _, k := range keys {
		if ok, wait := s.limiter.reserve(k); !ok {
			secs := int(math.Ceil(wait.Seconds()))
			c.Response().Header().Set("Retry-After", strconv.Itoa(max(1, secs)))
			_ = c.JSON(http.StatusTooManyRequests, apiError(http.StatusTooManyRequests, "rate limit exceeded; retry after "+strconv.Itoa(max(1, secs))+" s"))
			return false
		}
	}
	return true
}
