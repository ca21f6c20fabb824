package proxmox

import (
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// Options configure a Client. Zero values take the documented defaults.
type Options struct {
	// Endpoints are base URLs of cluster nodes, e.g. https://pve1:8006. The
	// client adds /api2/json; without a port it uses 8006, pveproxy's, for
	// http and https alike. They are tried in order; when one cannot be
	// reached the client moves to the next and stays there while it works.
	Endpoints []string

	// API token auth: TokenID is USER@REALM!NAME; TokenSecret the UUID.
	TokenID     string
	TokenSecret string
	// Ticket auth, used when no token is set: Username is USER@REALM. The
	// client logs in before its first request and renews the ticket after
	// TicketRenewAfter, well before PVE's 2 h expiry.
	Username string
	Password string

	// CAFile is a PEM bundle to verify PVE's certificate with (for a cluster:
	// /etc/pve/pve-root-ca.pem). Default: the system roots.
	CAFile string
	// Fingerprint pins the SHA-256 fingerprint of the server's leaf
	// certificate (hex, with or without colons), for PVE's self-signed
	// certificates. Several fingerprints, one per node, may be given
	// separated by commas; any one matching is accepted. The chain is not
	// verified when pinning. Exclusive with CAFile.
	Fingerprint string
	// InsecureSkipVerify disables certificate verification. Lab use only;
	// the client logs a warning at start.
	InsecureSkipVerify bool

	// Timeout bounds each HTTP attempt. Default 30s; 100ms to 10m.
	Timeout time.Duration
	// MaxConcurrency bounds the requests in flight. Default 8; 1 to 256.
	MaxConcurrency int
	Retry          RetryOptions
	// TicketRenewAfter is the ticket age after which it is renewed.
	// Default 1h; 1m to 110m (PVE tickets expire after 2 h).
	TicketRenewAfter time.Duration

	// Registerer receives the client's metrics; nil registers nothing.
	Registerer prometheus.Registerer
	Logger     zerolog.Logger
	// HTTPClient replaces the HTTP client (tests). Its transport is wrapped,
	// not modified; its CheckRedirect is not used: redirects are never
	// followed. Exclusive with CAFile, Fingerprint and InsecureSkipVerify.
	HTTPClient *http.Client
	// UserAgent defaults to lxc-autoscale.
	UserAgent string
	// WriteGate, when set, fences every write (see WriteGate).
	WriteGate WriteGate
}

// RetryOptions bound the retries of a failed request. Only failures known to
// be retryable are retried, with exponential backoff and jitter; a request
// that starts a task (or changes anything) is sent again only when it is known
// not to have reached PVE.
type RetryOptions struct {
	// Attempts is the total number of tries, the first included. Default 3; 1 to 10.
	Attempts int
	// MinBackoff (default 200ms) doubles per retry up to MaxBackoff (default 5s).
	MinBackoff time.Duration
	MaxBackoff time.Duration
}

const (
	defaultTimeout          = 30 * time.Second
	defaultMaxConcurrency   = 8
	defaultAttempts         = 3
	defaultMinBackoff       = 200 * time.Millisecond
	defaultMaxBackoff       = 5 * time.Second
	defaultTicketRenewAfter = time.Hour
	// ticketLifetime is PVE's (pve-access-control ticket_lifetime); a ticket
	// older than ticketLifetime-ticketMargin is not used any more.
	ticketLifetime = 2 * time.Hour
	ticketMargin   = 5 * time.Minute
)

// pveProxyPort is where pveproxy serves the API (pve-manager
// PVE/Service/pveproxy.pm); no other port of a node speaks it.
const pveProxyPort = "8006"

var tokenIDRe = regexp.MustCompile(`^[^\s@!]+@[^\s@!]+![A-Za-z][A-Za-z0-9._-]*$`)

// endpointConfig is a validated endpoint.
type endpointConfig struct {
	base string // https://host:8006
}

// normalize applies defaults and checks every field; the error names each
// bad field and its allowed range.
func (o *Options) normalize() ([]endpointConfig, [][32]byte, error) {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	var eps []endpointConfig
	if len(o.Endpoints) == 0 {
		bad("Endpoints: at least one base URL is required, e.g. https://pve1:8006")
	}
	for i, raw := range o.Endpoints {
		u, err := url.Parse(strings.TrimSpace(raw))
		switch {
		case err != nil:
			bad("Endpoints[%d]: %q is not a URL", i, raw)
			continue
		case u.Scheme != "https" && u.Scheme != "http":
			bad("Endpoints[%d]: %q: scheme must be https or http", i, raw)
			continue
		case u.Host == "":
			bad("Endpoints[%d]: %q: host is missing", i, raw)
			continue
		case u.User != nil || u.RawQuery != "" || u.Fragment != "":
			bad("Endpoints[%d]: %q: only scheme, host and port are allowed", i, raw)
			continue
		}
		path := strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/api2/json")
		if path != "" {
			bad("Endpoints[%d]: %q: path must be empty (the client adds /api2/json)", i, raw)
			continue
		}
		host := u.Host
		if u.Port() == "" {
			// PVE's API (pveproxy) listens on 8006 only; without a port Go
			// would dial 443 or 80, where nothing of PVE answers.
			host = net.JoinHostPort(u.Hostname(), pveProxyPort)
		}
		eps = append(eps, endpointConfig{base: u.Scheme + "://" + host})
	}

	token := o.TokenID != "" || o.TokenSecret != ""
	user := o.Username != "" || o.Password != ""
	switch {
	case token && user:
		bad("TokenID/Username: give an API token or a username and password, not both")
	case token:
		if !tokenIDRe.MatchString(o.TokenID) {
			bad("TokenID: must look like USER@REALM!NAME, e.g. autoscale@pve!controller")
		}
		if o.TokenSecret == "" {
			bad("TokenSecret: required with TokenID")
		}
	case user:
		if !strings.Contains(o.Username, "@") || strings.ContainsAny(o.Username, " \t!") {
			bad("Username: must look like USER@REALM, e.g. autoscale@pve")
		}
		if o.Password == "" {
			bad("Password: required with Username")
		}
	default:
		bad("TokenID/Username: credentials are required (an API token, or a username and password)")
	}

	var pins [][32]byte
	if o.Fingerprint != "" {
		for _, f := range strings.Split(o.Fingerprint, ",") {
			pin, err := parseFingerprint(f)
			if err != nil {
				bad("Fingerprint: %q: must be 64 hex digits (SHA-256), colons allowed", strings.TrimSpace(f))
				continue
			}
			pins = append(pins, pin)
		}
	}
	if o.Fingerprint != "" && o.CAFile != "" {
		bad("Fingerprint/CAFile: pin a fingerprint or verify with a CA file, not both")
	}
	if o.InsecureSkipVerify && (o.Fingerprint != "" || o.CAFile != "") {
		bad("InsecureSkipVerify: cannot be combined with Fingerprint or CAFile")
	}
	if o.HTTPClient != nil && (o.InsecureSkipVerify || o.Fingerprint != "" || o.CAFile != "") {
		bad("HTTPClient: cannot be combined with CAFile, Fingerprint or InsecureSkipVerify (configure its transport instead)")
	}

	dur := func(field string, v *time.Duration, def, lo, hi time.Duration) {
		if *v == 0 {
			*v = def
		}
		if *v < lo || *v > hi {
			bad("%s: %s is out of range, allowed %s to %s", field, *v, lo, hi)
		}
	}
	num := func(field string, v *int, def, lo, hi int) {
		if *v == 0 {
			*v = def
		}
		if *v < lo || *v > hi {
			bad("%s: %d is out of range, allowed %d to %d", field, *v, lo, hi)
		}
	}
	dur("Timeout", &o.Timeout, defaultTimeout, 100*time.Millisecond, 10*time.Minute)
	num("MaxConcurrency", &o.MaxConcurrency, defaultMaxConcurrency, 1, 256)
	num("Retry.Attempts", &o.Retry.Attempts, defaultAttempts, 1, 10)
	dur("Retry.MinBackoff", &o.Retry.MinBackoff, defaultMinBackoff, time.Millisecond, time.Minute)
	dur("Retry.MaxBackoff", &o.Retry.MaxBackoff, defaultMaxBackoff, time.Millisecond, 5*time.Minute)
	if o.Retry.MinBackoff > o.Retry.MaxBackoff {
		bad("Retry.MinBackoff: %s must not exceed Retry.MaxBackoff %s", o.Retry.MinBackoff, o.Retry.MaxBackoff)
	}
	dur("TicketRenewAfter", &o.TicketRenewAfter, defaultTicketRenewAfter, time.Minute, ticketLifetime-ticketMargin-5*time.Minute)
	if o.UserAgent == "" {
		o.UserAgent = "lxc-autoscale"
	}
	if err := errors.Join(errs...); err != nil {
		return nil, nil, fmt.Errorf("proxmox options: %w", err)
	}
	return eps, pins, nil
}

func parseFingerprint(s string) ([32]byte, error) {
	var pin [32]byte
	s = strings.ReplaceAll(strings.TrimSpace(s), ":", "")
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(pin) {
		return pin, errors.New("bad fingerprint")
	}
	copy(pin[:], b)
	return pin, nil
}

func loadCAFile(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("proxmox options: CAFile: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("proxmox options: CAFile: %s holds no PEM certificate", path)
	}
	return pool, nil
}
