package doctor

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/config"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// NewClient builds a Proxmox client for a configuration (cmd's wiring, so
// that the doctor connects exactly as the daemons do).
type NewClient func(p config.Proxmox) (*proxmox.Client, error)

// probeClient is a client of one endpoint that tries each call once: the
// doctor reports what it sees instead of waiting through retries.
func probeClient(newClient NewClient, p config.Proxmox, endpoint string) (*proxmox.Client, error) {
	p.Endpoints = []string{endpoint}
	p.Retry = config.Retry{Attempts: 1, MinBackoff: p.Retry.MinBackoff, MaxBackoff: p.Retry.MaxBackoff}
	return newClient(p)
}

// connectHint is what to do about a failure to reach an endpoint and be
// accepted by it; permanent reports whether trying again cannot help (a
// refused credential or certificate) so that a daemon should not start.
func connectHint(ctx context.Context, p config.Proxmox, endpoint string, err error) (hint string, permanent bool) {
	switch {
	case errors.Is(err, proxmox.ErrTLS):
		return tlsHint(ctx, p, endpoint), true
	case errors.Is(err, proxmox.ErrAuth) && p.TokenID != "":
		return fmt.Sprintf("Proxmox VE refused the token (401). Check that proxmox.token_id is %q exactly as `pveum user token list %s` shows it, "+
			"that the secret is the one `pveum user token add` printed (the file holds only it), that the token has not expired, "+
			"and that the user is enabled", p.TokenID, tokenUser(p.TokenID)), true
	case errors.Is(err, proxmox.ErrAuth):
		return fmt.Sprintf("Proxmox VE refused the login (401): check proxmox.username %q (USER@REALM) and the password, and that the user is enabled", p.Username), true
	case errors.Is(err, proxmox.ErrPermission):
		return "the credentials were accepted but may not read /version; give them the LXCAutoscale role (README: Connecting to a real cluster)", true
	}
	return "check the address, that port 8006 (pveproxy) is open from this machine, and that the node is up", false
}

// tlsHint names the certificate the endpoint presents, so that the
// operator can compare it with the node's and pin it.
func tlsHint(ctx context.Context, p config.Proxmox, endpoint string) string {
	fp, err := presentedFingerprint(ctx, endpoint, p.Timeout)
	if err != nil {
		return fmt.Sprintf("TLS verification failed and the certificate could not be read (%v); pin the node's certificate: proxmox.fingerprint (README: Connecting to a real cluster)", err)
	}
	pin := fp
	if p.Fingerprint != "" {
		pin = p.Fingerprint + "," + fp
	}
	return fmt.Sprintf("TLS verification failed: %s presents a certificate with SHA-256 fingerprint %s. "+
		"If that is the node's (on the node: openssl x509 -in /etc/pve/local/pve-ssl.pem -noout -fingerprint -sha256), pin it: fingerprint: %q",
		endpoint, fp, pin)
}

// presentedFingerprint reads the leaf certificate an endpoint presents,
// without verifying it and without sending anything: only to show it.
func presentedFingerprint(ctx context.Context, endpoint string, timeout time.Duration) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", err
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "8006")
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	d := tls.Dialer{Config: &tls.Config{InsecureSkipVerify: true, ServerName: u.Hostname()}} // #nosec: read the certificate, send nothing
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	certs := conn.(*tls.Conn).ConnectionState().PeerCertificates
	if len(certs) == 0 {
		return "", errors.New("no certificate")
	}
	sum := sha256.Sum256(certs[0].Raw)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":"), nil
}

func tokenUser(tokenID string) string {
	user, _, _ := strings.Cut(tokenID, "!")
	return user
}

