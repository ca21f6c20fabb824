package proxmox

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"time"
)

// ErrFenced: the client's WriteGate refused a write (this instance does
// not hold the controller's lease, or not for long enough to finish it).
// The write was not sent.
var ErrFenced = errors.New("write fenced: not the lease holder")

// WriteGate is asked before every request that changes the cluster,
// except the lease's own (the matcher calls below). It returns the time
// until which the write may be in flight (its context is cut there; zero:
// no bound), or an error, which refuses the request with ErrFenced.
type WriteGate func(ctx context.Context) (until time.Time, err error)

// fencedError is a write the gate refused; it matches ErrFenced and the
// gate's reason.
type fencedError struct {
	method, route string
	err           error
}

func (e *fencedError) Error() string {
	return "proxmox " + e.method + " " + e.route + ": " + ErrFenced.Error() + ": " + e.err.Error()
}
func (e *fencedError) Unwrap() []error { return []error{ErrFenced, e.err} }

// fence runs the gate for a write; it returns ctx cut at the gate's bound.
func (c *Client) fence(ctx context.Context, r request) (context.Context, context.CancelFunc, error) {
	if !r.mutates || r.unfenced || c.opts.WriteGate == nil {
		return ctx, func() {}, nil
	}
	until, err := c.opts.WriteGate(ctx)
	if err != nil {
		return ctx, func() {}, &fencedError{method: r.method, route: r.route, err: err}
	}
	if until.IsZero() {
		return ctx, func() {}, nil
	}
	cctx, cancel := context.WithDeadline(ctx, until)
	return cctx, cancel, nil
}

// Matcher is a notification matcher (/cluster/notifications/matchers) as
// the leader lease uses it: a named object pmxcfs keeps cluster-wide, with
// a free-text comment and a digest for compare-and-set. PVE routes nothing
// through a disabled matcher.
type Matcher struct {
	Name    string
	Comment string
	Disable bool
	// Digest is the SHA-256 of the whole notifications.cfg: any edit of
	// any matcher or notification target changes it.
	Digest string
}

var matcherNameRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,127}$`)

func matcherPath(name string) string {
	return "/cluster/notifications/matchers/" + url.PathEscape(name)
}

// NotificationMatcher reads a matcher with the file's digest (GET, needs
// Mapping.Audit or Mapping.Modify on /mapping/notifications). A missing
// matcher is ErrNotFound (PVE: 404).
func (c *Client) NotificationMatcher(ctx context.Context, name string) (Matcher, error) {
	if !matcherNameRe.MatchString(name) {
		return Matcher{}, invalid("matcher name %q: want a configuration id", name)
	}
	r := get("/cluster/notifications/matchers/{name}", matcherPath(name))
	return decodeWith(c, ctx, r, func(b []byte) (Matcher, error) {
		var w struct {
			Name, Comment, Digest string
			Disable               any
		}
		if err := decodeObject(b, &w); err != nil {
			return Matcher{}, err
		}
		return Matcher{Name: w.Name, Comment: w.Comment, Digest: w.Digest, Disable: w.Disable == true || w.Disable == float64(1) || w.Disable == "1"}, nil
	})
}

// CreateNotificationMatcher creates a disabled matcher with comment (POST,
// Mapping.Modify on /mapping/notifications). A name that exists is
// ErrConflict (PVE: 400 "an entity with the same name already exists").
func (c *Client) CreateNotificationMatcher(ctx context.Context, name, comment string) error {
	if !matcherNameRe.MatchString(name) {
		return invalid("matcher name %q: want a configuration id", name)
	}
	return c.leaseWrite(ctx, request{method: http.MethodPost, route: "/cluster/notifications/matchers",
		path: "/cluster/notifications/matchers", body: map[string]any{"name": name, "comment": comment, "disable": 1}})
}

// UpdateNotificationMatcherComment sets a matcher's comment as a
// compare-and-set on digest (PUT, Mapping.Modify): a file changed since
// digest was read is ErrDigestMismatch (PVE: 400 "detected modified
// configuration"), whichever entry changed.
func (c *Client) UpdateNotificationMatcherComment(ctx context.Context, name, comment, digest string) error {
	if !matcherNameRe.MatchString(name) {
		return invalid("matcher name %q: want a configuration id", name)
	}
	if digest == "" {
		return invalid("matcher %s update: Digest is required (read the matcher first)", name)
	}
	return c.leaseWrite(ctx, request{method: http.MethodPut, route: "/cluster/notifications/matchers/{name}",
		path: matcherPath(name), body: map[string]any{"comment": comment, "digest": digest}})
}

// leaseWrite sends a lease write: never fenced (it is how the lease is
// won) and never retried once sent, like every write.
func (c *Client) leaseWrite(ctx context.Context, r request) error {
	r.mutates, r.unfenced = true, true
	ex, err := c.call(ctx, r)
	if err != nil {
		return err
	}
	releaseBody(ex)
	return nil
}
