package proxmox

import (
	"context"
	"errors"
	"net/http"
	"strings"

	gp "github.com/luthermonson/go-proxmox"
)

// addSession is go-proxmox's request interceptor under ticket auth: it adds
// the current ticket cookie and CSRF token. The session lives here, not in
// go-proxmox, whose session field is read without its lock on every request
// and so cannot be renewed while other requests are in flight.
func (c *Client) addSession(req *http.Request) error {
	s := c.session.Load()
	if s == nil {
		return nil
	}
	req.Header.Set("Cookie", "PVEAuthCookie="+s.ticket)
	req.Header.Set("CSRFPreventionToken", s.csrf)
	return nil
}

// ensureSession makes sure a usable ticket exists before a request. A ticket
// past TicketRenewAfter is renewed by one caller while the others go on with
// the old one; a missing or nearly expired ticket makes every caller wait for
// the login.
func (c *Client) ensureSession(ctx context.Context, ep *endpoint) error {
	s := c.session.Load()
	now := c.now()
	if s != nil && now.Sub(s.obtained) < c.opts.TicketRenewAfter {
		return nil
	}
	usable := s != nil && now.Sub(s.obtained) < ticketLifetime-ticketMargin
	if usable {
		if !c.loginMu.TryLock() {
			return nil // someone else renews; the old ticket still works
		}
	} else {
		c.loginMu.Lock()
	}
	defer c.loginMu.Unlock()
	// another caller may have logged in while we waited
	if cur := c.session.Load(); cur != nil && c.now().Sub(cur.obtained) < c.opts.TicketRenewAfter {
		return nil
	}
	if usable {
		// renew with the ticket as password, as PVE's own GUI does
		err := c.login(ctx, ep, s.username, s.ticket)
		if err == nil {
			c.log.Debug().Str("username", s.username).Msg("proxmox ticket renewed")
			return nil
		}
		c.log.Warn().Err(err).Msg("proxmox ticket renewal failed, logging in again")
	}
	err := c.login(ctx, ep, c.opts.Username, c.opts.Password)
	if err != nil && usable {
		c.log.Warn().Err(err).Msg("proxmox login failed, keeping the current ticket")
		return nil
	}
	return err
}

// login runs POST /access/ticket through go-proxmox and stores the session.
// It must hold loginMu.
func (c *Client) login(ctx context.Context, ep *endpoint, username, password string) error {
	r := request{method: http.MethodPost, route: "/access/ticket", path: "/access/ticket"}
	actx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	ex := &exchange{passBody: true}
	_, gerr := ep.login.Ticket(withExchange(actx, ex), &gp.Credentials{Username: username, Password: password})
	defer releaseBody(ex)
	if ex.status == 0 {
		return c.transportFailure(ctx, r, ex, gerr)
	}
	if ex.status != http.StatusOK {
		return c.apiError(r, ex)
	}
	if gerr != nil {
		return &DecodeError{Route: r.route, Err: errors.New(c.redact(gerr.Error()))}
	}
	gs := ep.login.Session()
	if gs == nil || gs.Ticket == "" || gs.CSRFPreventionToken == "" {
		return &DecodeError{Route: r.route, Err: errors.New("login answer has no ticket")}
	}
	user := gs.Username
	if user == "" {
		user = username
	}
	c.session.Store(&session{
		username: user,
		ticket:   strings.Clone(gs.Ticket),
		csrf:     strings.Clone(gs.CSRFPreventionToken),
		obtained: c.now(),
	})
	return nil
}
