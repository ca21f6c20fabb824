package page

import (
	"bytes"
	"context"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/controller"
	"github.com/lxc-autoscale/lxc-autoscale/controller/manual"
)

//go:embed page.html
var pageFS embed.FS

// pageTemplate is parsed once; it is immutable and safe for concurrent
// use, so it is not state held by the package.
var pageTemplate = template.Must(template.ParseFS(pageFS, "page.html"))

const (
	// minPageRefresh bounds the meta refresh, so that a short loop interval
	// does not make the page reload (and re-authenticate) constantly.
	minPageRefresh = 5 * time.Second
	// defaultPageRefresh is the refresh when no interval is known.
	defaultPageRefresh = 30 * time.Second
	// pageListTimeout bounds the cluster listing of the page without a loop.
	pageListTimeout = 10 * time.Second
)

// Snapshotter gives the loop's latest view.
type Snapshotter interface {
	Snapshot() controller.Snapshot
}

// Lister lists the cluster's containers live.
type Lister interface {
	Containers(ctx context.Context) ([]manual.ContainerSummary, error)
}

// Options configure the page.
type Options struct {
	// Snapshots is the loop; nil in a process without one, where the page
	// lists Containers live instead.
	Snapshots  Snapshotter
	Containers Lister
	// Interval is the loop's tick: the page refreshes once per interval.
	Interval time.Duration
	// StaleAfterIntervals is how many intervals may pass after the last
	// complete pass before the page says stale (as /readyz judges it).
	StaleAfterIntervals int
	// Leadership says who acts among replicas (nil: no line on the page).
	Leadership func() (leading bool, leader string)
	Now        func() time.Time
	Logger     zerolog.Logger
}

type page struct {
	snapshots  Snapshotter
	containers Lister
	interval   time.Duration
	staleAfter int
	leadership func() (bool, string)
	now        func() time.Time
	log        zerolog.Logger
}

// Handler serves the page; the server in front of it authenticates.
func Handler(o Options) echo.HandlerFunc {
	if o.Now == nil {
		o.Now = time.Now
	}
	p := &page{snapshots: o.Snapshots, containers: o.Containers, interval: o.Interval,
		staleAfter: o.StaleAfterIntervals, leadership: o.Leadership, now: o.Now, log: o.Logger}
	return p.serve
}

// serve renders the page from the loop's snapshot or, without a loop
// in this process, from a live cluster listing.
func (p *page) serve(c echo.Context) error {
	nonce, err := pageNonce()
	if err != nil {
		return fmt.Errorf("status page nonce: %w", err)
	}
	now := p.now()
	var view pageView
	if p.snapshots != nil {
		view = snapshotPageView(p.snapshots.Snapshot(), p.interval, p.staleAfter, now)
		if h, ok := p.snapshots.(Historian); ok {
			addHistory(&view, h, now)
		}
	} else {
		ctx, cancel := context.WithTimeout(c.Request().Context(), pageListTimeout)
		defer cancel()
		cts, err := p.containers.Containers(ctx)
		if err != nil {
			p.log.Warn().Err(err).Msg("status page could not list containers")
		}
		view = listingPageView(cts, err, p.interval, now)
	}
	view.Nonce = nonce
	if p.leadership != nil {
		view.Leader = leaderText(p.leadership())
	}

	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, view); err != nil {
		return fmt.Errorf("render status page: %w", err)
	}
	h := c.Response().Header()
	// Nothing but the page's own nonce-tagged style may load: no script, no
	// image, no font, no frame, no form target, nothing from elsewhere.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'nonce-"+nonce+"'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	// It shows live state behind a token: no cache may keep a copy.
	h.Set("Cache-Control", "no-store")
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}

// pageNonce is the CSP nonce of one response's style element.
func pageNonce() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}
