package proxmox

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"time"
)

// WriteGate is asked before every request that changes the cluster,
// except the lease's own (the matcher calls below). It returns the time
// until which the write may be in flight (its context is cut there; zero:
// no bound), or an error, which refuses the request with ErrFenced.
type WriteGate func(ctx context.Context) (until time.Time, err error)

// fence runs the gate for a write; it returns ctx cut at the gate's bound.
func (c *Client) fence(ctx context.Context, r request) (context.Context, context.CancelFunc, error) {
	if !r.mutates || r.unfenced || c.opts.WriteGate == nil {
		return ctx, func() {}, nil
	}
	until, err := c.opts.WriteGate(ctx)
	if err != nil {
		return ctx, func() {}, fmt.Errorf("proxmox %s %s: %w: %w", r.method, r.route, ErrFenced, err)
	}
	if until.IsZero() {
		return ctx, func() {}, nil
	}
	cctx, cancel := context.WithDeadline(ctx, until)
	return cctx, cancel, nil
}

// Matcher is a notification matcher as the leader lease uses it: an object
// pmxcfs keeps cluster-wide with a free-text comment; PVE routes nothing
// through a disabled one. Digest is the SHA-256 of the whole
// notifications.cfg: any edit of any matcher or target changes it.
type Matcher struct {
	Name, Comment, Digest string
	Disable               bool
}

var matcherNameRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,127}$`)

func matcherPath(name string) (string, error) {
	if !matcherNameRe.MatchString(name) {
		return "", invalid("matcher name %q: want a configuration id", name)
	}
	return "/cluster/notifications/matchers/" + url.PathEscape(name), nil
}

// NotificationMatcher reads a matcher with the file's digest (GET, needs
// Mapping.Audit or Mapping.Modify on /mapping/notifications). A missing
// matcher is ErrNotFound (PVE: 404).
func (c *Client) NotificationMatcher(ctx context.Context, name string) (Matcher, error) {
	path, err := matcherPath(name)
	if err != nil {
		return Matcher{}, err
	}
	return decodeWith(c, ctx, get("/cluster/notifications/matchers/{name}", path), func(b []byte) (Matcher, error) {
		var w struct {
			Name, Comment, Digest string
			Disable               any // true from PVE, 1 from older encoders
		}
		err := decodeObject(b, &w)
		return Matcher{Name: w.Name, Comment: w.Comment, Digest: w.Digest, Disable: w.Disable == true || w.Disable == float64(1) || w.Disable == "1"}, err
	})
}

// CreateNotificationMatcher creates a disabled matcher with comment (POST,
// Mapping.Modify on /mapping/notifications). A name that exists is
// ErrConflict (PVE: 400 "an entity with the same name already exists").
func (c *Client) CreateNotificationMatcher(ctx context.Context, name, comment string) error {
	if _, err := matcherPath(name); err != nil {
		return err
	}
	return c.leaseWrite(ctx, http.MethodPost, "/cluster/notifications/matchers", "/cluster/notifications/matchers",
		map[string]any{"name": name, "comment": comment, "disable": 1})
}

// UpdateNotificationMatcherComment sets a matcher's comment as a
// compare-and-set on digest (PUT, Mapping.Modify): a file changed since
// digest was read is ErrDigestMismatch (PVE: 400 "detected modified
// configuration"), whichever entry changed.
func (c *Client) UpdateNotificationMatcherComment(ctx context.Context, name, comment, digest string) error {
	path, err := matcherPath(name)
	if err != nil {
		return err
	}
	if digest == "" {
		return invalid("matcher %s update: Digest is required (read the matcher first)", name)
	}
	return c.leaseWrite(ctx, http.MethodPut, "/cluster/notifications/matchers/{name}", path, map[string]any{"comment": comment, "digest": digest})
}

// leaseWrite sends a lease write: never fenced (it is how the lease is
// won) and, like every write, never repeated once it may have been sent.
func (c *Client) leaseWrite(ctx context.Context, method, route, path string, body map[string]any) error {
	ex, err := c.call(ctx, request{method: method, route: route, path: path, body: body, mutates: true, unfenced: true})
	if err == nil {
		releaseBody(ex)
	}
	return err
}
