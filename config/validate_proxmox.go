package config

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The connection's settings: endpoints, credentials and their secrets.

func (v *validator) proxmox(p *Proxmox) {
	if len(p.Endpoints) == 0 {
		v.add("proxmox.endpoints", "at least one endpoint is required, like https://pve1:8006")
	}
	for i, endpoint := range p.Endpoints {
		v.endpoint(fmt.Sprintf("proxmox.endpoints[%d]", i), endpoint)
	}

	tokenSet := p.TokenID != "" || !p.TokenSecret.IsZero()
	passwordSet := p.Username != "" || !p.Password.IsZero()
	switch {
	case !tokenSet && !passwordSet:
		v.add("proxmox", "one of token_id+token_secret or username+password is required")
	case tokenSet && passwordSet:
		v.add("proxmox", "set token_id+token_secret or username+password, not both")
	}
	if tokenSet {
		if !tokenIDPattern.MatchString(p.TokenID) {
			v.add("proxmox.token_id", "must be USER@REALM!TOKENID (the secret goes in token_secret)")
		}
		v.secret("proxmox.token_secret", p.TokenSecret, "required with token_id: set token_secret, token_secret_file or LXCA_PROXMOX_TOKEN_SECRET")
	}
	if passwordSet {
		if !usernamePattern.MatchString(p.Username) {
			v.add("proxmox.username", "must be USER@REALM")
		}
		v.secret("proxmox.password", p.Password, "required with username: set password, password_file or LXCA_PROXMOX_PASSWORD")
	}

	trust := 0
	for _, set := range []bool{p.CAFile != "", p.Fingerprint != "", p.InsecureSkipVerify} {
		if set {
			trust++
		}
	}
	if trust > 1 {
		v.add("proxmox", "set at most one of ca_file, fingerprint and insecure_skip_verify")
	}
	if p.Fingerprint != "" {
		// One per node whose certificate differs, so that failing over to
		// another endpoint does not fail its TLS check.
		pins := strings.Split(p.Fingerprint, ",")
		for i, pin := range pins {
			if hexPattern.MatchString(strings.ReplaceAll(strings.TrimSpace(pin), ":", "")) {
				continue
			}
			which := ""
			if len(pins) > 1 {
				which = fmt.Sprintf("item %d of %d ", i+1, len(pins))
			}
			v.add("proxmox.fingerprint", "%smust be a SHA-256 certificate fingerprint: 64 hex digits, colons allowed; separate several with commas", which)
		}
	}

	v.durationIn("proxmox.timeout", p.Timeout, time.Second, 5*time.Minute)
	v.durationIn("proxmox.task_timeout", p.TaskTimeout, 10*time.Second, maxAnyPeriod)
	v.intIn("proxmox.max_concurrency", p.MaxConcurrency, 1, 256)
	v.intIn("proxmox.retry.attempts", p.Retry.Attempts, 1, 10)
	v.durationIn("proxmox.retry.min_backoff", p.Retry.MinBackoff, 10*time.Millisecond, time.Minute)
	v.durationIn("proxmox.retry.max_backoff", p.Retry.MaxBackoff, 10*time.Millisecond, 10*time.Minute)
	v.notAbove("proxmox.retry.min_backoff", formatDuration(p.Retry.MinBackoff), "proxmox.retry.max_backoff",
		formatDuration(p.Retry.MaxBackoff), p.Retry.MinBackoff > p.Retry.MaxBackoff)
}

func (v *validator) endpoint(key, endpoint string) {
	u, err := url.Parse(endpoint)
	switch {
	case err != nil || u.Host == "" || u.Hostname() == "":
		v.add(key, "must be a URL like https://pve1:8006")
	case u.User != nil:
		v.add(key, "must not contain credentials; use token_id and token_secret")
	case u.Scheme != "https" && u.Scheme != "http":
		v.add(key, "scheme must be https")
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		v.add(key, "http is allowed only for loopback addresses, because the credentials would cross the network in clear; use https")
	case u.Path != "" || u.RawQuery != "" || u.Fragment != "":
		v.add(key, "must be a base URL without a path, like https://pve1:8006")
	case u.Port() != "":
		if port, err := strconv.Atoi(u.Port()); err != nil || port < 1 || port > 65535 {
			v.add(key, "port must be in range [1, 65535]")
		}
	}
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (v *validator) secret(key string, s Secret, missing string) {
	if s.IsZero() {
		v.add(key, "%s", missing)
		return
	}
	if s.Value() == Redacted {
		v.add(key, "holds the redaction placeholder of check-config output, not a secret")
		return
	}
	for _, r := range s.Value() {
		if r < 0x20 || r == 0x7f {
			v.add(key, "must not contain control characters or line breaks")
			return
		}
	}
}
