package httpapi

import (
	"fmt"
	"net"
	"net/http"
	"sort"
	"sync"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/lxc-autoscale/lxc-autoscale/httpapi/compat"
)

// singleQuery refuses a query that repeats a parameter, on every route:
// handlers read the first value, so `?confirm=100&confirm=101` would be
// checked on one value and could be acted on by another reader.
func (s *Server) singleQuery(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.URL.RawQuery == "" {
			return next(c)
		}
		fields := map[string]string{}
		for name, values := range r.URL.Query() {
			if len(values) > 1 {
				fields[v1Clip(name)] = fmt.Sprintf("given %d times; give it once", len(values))
			}
		}
		if len(fields) == 0 {
			return next(c)
		}
		names := make([]string, 0, len(fields))
		for n := range fields {
			names = append(names, n)
		}
		sort.Strings(names)
		if s.compatPaths[c.Path()] {
			problems := make([]string, len(names))
			for i, n := range names {
				problems[i] = n + " is " + fields[n]
			}
			return compat.ValidationFailed(c, problems)
		}
		return &Error{Status: http.StatusBadRequest, Message: "repeated query parameter " + names[0], Fields: fields}
	}
}

// maxHeaderBytes bounds a request's header block: without it every
// connection could hold a megabyte (net/http's default) while the headers
// are read, before any token is checked. net/http answers 431 beyond it.
const maxHeaderBytes = 64 << 10

// defaultMaxConnections is Options.MaxConnections when unset.
const defaultMaxConnections = 256

// limitListener hands at most cap(slots) connections to the server at a
// time. A connection beyond that is accepted but waits, unread, until one
// of the others closes, and the accept loop with it: further clients wait
// in the kernel's backlog. So memory and file descriptors stay bounded
// whoever connects, and nobody is refused during a short burst.
type limitListener struct {
	net.Listener
	slots   chan struct{}
	done    chan struct{}
	closing sync.Once
	open    prometheus.Gauge
	waiting prometheus.Gauge
}

func newLimitListener(ln net.Listener, n int, m *metrics) *limitListener {
	return &limitListener{Listener: ln, slots: make(chan struct{}, n), done: make(chan struct{}),
		open: m.connectionsOpen, waiting: m.connectionsWaiting}
}

func (l *limitListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	select {
	case l.slots <- struct{}{}:
	default:
		l.waiting.Inc()
		select {
		case l.slots <- struct{}{}:
			l.waiting.Dec()
		case <-l.done:
			l.waiting.Dec()
			c.Close()
			return nil, net.ErrClosed
		}
	}
	l.open.Inc()
	return &limitedConn{Conn: c, listener: l}, nil
}

func (l *limitListener) Close() error {
	l.closing.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// limitedConn gives its slot back when closed, once.
type limitedConn struct {
	net.Conn
	listener *limitListener
	released sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.released.Do(func() {
		c.listener.open.Dec()
		<-c.listener.slots
	})
	return err
}
