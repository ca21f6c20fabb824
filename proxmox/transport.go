package proxmox

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// exchange is what the recording transport saw of one HTTP attempt. go-proxmox
// turns several PVE answers into misleading results (a 595 body into nil, a 403
// into a bare "not authorized"), so the client classifies from this record and
// only uses go-proxmox's return value when no answer arrived at all.
type exchange struct {
	status int
	reason string
	// location is the Location header of a 3xx, which is never followed.
	location string
	body     *bytes.Buffer // pooled; released by the client after decoding
	err      error
	// wrote is set once the request headers went to the connection: before
	// that the server cannot have acted on the request.
	wrote atomic.Bool
	// passBody hands the real body to go-proxmox (ticket login, which
	// go-proxmox decodes itself). Otherwise go-proxmox gets an empty envelope
	// and the client decodes the recorded body, which saves a copy of every
	// large listing.
	passBody bool
}

type exchangeKey struct{}

func withExchange(ctx context.Context, ex *exchange) context.Context {
	ctx = context.WithValue(ctx, exchangeKey{}, ex)
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteHeaders: func() { ex.wrote.Store(true) },
	})
}

// maxBody bounds the body kept of one answer (a 10,000 container listing is
// about 5 MiB).
const maxBody = 256 << 20

var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func releaseBody(ex *exchange) {
	if ex != nil && ex.body != nil {
		if ex.body.Cap() <= 64<<20 {
			ex.body.Reset()
			bodyPool.Put(ex.body)
		}
		ex.body = nil
	}
}

var emptyEnvelope = []byte(`{"data":null}`)

// recorder is the http.RoundTripper under go-proxmox: it records status,
// reason phrase and body into the request's exchange, and counts and times
// every attempt.
type recorder struct {
	base    http.RoundTripper
	metrics *metrics
}

func (t *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	ex, _ := req.Context().Value(exchangeKey{}).(*exchange)
	if ex == nil { // not from the client's own call path; record nothing
		return t.base.RoundTrip(req)
	}
	route := routeOf(strings.TrimPrefix(req.URL.Path, apiPrefix))
	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		t.observe(req.Method, route, "error", start)
		ex.err = err
		return nil, err
	}
	buf := bodyPool.Get().(*bytes.Buffer)
	if resp.ContentLength > 0 && resp.ContentLength <= 64<<20 {
		buf.Grow(int(resp.ContentLength) + 1) // one allocation for a large listing
	}
	_, err = buf.ReadFrom(io.LimitReader(resp.Body, maxBody))
	_ = resp.Body.Close()
	if err != nil {
		buf.Reset()
		bodyPool.Put(buf)
		t.observe(req.Method, route, "error", start)
		ex.err = fmt.Errorf("read body: %w", err)
		return nil, ex.err
	}
	t.observe(req.Method, route, strconv.Itoa(resp.StatusCode), start)
	ex.status = resp.StatusCode
	ex.reason = strings.TrimSpace(strings.TrimPrefix(resp.Status, strconv.Itoa(resp.StatusCode)))
	ex.location = resp.Header.Get("Location")
	ex.body = buf
	give := emptyEnvelope
	if ex.passBody {
		give = buf.Bytes()
	}
	resp.Body = io.NopCloser(bytes.NewReader(give))
	resp.ContentLength = int64(len(give))
	return resp, nil
}

func (t *recorder) observe(method, route, code string, start time.Time) {
	t.metrics.requests.WithLabelValues(method, route, code).Inc()
	t.metrics.duration.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
}

const apiPrefix = "/api2/json"

// pinError says which certificate was presented instead of a pinned one.
type pinError struct{ got string }

func (e *pinError) Error() string {
	return "server certificate sha256 fingerprint " + e.got + " matches no configured Fingerprint"
}
func (e *pinError) Unwrap() error { return ErrTLS }

// verifyPins checks the leaf certificate against the pinned fingerprints.
// PVE's node certificates are self-signed (or signed by the cluster's own CA),
// so pinning replaces chain verification rather than adding to it.
func verifyPins(pins [][32]byte) func(tls.ConnectionState) error {
	return func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return &pinError{got: "(none)"}
		}
		sum := sha256.Sum256(cs.PeerCertificates[0].Raw)
		for _, p := range pins {
			if subtle.ConstantTimeCompare(sum[:], p[:]) == 1 {
				return nil
			}
		}
		return &pinError{got: colonHex(sum[:])}
	}
}

func colonHex(b []byte) string {
	h := strings.ToUpper(hex.EncodeToString(b))
	var sb strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			sb.WriteByte(':')
		}
		sb.WriteString(h[i : i+2])
	}
	return sb.String()
}
