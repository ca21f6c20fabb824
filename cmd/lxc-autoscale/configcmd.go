package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/lxc-autoscale/lxc-autoscale/config"
	"github.com/lxc-autoscale/lxc-autoscale/config/importer"
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
	return loadConfigChecking(env, fs, false)
}

// loadConfigChecking is loadConfig that, with dirs, also reports the
// directories of the files the process writes that it could not create or
// write in (config.LoadOptions.CheckDirs).
func loadConfigChecking(env *environment, fs *pflag.FlagSet, dirs bool) (*config.Config, string, error) {
	path, _ := fs.GetString("config")
	if path == "" {
		path = lookupEnv(env.environ, "LXCA_CONFIG")
	}
	cfg, err := config.Load(config.LoadOptions{File: path, Environ: env.environ, Flags: fs, CheckDirs: dirs})
	if err != nil {
		return nil, path, usageError{withImportHint(err, path)}
	}
	return cfg, path, nil
}

// withImportHint adds to err importer.Hint's advice, when it has one.
func withImportHint(err error, path string) error {
	if hint := importer.Hint(err, path); hint != "" {
		return hinted{err, hint}
	}
	return err
}

// hinted is an error with a line of advice that printError writes after
// it.
type hinted struct {
	err  error
	hint string
}

func (h hinted) Error() string { return h.err.Error() + "\n" + h.hint }
func (h hinted) Unwrap() error { return h.err }

func checkConfigCommand() command {
	return command{
		name:    "check-config",
		summary: "Validate a configuration and print it as it takes effect, secrets redacted",
		flags: func(fs *pflag.FlagSet) {
			configFlags(fs)
			fs.BoolP("quiet", "q", false, "print nothing when the configuration is valid")
			fs.Bool("probe", false, "then contact every Proxmox endpoint: TLS, credentials, privileges, nodes, containers, versions (as doctor)")
		},
		exec: func(ctx context.Context, env *environment, fs *pflag.FlagSet) error {
			cfg, path, err := checkedConfig(env, fs)
			if err != nil {
				return err
			}
			probe, _ := fs.GetBool("probe")
			if quiet, _ := fs.GetBool("quiet"); quiet {
				if probe {
					return runProbe(ctx, cfg, env.stdout, "# ")
				}
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
			fmt.Fprintf(env.stdout, "# configuration is valid (%s, environment and flags applied)\n", source)
			noted := make(map[string]bool)
			for _, d := range cfg.Dirs() {
				if missing, _ := d.Check(); missing && !noted[d.Path] {
					noted[d.Path] = true
					fmt.Fprintf(env.stdout, "# %s: directory %s does not exist yet; run creates it (mode %04o)\n", d.Key, d.Path, d.Mode)
				}
			}
			fmt.Fprintf(env.stdout, "%s", out)
			if probe {
				// As comments, so that the output stays the YAML it was.
				fmt.Fprintf(env.stdout, "# probe:\n")
				return runProbe(ctx, cfg, env.stdout, "# ")
			}
			return nil
		},
	}
}

// checkedConfig is what check-config and doctor start with: the
// configuration with its directories checked, and a warning on stderr for
// each secret others may read (even with --quiet: the configuration works,
// but a secret is exposed).
func checkedConfig(env *environment, fs *pflag.FlagSet) (*config.Config, string, error) {
	cfg, path, err := loadConfigChecking(env, fs, true)
	if err != nil {
		return nil, path, err
	}
	for _, r := range cfg.ReadableSecrets() {
		fmt.Fprintf(env.stderr, "warning: %s\n", r)
	}
	return cfg, path, nil
}

func lookupEnv(environ []string, name string) string {
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v
		}
	}
	return ""
}
