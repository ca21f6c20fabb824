package pvesim

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/answer"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/jsonw"
)

// ticketLifetime is PVE's ticket_lifetime (pve-access-control AccessControl.pm).
const ticketLifetime = 2 * time.Hour

type ticket struct {
	user    string
	csrf    string
	expires time.Time // simulated
}

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
		s.mu.Lock()
		want, known := s.tokens[id]
		s.mu.Unlock()
		if !known || want != secret {
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
	s.mu.Lock()
	t, known := s.tickets[value]
	expired := known && !s.clock.Now().Before(t.expires)
	s.mu.Unlock()
	if !known || expired {
		return unauthorized("Authentication failed!")
	}
	if r.Method != http.MethodGet && r.Header.Get("CSRFPreventionToken") != t.csrf {
		return unauthorized("Permission denied - invalid csrf token")
	}
	c.user = t.user
	return answer.Answer{}, true
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawStdEncoding.EncodeToString(b)
}

// postTicket is POST /access/ticket: a password login, or the renewal of a
// still valid ticket passed as the password.
func (s *Sim) postTicket(c *call) answer.Answer {
	user := c.p.Str("username")
	if realm := c.p.Str("realm"); realm != "" && !strings.Contains(user, "@") {
		user += "@" + realm
	}
	password := c.p.Str("password")
	now := s.clock.Now()
	valid := false
	if pw, ok := s.opts.Users[user]; ok && pw == password {
		valid = true
	} else if t, ok := s.tickets[password]; ok && t.user == user && now.Before(t.expires) {
		valid = true
	}
	if !valid {
		// Logged with its JSON body, unlike the auth handler's 401s.
		return answer.Fail(http.StatusUnauthorized, "authentication failure")
	}
	for k, t := range s.tickets { // keep the map from growing in long demos
		if !now.Before(t.expires) {
			delete(s.tickets, k)
		}
	}
	tk := fmt.Sprintf("PVE:%s:%08X::%s", user, uint32(now.Unix()), randomString(96))
	csrf := fmt.Sprintf("%08X:%s", uint32(now.Unix()), randomString(32))
	s.tickets[tk] = ticket{user: user, csrf: csrf, expires: now.Add(ticketLifetime)}
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
