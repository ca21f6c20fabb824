package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lxc-autoscale/lxc-autoscale/controller/manual"
)

// The one authentication path of every route: the API, the original's
// routes, /metrics and the status page all go through require (the page
// with its Basic credentials allowed), and the health routes' details
// through readerDetails, which shares its token check and failure budget.

// Scope is what a token may do; each scope includes the ones before it.
type Scope int

// Scopes, least privileged first.
const (
	ScopeNone    Scope = iota // health, and /metrics when public
	ScopeRead                 // every GET
	ScopeOperate              // scale, grow, snapshots, pause
	ScopeAdmin                // rollback, clone, delete
)

// ParseScope reads "read", "operate" or "admin".
func ParseScope(s string) (Scope, error) {
	switch s {
	case "read":
		return ScopeRead, nil
	case "operate":
		return ScopeOperate, nil
	case "admin":
		return ScopeAdmin, nil
	}
	return ScopeNone, fmt.Errorf("scope %q: want read, operate or admin", s)
}

func (s Scope) String() string {
	return [...]string{"none", "read", "operate", "admin"}[s]
}

// Token is an accepted API token: its name (for logs and the audit), the
// SHA-256 of the token, and its scope.
type Token struct {
	Name   string
	SHA256 [32]byte
	Scope  Scope
}

// ParseTokenHash reads a hex SHA-256 as configured.
func ParseTokenHash(hexHash string) ([32]byte, error) {
	var h [32]byte
	b, err := hex.DecodeString(strings.ToLower(strings.TrimSpace(hexHash)))
	if err != nil || len(b) != len(h) {
		return h, errors.New("token hash: want 64 hex digits (the SHA-256 of the token)")
	}
	copy(h[:], b)
	return h, nil
}

// authenticate finds the token of a request (Authorization: Bearer or
// X-API-Key; with basic, also the password of HTTP Basic credentials) and
// returns it; ok is false when none matches.
func (s *Server) authenticate(r *http.Request, basic bool) (Token, bool) {
	raw := r.Header.Get("X-API-Key")
	if auth := r.Header.Get("Authorization"); raw == "" && auth != "" {
		if scheme, value, found := strings.Cut(auth, " "); found && strings.EqualFold(scheme, "Bearer") {
			raw = strings.TrimSpace(value)
		}
	}
	if raw != "" {
		if tok, ok := s.tokenOf(raw); ok || !basic {
			return tok, ok
		}
	}
	if !basic {
		return Token{}, false
	}
	// The user name is ignored: a browser asks for one, the token is the
	// password.
	if _, password, found := r.BasicAuth(); found && password != "" {
		return s.tokenOf(password)
	}
	return Token{}, false
}

// tokenOf finds the configured token raw is. Every configured hash is
// compared, in constant time, whatever matches.
func (s *Server) tokenOf(raw string) (Token, bool) {
	sum := sha256.Sum256([]byte(raw))
	var found Token
	ok := false
	for _, t := range s.opts.Tokens {
		if subtle.ConstantTimeCompare(sum[:], t.SHA256[:]) == 1 {
			found, ok = t, true
		}
	}
	return found, ok
}

// require is the middleware of a route that needs scope: 401 without a
// valid token, 403 with a token lacking the scope, 429 over the API's
// rate.
func (s *Server) require(scope Scope) echo.MiddlewareFunc {
	return s.requireToken(scope, false, rateAPI)
}

// requireToken is require with the rate-limit buckets of class; basic
// also takes the token as the password of HTTP Basic credentials, and its
// 401 asks for them first, which a browser turns into its login prompt.
// Only the status page takes them (page.go says why).
func (s *Server) requireToken(scope Scope, basic bool, class rateClass) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if scope == ScopeNone {
				if !s.allow(c, "", class) {
					return nil
				}
				return next(c)
			}
			if s.authBlocked(c) {
				return nil
			}
			tok, ok := s.authenticate(c.Request(), basic)
			if !ok {
				return s.unauthorized(c, basic)
			}
			if !s.allow(c, tok.Name, class) {
				return nil
			}
			if tok.Scope < scope {
				return apiError(http.StatusForbidden, fmt.Sprintf("token %q has scope %s; this route needs %s", tok.Name, tok.Scope, scope))
			}
			if refused, err := s.leaderOnly(c); refused {
				return err
			}
			c.Set(callerKey, manual.Caller{Token: tok.Name, Address: c.RealIP()})
			return next(c)
		}
	}
}

// unauthorized records a credential that was not accepted and answers 401
// with the challenges the route takes.
func (s *Server) unauthorized(c echo.Context, basic bool) error {
	if r := c.Request(); presentsCredential(r) {
		s.authFailed(c, credentialProblem(r))
	}
	h := c.Response().Header()
	message := "a valid API token is required (Authorization: Bearer <token> or X-API-Key)"
	if basic {
		h.Set("WWW-Authenticate", `Basic realm="lxc-autoscale", charset="UTF-8"`)
		message = "a valid API token is required (Authorization: Bearer <token> or X-API-Key; in a browser: any user name and the token as password)"
	}
	h.Add("WWW-Authenticate", `Bearer realm="lxc-autoscale"`)
	return apiError(http.StatusUnauthorized, message)
}

const callerKey = "caller"

// caller is who made the request, for Operations and the audit.
func caller(c echo.Context) manual.Caller {
	if v, ok := c.Get(callerKey).(manual.Caller); ok {
		return v
	}
	return manual.Caller{Address: c.RealIP()}
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
	tok, ok := s.authenticate(r, false)
	if !ok {
		s.authFailed(c, credentialProblem(r))
		return false
	}
	return tok.Scope >= ScopeRead
}