// Preflight is the doctor's first step at a daemon's start: each endpoint
// is asked for its version once. An endpoint that cannot be reached now
// may be later (the loop retries it); a refused token or certificate will
// not be accepted later, so when no endpoint accepts the credentials and
// one refused them the daemon stops with the hint instead of retrying
// forever in silence.
func Preflight(ctx context.Context, p config.Proxmox, newClient NewClient, log zerolog.Logger) error {
	var refused error
	for _, ep := range p.Endpoints {
		c, err := probeClient(newClient, p, ep)
		if err != nil {
			return err
		}
		v, err := c.Version(ctx)
		if err == nil {
			log.Info().Str("endpoint", ep).Str("pve_version", v.Version).Msg("connected to Proxmox VE")
			return nil
		}
		hint, permanent := connectHint(ctx, p, ep, err)
		log.Warn().Str("endpoint", ep).Err(err).Str("hint", hint).Msg("endpoint not usable at start")
		if permanent && refused == nil {
			refused = fmt.Errorf("%s: %w\n%s", ep, err, hint)
		}
	}
	return refused
}

// need is a privilege the configuration needs on a path, and why.
type need struct {
	path, priv, why string
	// optional needs are reported as warnings: the configuration does not
	// use them yet (dry-run) or only the REST API's manual operations do.
	optional bool
}

// needs lists the privileges cfg needs, as README's role grants them.
func needs(cfg *config.Config) []need {
	out := []need{
		{"/vms", "VM.Audit", "list containers with their usage, read configs and RRD history", false},
		{"/nodes", "Sys.Audit", "node capacity for the capacity guard", false},
	}
	scopes := append([]config.Rules{cfg.Scaling.Rules}, func() []config.Rules {
		var rs []config.Rules
		for _, p := range cfg.Scaling.Policies {
			rs = append(rs, p.Rules)
		}
		return rs
	}()...)
	var cpu, mem, disk, enforce bool
	for _, r := range scopes {
		if r.Mode == config.ModeRecommend {
			continue
		}
		enforce = enforce || r.Mode == config.ModeEnforce
		cpu, mem, disk = cpu || r.CPU.Enabled, mem || r.Memory.Enabled || r.Swap.Enabled, disk || r.Disk.Enabled
	}
	later := ""
	if !enforce {
		later = " (once scaling.mode is enforce)"
	}
	write := func(path, priv, why string) { out = append(out, need{path, priv, why + later, !enforce}) }
	if cpu {
		write("/vms", "VM.Config.CPU", "change cores")
	}
	if mem {
		write("/vms", "VM.Config.Memory", "change memory and swap")
	}
	if cpu || mem || disk {
		// run writes only while it holds the lease (README: High availability).
		write("/mapping/notifications", "Mapping.Modify", "hold the leader lease (the notification matcher lxc-autoscale-lease), without which run never writes")
	}
	if disk {
		write("/vms", "VM.Config.Disk", "grow root disks")
		write("/storage", "Datastore.AllocateSpace", "grow root disks")
		write("/storage", "Datastore.Audit", "read storage state")
	}
	scopesOf := map[string]bool{}
	for _, t := range cfg.API.Tokens {
		scopesOf[t.Scope] = true
	}
	if cfg.API.Listen != "" && (scopesOf[config.ScopeOperate] || scopesOf[config.ScopeAdmin]) {
		out = append(out, need{"/vms", "VM.Snapshot", "snapshots through the REST API", true})
	}
	if cfg.API.Listen != "" && scopesOf[config.ScopeAdmin] {
		for _, p := range []string{"VM.Snapshot.Rollback", "VM.Clone", "VM.Allocate", "VM.PowerMgmt"} {
			out = append(out, need{"/vms", p, "rollback, clone and delete through the REST API", true})
		}
		out = append(out, need{"/sdn", "SDN.Use", "clone containers on SDN networks through the REST API", true})
	}
	return out
}

// report writes the doctor's lines; failed counts the problems that stop
// the configuration from working (warnings do not count).
type report struct {
	w      io.Writer
	prefix string
	failed int
}

func (r *report) line(status, format string, args ...any) {
	fmt.Fprintf(r.w, "%s%-5s %s\n", r.prefix, status, fmt.Sprintf(format, args...))
	if status == "FAIL" {
		r.failed++
	}
}

func (r *report) fix(format string, args ...any) {
	fmt.Fprintf(r.w, "%s      fix: %s\n", r.prefix, fmt.Sprintf(format, args...))
}

