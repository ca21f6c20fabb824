package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/lxc-autoscale/lxc-autoscale/config"
)

// configFlags registers --config and the configuration's own flags on the
// commands that read a configuration.
func configFlags(fs *pflag.FlagSet) {
	fs.StringP("config", "c", "", "YAML configuration file (default: $LXCA_CONFIG, else built-in defaults only)")
	config.RegisterFlags(fs)
}

// loadConfig loads the configuration for a command that registered configFlags.
// Every configuration problem is a usage error (exit 2).
func loadConfig(env *environment, fs *pflag.FlagSet) (*config.Config, string, error) {
	path, _ := fs.GetString("config")
	if path == "" {
		path = lookupEnv(env.environ, "LXCA_CONFIG")
	}
	cfg, err := config.Load(config.LoadOptions{File: path, Environ: env.environ, Flags: fs})
	if err != nil {
		return nil, path, usageError{err}
	}
	return cfg, path, nil
}

func checkConfigCommand() command {
	return command{
		name:    "check-config",
		summary: "Validate a configuration and print it as it takes effect, secrets redacted",
		flags: func(fs *pflag.FlagSet) {
			configFlags(fs)
			fs.BoolP("quiet", "q", false, "print nothing when the configuration is valid")
		},
		exec: func(_ context.Context, env *environment, fs *pflag.FlagSet, args []string) error {
			if err := noArgs(args); err != nil {
				return err
			}
			cfg, path, err := loadConfig(env, fs)
			if err != nil {
				return err
			}
			if quiet, _ := fs.GetBool("quiet"); quiet {
				return nil
			}
			out, err := cfg.RedactedYAML()
			if err != nil {
				return fmt.Errorf("render configuration: %w", err)
			}
			source := "built-in defaults"
			if path != "" {
				source = path
			}
			fmt.Fprintf(env.stdout, "# configuration is valid (%s, environment and flags applied)\n%s", source, out)
			return nil
		},
	}
}

func lookupEnv(environ []string, name string) string {
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v
		}
	}
	return ""
}
