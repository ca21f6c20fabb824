package pvesim

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/answer"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/schema"
)

// call is one API request on its way through the simulator.
type call struct {
	r        *http.Request
	route    *route
	path     map[string]string
	p        schema.Params
	user     string // user@realm that is authenticated
	tokenID  string // "user@realm!id" when a token was used
	taskExit string // from a TaskExit fault
}

// taskUser is the user field of a UPID: the token id for token calls.
func (c *call) taskUser() string {
	if c.tokenID != "" {
		return c.tokenID
	}
	return c.user
}

// ServeHTTP serves the PVE API under /api2/json.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rel, found := strings.CutPrefix(r.URL.EscapedPath(), "/api2/json")
	if !found || (rel != "" && rel[0] != '/') {
		http.NotFound(w, r)
		return
	}
	var segs []string
	for _, seg := range strings.Split(strings.Trim(rel, "/"), "/") {
		u, err := url.PathUnescape(seg)
		if err != nil {
			u = seg
		}
		segs = append(segs, u)
	}
	relPath := "/" + strings.Join(segs, "/")
	rt, pathParams := matchRoute(r.Method, segs)
	entry := Request{Time: s.clock.Now(), Method: r.Method, Path: relPath}
	if rt != nil {
		entry.Route = rt.template
		entry.Node = pathParams["node"]
	}
	c := &call{r: r, route: rt, path: pathParams}
	resp, answered := s.serve(c, relPath)
	if c.p != nil {
		entry.Params = url.Values{}
		for k, v := range c.p {
			if _, isPath := pathParams[k]; isPath || k == "password" {
				continue
			}
			entry.Params.Set(k, v.Text)
		}
	}
	entry.Token = c.tokenID
	if answered {
		entry.Status = resp.Status
	}
	// Logged before answering: a client that has the answer finds its entry.
	s.logRequest(entry)
	if answered {
		answer.Write(w, resp)
	}
}

// serve runs faults, auth, routing, validation and the handler. answered is
// false when a Hang fault kept the request until the client gave up.
func (s *Sim) serve(c *call, relPath string) (resp answer.Answer, answered bool) {
	r := c.r
	node := c.path["node"]
	template := ""
	if c.route != nil {
		template = c.route.template
	}
	eff := s.matchFaults(r, template, node)
	if eff.latency > 0 && !s.sleep(r, eff.latency) {
		return answer.Answer{}, false
	}
	if eff.hang {
		// Read the body first: only then does net/http watch the
		// connection and cancel the context when the client gives up.
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-s.closed:
		}
		return answer.Answer{}, false
	}
	if eff.status != 0 {
		resp := answer.Fail(eff.status, eff.reason)
		resp.Empty = eff.status >= 595
		return resp, true
	}
	c.taskExit = eff.taskExit

	if resp, ok := s.authenticate(c); !ok {
		return s.delayUnauthorized(r, resp)
	}
	if c.route == nil {
		return answer.Fail(http.StatusNotImplemented, fmt.Sprintf("Method '%s %s' not implemented", r.Method, relPath)), true
	}
	if c.route.proxied {
		s.mu.Lock()
		n := s.nodeByName[node]
		online := n != nil && n.online && !n.dead
		s.mu.Unlock()
		if n == nil && schema.CheckFormat("pve-node", node) == "" {
			return answer.Internal("hostname lookup '%s' failed - failed to get address info for: %s: Name or service not known", node, node), true
		}
		if n != nil && !online {
			return answer.Answer{Status: 595, Reason: "Connection refused", Empty: true}, true
		}
	}
	p, rerr := schema.Decode(r)
	if rerr != nil {
		return answer.Fail(rerr.Status, rerr.Message), true
	}
	c.p = p
	if errs := schema.MergePath(p, c.path); errs != nil {
		return answer.FailParams(errs), true
	}
	if errs := schema.Validate(p, c.route.specs); errs != nil {
		return answer.FailParams(errs), true
	}
	s.mu.Lock()
	s.settleLocked()
	resp = c.route.handle(s, c)
	s.mu.Unlock()
	if resp.Later != nil {
		resp = resp.Later()
	}
	return s.delayUnauthorized(r, resp)
}

// delayUnauthorized holds every 401 (bad credentials and bad logins) for
// Options.AuthFailureDelay, as pve-http-server does for 3 s.
func (s *Sim) delayUnauthorized(r *http.Request, resp answer.Answer) (answer.Answer, bool) {
	if resp.Status == http.StatusUnauthorized && s.opts.AuthFailureDelay > 0 && !s.sleep(r, s.opts.AuthFailureDelay) {
		return answer.Answer{}, false
	}
	return resp, true
}

// sleep waits d of real time; false when the client gave up first.
func (s *Sim) sleep(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	case <-s.closed:
		return false
	}
}