// Probe checks every endpoint of cfg, writes what it finds to w (each line
// after prefix) and returns how many checks failed; warnings do not count.
func Probe(ctx context.Context, cfg *config.Config, newClient NewClient, w io.Writer, prefix string) (failed int) {
	r := &report{w: w, prefix: prefix}
	p := cfg.Proxmox
	for _, ep := range p.Endpoints {
		fmt.Fprintf(r.w, "%sendpoint %s\n", r.prefix, ep)
		c, err := probeClient(newClient, p, ep)
		if err != nil {
			r.line("FAIL", "%v", err)
			continue
		}
		v, err := c.Version(ctx)
		if err != nil {
			hint, _ := connectHint(ctx, p, ep, err)
			r.line("FAIL", "%v", err)
			r.fix("%s", hint)
			continue
		}
		r.line("ok", "TLS and credentials accepted; this node runs Proxmox VE %s", v.Version)
		probeCluster(ctx, c, r)
		probePrivileges(ctx, c, cfg, r)
	}
	return r.failed
}

func probeCluster(ctx context.Context, c *proxmox.Client, r *report) {
	nodes, err := c.Nodes(ctx)
	if err != nil {
		r.line("FAIL", "listing the nodes: %v", err)
		return
	}
	var seen []string
	for _, n := range nodes {
		desc := n.Name + " " + n.Status
		if n.Status == "online" {
			if st, err := c.NodeStatus(ctx, n.Name); err == nil && st.PVEVersion != "" {
				// "pve-manager/9.1.1/2a6b9c8e4"
				parts := strings.Split(st.PVEVersion, "/")
				desc += ", Proxmox VE " + parts[min(1, len(parts)-1)]
			}
		}
		seen = append(seen, desc)
	}
	r.line("ok", "%d nodes: %s", len(nodes), strings.Join(seen, "; "))
	cts, err := c.ClusterContainers(ctx)
	if err != nil {
		r.line("FAIL", "listing the containers: %v", err)
		return
	}
	status := "ok"
	if len(cts) == 0 {
		status = "WARN"
	}
	r.line(status, "%d containers visible to these credentials (only those with VM.Audit are listed)", len(cts))
}

func probePrivileges(ctx context.Context, c *proxmox.Client, cfg *config.Config, r *report) {
	held := map[string][]string{}
	var missing, optional []string
	for _, n := range needs(cfg) {
		privs, ok := held[n.path]
		if !ok {
			var err error
			if privs, err = c.Permissions(ctx, n.path); err != nil {
				r.line("FAIL", "reading the privileges on %s: %v", n.path, err)
				return
			}
			held[n.path] = privs
		}
		switch {
		case slices.Contains(privs, n.priv):
			r.line("ok", "%s on %s (%s)", n.priv, n.path, n.why)
		case n.optional:
			r.line("WARN", "%s on %s missing: needed to %s", n.priv, n.path, n.why)
			optional = append(optional, n.priv)
		default:
			r.line("FAIL", "%s on %s missing: needed to %s", n.priv, n.path, n.why)
			missing = append(missing, n.priv)
		}
	}
	for _, privs := range [][]string{missing, optional} {
		if len(privs) > 0 {
			r.fix("%s", grantLine(cfg.Proxmox, privs))
		}
	}
}

// grantLine is the pveum command that grants privs to the credentials,
// through the role README creates.
func grantLine(p config.Proxmox, privs []string) string {
	who := "--users " + p.Username
	if p.TokenID != "" {
		// With privilege separation a token holds what both it and its
		// user are granted.
		who = fmt.Sprintf("--users %s --tokens '%s'", tokenUser(p.TokenID), p.TokenID)
	}
	return fmt.Sprintf(`pveum role modify LXCAutoscale --append 1 --privs "%s" && pveum acl modify / %s --roles LXCAutoscale`+
		` (no such role yet: pveum role add LXCAutoscale --privs "%s")`, strings.Join(privs, " "), who, strings.Join(privs, " "))
}
