package httpapi

import (
	"github.com/lxc-autoscale/lxc-autoscale/controller"
	"github.com/lxc-autoscale/lxc-autoscale/httpapi/page"
)

// The loop draws the page's sparklines: the page asks its Snapshotter for
// History when it has one, and the loop must stay one.
var _ page.Historian = (*controller.Controller)(nil)

// The status page at / is server-rendered HTML: html/template escapes
// every value (container names and lock strings come from the cluster and
// are not trusted), there is no JavaScript, every style is inline in the
// page, and a meta refresh reloads it once per loop interval.
//
// Authentication. The page needs the read scope like every other route,
// but a browser cannot be told to send a Bearer or X-API-Key header. The
// page therefore also accepts HTTP Basic credentials whose password is an
// API token (the user name is ignored): on a 401 the browser shows its own
// login prompt, the person pastes a read token as the password, and the
// browser resends it on each refresh. This was chosen over:
//   - a ?token= query parameter: the token would land in proxy and access
//     logs, browser history and Referer headers;
//   - serving the page without a token on loopback: a reverse proxy on the
//     same host would make it public to whoever the proxy serves;
//   - requiring a header-injecting reverse proxy: safe, but nobody could
//     open the page without setting one up. Such a proxy still works: the
//     page accepts Bearer and X-API-Key too.
//
// Only this route accepts Basic credentials, so the credentials a browser
// caches can never authorise a write on another route (no CSRF through
// them), and the page itself only reads. Basic sends the token in clear
// text like a Bearer header does: serve the API over TLS (api.tls) when it
// listens beyond loopback.

// pageRoutes serves the status page (package page) behind the read scope,
// with Basic credentials allowed and rate-limit buckets of its own.
func (s *Server) pageRoutes() {
	handler := page.Handler(page.Options{
		Snapshots: s.opts.Snapshots, Containers: s.opts.Operations, Interval: s.opts.Interval, Leadership: s.opts.Leadership,
		StaleAfterIntervals: staleAfterIntervals, Now: s.now, Logger: s.opts.Logger,
	})
	s.echo.GET("/", handler, s.requireToken(ScopeRead, true, ratePage))
}
