package main

import (
	"context"
	"os"
	"reflect"

	"github.com/rs/zerolog"
	"github.com/spf13/pflag"

	"github.com/lxc-autoscale/lxc-autoscale/config"
)

// reloader applies the configuration file again on SIGHUP, to what a running
// process can change: the logging section always, the scaling section where
// the command scales. Other changes are listed as needing a restart.
type reloader struct {
	env     *environment
	flags   *pflag.FlagSet
	path    string
	running *config.Config // what the process started with: the reference for need_restart
	logs    *logOutput
	log     zerolog.Logger
	// scaling applies a reloaded scaling section; nil for a command that
	// does not scale, whose reload then does not mention scaling.
	scaling func(config.Scaling)
	// fixed are the sections the command reads only at start.
	fixed []string
}

// sections maps the name of each section that a reload may list as needing
// a restart to its value.
var sections = map[string]func(*config.Config) any{
	"proxmox": func(c *config.Config) any { return c.Proxmox },
	"monitor": func(c *config.Config) any { return c.Monitor },
	"model":   func(c *config.Config) any { return c.Model },
	"api":     func(c *config.Config) any { return c.API },
	"state":   func(c *config.Config) any { return c.State },
	"notify":  func(c *config.Config) any { return c.Notify },
}

// onHangup reloads on every signal from hup until ctx ends.
func (r *reloader) onHangup(ctx context.Context, hup <-chan os.Signal) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			r.reload()
		}
	}
}

// reload loads the file again; a configuration that does not load is
// reported and the running one kept.
func (r *reloader) reload() {
	cfg, err := config.Load(config.LoadOptions{File: r.path, Environ: r.env.environ, Flags: r.flags})
	if err != nil {
		r.log.Error().Err(err).Msg("reloading the configuration failed; keeping the running one")
		return
	}
	r.logs.configure(cfg.Logging)
	logReadableSecrets(r.log, cfg)
	var restart []string
	for _, name := range r.fixed {
		if value := sections[name]; !reflect.DeepEqual(value(cfg), value(r.running)) {
			restart = append(restart, name)
		}
	}
	event := r.log.Info().Strs("need_restart", restart).Str("log_level", cfg.Logging.Level).Str("log_format", cfg.Logging.Format)
	if r.scaling != nil {
		r.scaling(cfg.Scaling)
		event = event.Int("policies", len(cfg.Scaling.Policies)).Str("mode", cfg.Scaling.Mode)
	}
	event.Msg("configuration reloaded")
}
