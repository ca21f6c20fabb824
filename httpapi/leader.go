package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// notLeader is the answer of a write route on a replica that does not
// hold the leader lease: it names the leader (its host:pid:id, as the
// lease records it) so that a client or an operator knows where to send
// the write. It does not proxy: a replica does not know the leader's API
// address, and a write must not be sent twice.
type notLeader struct {
	Error  string `json:"error"`
	Leader string `json:"leader"`
}

// leaderOnly refuses writes (anything but GET and HEAD) on a follower, after
// authentication, so that only a caller with a token learns who leads.
func (s *Server) leaderOnly(c echo.Context) (refused bool, err error) {
	m := c.Request().Method
	if s.opts.Leadership == nil || m == http.MethodGet || m == http.MethodHead {
		return false, nil
	}
	leading, leader := s.opts.Leadership()
	if leading {
		return false, nil
	}
	if leader == "" {
		leader = "unknown (no lease read yet)"
	}
	c.Response().Header().Set("Retry-After", "2")
	return true, c.JSON(http.StatusServiceUnavailable, notLeader{
		Error:  "this replica is not the leader: writes go to the leader (only one replica acts)",
		Leader: leader,
	})
}
