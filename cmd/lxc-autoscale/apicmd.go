package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"github.com/spf13/pflag"

	"github.com/lxc-autoscale/lxc-autoscale/config"
	"github.com/lxc-autoscale/lxc-autoscale/controller/manual"
	"github.com/lxc-autoscale/lxc-autoscale/httpapi"
)

func apiCommand() command {
	return command{
		name:    "api",
		summary: "Serve the REST API for manual operations only, without autoscaling",
		flags:   configFlags,
		exec:    runAPI,
	}
}

// runAPI serves the REST API without the loop: reads are live from the
// cluster, pausing autoscaling is unavailable. SIGHUP reloads the logging
// section and reports other changes as needing a restart.
func runAPI(ctx context.Context, env *environment, fs *pflag.FlagSet) error {
	d, err := newDaemon(env, fs, "state.audit_file")
	if err != nil {
		return err
	}
	defer d.close()
	if d.cfg.API.Listen == "" {
		return usageErrorf("api.listen: empty; the api command has nothing else to do")
	}
	if err := preflight(ctx, d.cfg.Proxmox, d.log); err != nil {
		return err
	}
	srv, err := newAPIServer(d.cfg, d.operations(nil, false), nil, nil, d.reg, d.plain)
	if err != nil {
		return err
	}
	// SIGHUP applies the logging section; what the server was built from
	// needs a restart.
	go d.reloader(env, fs, []string{"proxmox", "monitor", "api", "state", "notify"}).onHangup(ctx, d.hangup)
	return srv.Serve(ctx)
}

// newAPIServer maps the api section into the server's options.
func newAPIServer(cfg *config.Config, ops *manual.Operations, snaps httpapi.Snapshotter, leadership func() (bool, string), reg *prometheus.Registry, log zerolog.Logger) (*httpapi.Server, error) {
	tokens := make([]httpapi.Token, 0, len(cfg.API.Tokens))
	for i, t := range cfg.API.Tokens {
		hash, err := httpapi.ParseTokenHash(t.SHA256)
		if err != nil {
			return nil, usageErrorf("api.tokens[%d].sha256: %v", i, err)
		}
		scope, err := httpapi.ParseScope(t.Scope)
		if err != nil {
			return nil, usageErrorf("api.tokens[%d].scope: %v", i, err)
		}
		tokens = append(tokens, httpapi.Token{Name: t.Name, SHA256: hash, Scope: scope})
	}
	log = log.With().Str("component", "api").Logger()
	if len(tokens) == 0 {
		log.Warn().Msg("no API tokens configured: every route but health answers 401; create one with 'lxc-autoscale token'")
	}
	return httpapi.New(httpapi.Options{
		Listen: cfg.API.Listen, TLSCert: cfg.API.TLSCert, TLSKey: cfg.API.TLSKey,
		Tokens: tokens, Logger: log, Registry: reg,
		MetricsPublic: cfg.API.MetricsPublic,
		RateLimit:     cfg.API.RateLimit.PerSecond, Burst: cfg.API.RateLimit.Burst,
		BodyLimit: int64(cfg.API.BodyLimit.Bytes()), RequestTimeout: cfg.API.RequestTimeout,
		MaxConnections: cfg.API.MaxConnections,
		Operations:     ops, Snapshots: snaps, Leadership: leadership, AuditPath: cfg.State.AuditFile,
		Interval: cfg.Monitor.Interval,
	})
}

func tokenCommand() command {
	return command{
		name:    "token",
		summary: "Print a new random API token and the config entry with its SHA-256",
		flags: func(fs *pflag.FlagSet) {
			fs.String("name", "ops", "name of the token (shown in logs and the audit)")
			fs.String("scope", "read", "read, operate or admin")
		},
		exec: func(_ context.Context, env *environment, fs *pflag.FlagSet) error {
			name, _ := fs.GetString("name")
			scope, _ := fs.GetString("scope")
			if _, err := httpapi.ParseScope(scope); err != nil {
				return usageErrorf("--scope: %v", err)
			}
			if name == "" {
				return usageErrorf("--name: empty")
			}
			token, sum, err := newAPIToken()
			if err != nil {
				return err
			}
			fmt.Fprintf(env.stdout, "# The token, shown once; give it to the client (Authorization: Bearer <token>):\n%s\n\n", token)
			fmt.Fprintf(env.stdout, "# Its entry under api.tokens in the configuration:\n- {name: %q, sha256: %q, scope: %s}\n", name, hex.EncodeToString(sum[:]), scope)
			return nil
		},
	}
}

// newAPIToken returns a random token (256 bits, URL-safe) and its SHA-256,
// which is what the configuration stores.
func newAPIToken() (token string, sum [32]byte, err error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", sum, err
	}
	token = base64.RawURLEncoding.EncodeToString(raw)
	return token, sha256.Sum256([]byte(token)), nil
}
