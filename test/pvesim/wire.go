package pvesim

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/schema"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/jsonw"
)

func sprintf(format string, args ...any) string {
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

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
		entry.Status = resp.status
	}
	// Logged before answering: a client that has the answer finds its entry.
	s.logRequest(entry)
	if answered {
		writeResponse(w, resp)
	}
}

// serve runs faults, auth, routing, validation and the handler. answered is
// false when a Hang fault kept the request until the client gave up.
func (s *Sim) serve(c *call, relPath string) (resp response, answered bool) {
	r := c.r
	node := c.path["node"]
	template := ""
	if c.route != nil {
		template = c.route.template
	}
	eff := s.matchFaults(r, template, node)
	if eff.latency > 0 && !s.sleep(r, eff.latency) {
		return response{}, false
	}
	if eff.hang {
		// Read the body first: only then does net/http watch the
		// connection and cancel the context when the client gives up.
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-s.closed:
		}
		return response{}, false
	}
	if eff.status != 0 {
		resp := fail(eff.status, eff.reason)
		resp.empty = eff.status >= 595
		return resp, true
	}
	c.taskExit = eff.taskExit

	if resp, ok := s.authenticate(c); !ok {
		return s.delayUnauthorized(r, resp)
	}
	if c.route == nil {
		return fail(http.StatusNotImplemented, fmt.Sprintf("Method '%s %s' not implemented", r.Method, relPath)), true
	}
	if c.route.proxied {
		s.mu.Lock()
		n := s.nodeByName[node]
		online := n != nil && n.online && !n.dead
		s.mu.Unlock()
		if n == nil && schema.CheckFormat("pve-node", node) == "" {
			return internal("hostname lookup '%s' failed - failed to get address info for: %s: Name or service not known", node, node), true
		}
		if n != nil && !online {
			return response{status: 595, reason: "Connection refused", empty: true}, true
		}
	}
	p, rerr := schema.Decode(r)
	if rerr != nil {
		return fail(rerr.Status, rerr.Message), true
	}
	c.p = p
	if errs := schema.MergePath(p, c.path); errs != nil {
		return failParams(errs), true
	}
	if errs := schema.Validate(p, c.route.specs); errs != nil {
		return failParams(errs), true
	}
	s.mu.Lock()
	s.settleLocked()
	resp = c.route.handle(s, c)
	s.mu.Unlock()
	if resp.later != nil {
		resp = resp.later()
	}
	return s.delayUnauthorized(r, resp)
}

// delayUnauthorized holds every 401 (bad credentials and bad logins) for
// Options.AuthFailureDelay, as pve-http-server does for 3 s.
func (s *Sim) delayUnauthorized(r *http.Request, resp response) (response, bool) {
	if resp.status == http.StatusUnauthorized && s.opts.AuthFailureDelay > 0 && !s.sleep(r, s.opts.AuthFailureDelay) {
		return response{}, false
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

const dataPrefix = `{"data":`

// responseBody is the body of an error response.
func responseBody(resp response) []byte {
	if resp.empty {
		return nil
	}
	b := make([]byte, 0, 64+len(resp.data))
	b = append(b, dataPrefix...)
	if resp.data == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, resp.data...)
	}
	if len(resp.extra) > 0 {
		b = append(b, ',')
		b = append(b, resp.extra...)
	}
	if resp.status != http.StatusOK {
		if len(resp.errors) > 0 {
			j := jsonw.Writer{}
			j.BeginObject()
			for _, k := range sortedKeys(resp.errors) {
				j.KeyStr(k, resp.errors[k])
			}
			j.EndObject()
			b = append(b, `,"errors":`...)
			b = append(b, j.Bytes()...)
		}
		b = append(b, `,"message":`...)
		b = jsonw.AppendString(b, resp.reason+"\n")
	}
	return append(b, '}')
}

// writeResponse writes resp. PVE puts the error message into the HTTP reason
// phrase, which net/http cannot do, so errors hijack the connection and write
// the status line themselves (and close the connection afterwards).
func writeResponse(w http.ResponseWriter, resp response) {
	if resp.status == http.StatusOK {
		// Written in pieces: a listing's data is large and need not be copied.
		data := resp.data
		if data == nil {
			data = []byte("null")
		}
		tail := []byte("}")
		if len(resp.extra) > 0 {
			tail = append(append([]byte(","), resp.extra...), '}')
		}
		h := w.Header()
		h.Set("Content-Type", "application/json;charset=UTF-8")
		h.Set("Cache-Control", "max-age=0")
		h.Set("Pragma", "no-cache")
		h.Set("Server", "pve-api-daemon/3.0")
		h.Set("Content-Length", strconv.Itoa(len(dataPrefix)+len(data)+len(tail)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(dataPrefix))
		_, _ = w.Write(data)
		_, _ = w.Write(tail)
		return
	}
	body := responseBody(resp)
	reason := strings.TrimSpace(strings.SplitN(resp.reason, "\n", 2)[0])
	reason = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, reason)
	if hj, ok := w.(http.Hijacker); ok {
		conn, buf, err := hj.Hijack()
		if err == nil {
			defer conn.Close()
			writeRaw(buf.Writer, resp.status, reason, body)
			_ = buf.Flush()
			return
		}
	}
	// Not hijackable (httptest.ResponseRecorder, HTTP/2): the reason is lost.
	if len(body) > 0 {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(resp.status)
	_, _ = w.Write(body)
}

func writeRaw(w *bufio.Writer, status int, reason string, body []byte) {
	fmt.Fprintf(w, "HTTP/1.1 %d %s\r\n", status, reason)
	fmt.Fprintf(w, "Date: %s\r\n", time.Now().UTC().Format(http.TimeFormat))
	w.WriteString("Server: pve-api-daemon/3.0\r\nCache-Control: max-age=0\r\nPragma: no-cache\r\nConnection: close\r\n")
	if len(body) > 0 {
		w.WriteString("Content-Type: application/json;charset=UTF-8\r\n")
	}
	fmt.Fprintf(w, "Content-Length: %d\r\n\r\n", len(body))
	w.Write(body)
}
