package pvesim

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/answer"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/jsonw"
)

// authenticate applies pve-http-server's auth handler: API token, or ticket
// cookie plus CSRF header for non-GET. It returns false with the response
// to send when the request may not proceed.
func (s *Sim) authenticate(c *call) (answer.Answer, bool) {
	r := c.r
	authz := r.Header.Get("Authorization")
	tokenHeader, isToken := strings.CutPrefix(authz, "PVEAPIToken")
	isToken = isToken && len(tokenHeader) > 0 && (tokenHeader[0] == '=' || tokenHeader[0] == ' ')
	if c.route != nil && c.route.noAuth {
		if isToken && c.route.noToken {
			return answer.Fail(http.StatusForbidden, fmt.Sprintf("URI '%s' not available with API token, need proper ticket.", c.route.template)), false
		}
		return answer.Answer{}, true
	}
	unauthorized := func(msg string) (answer.Answer, bool) {
		return answer.Answer{Status: http.StatusUnauthorized, Reason: msg, Empty: true}, false
	}
	if isToken {
		id, secret, _ := strings.Cut(strings.TrimSpace(tokenHeader[1:]), "=")
		if !s.access.TokenValid(id, secret) {
			return unauthorized("Authentication failed!")
		}
		c.tokenID = id
		c.user, _, _ = strings.Cut(id, "!")
		return answer.Answer{}, true
	}
	cookie, err := r.Cookie("PVEAuthCookie")
	if err != nil || cookie.Value == "" {
		return unauthorized("No ticket")
	}
	value, err := url.PathUnescape(cookie.Value) // uri_unescape: '+' stays '+'
	if err != nil {
		value = cookie.Value
	}
	user, csrf, valid := s.access.Ticket(value, s.clock.Now())
	if !valid {
		return unauthorized("Authentication failed!")
	}
	if r.Method != http.MethodGet && r.Header.Get("CSRFPreventionToken") != csrf {
		return unauthorized("Permission denied - invalid csrf token")
	}
	c.user = user
	return answer.Answer{}, true
}

// postTicket is POST /access/ticket: a password login, or the renewal of a
// still valid ticket passed as the password.
func (s *Sim) postTicket(c *call) answer.Answer {
	user := c.p.Str("username")
	if realm := c.p.Str("realm"); realm != "" && !strings.Contains(user, "@") {
		user += "@" + realm
	}
	tk, csrf, valid := s.access.Login(user, c.p.Str("password"), s.clock.Now())
	if !valid {
		// Logged with its JSON body, unlike the auth handler's 401s.
		return answer.Fail(http.StatusUnauthorized, "authentication failure")
	}
	j := jsonw.Writer{}
	j.BeginObject()
	j.KeyStr("username", user)
	j.KeyStr("ticket", tk)
	j.KeyStr("CSRFPreventionToken", csrf)
	j.KeyStr("clustername", "pvesim")
	j.Key("cap")
	j.BeginObject()
	for _, k := range []string{"vms", "nodes", "storage", "access", "dc", "sdn", "mapping"} {
		j.Key(k)
		j.Raw([]byte(`{}`))
	}
	j.EndObject()
	j.EndObject()
	return answer.OK(j.Bytes())
}
