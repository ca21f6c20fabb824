// Package config owns the configuration of lxc-autoscale: the Config struct
// and its defaults, loading with koanf (defaults < YAML file < LXCA_*
// environment < command-line flags), validation that reports every problem
// at once, and the Secret type that keeps credentials out of logs, errors and
// check-config output.
//
// # Sources and precedence
//
// Load merges, lowest precedence first:
//
//  1. Default(), the built-in values documented in example.yaml.
//  2. The YAML file named in LoadOptions.File. A file that is named but
//     missing is an error; a key the file does not know is an error naming
//     the key and the file.
//  3. The environment. Every key has exactly one variable: "LXCA_" followed
//     by the key path in upper case with "." replaced by "_", for example
//     proxmox.token_secret is LXCA_PROXMOX_TOKEN_SECRET and
//     scaling.cpu.up_threshold is LXCA_SCALING_CPU_UP_THRESHOLD. Variables
//     are looked up in a table built from the Config struct, never split on
//     "_", so keys that contain "_" are unambiguous; a test proves that no two
//     keys share a variable name. Lists of scalars are comma separated
//     (LXCA_PROXMOX_ENDPOINTS=https://a:8006,https://b:8006); lists of
//     objects (api.tokens, scaling.policies) take YAML or JSON. An LXCA_
//     variable that names no key is an error, except LXCA_CONFIG, which is
//     left to the command line for the path of the file.
//  4. Flags that were set on the command line (pflag's Changed). A flag
//     maps to a key when its name is the key with "_" or "-" (for example
//     --scaling.mode or --scaling.cpu.up-threshold) or one of the short
//     aliases that RegisterFlags adds (--mode, --log-level, …); FlagKey tells
//     which. Other flags (--config, --help) are left alone, and a flag that
//     was not set never hides a value from the file or the environment.
//
// Load validates the result and checks that the files it names for TLS
// exist: it returns a valid *Config or an error, never both and never
// neither. The error joins every problem of one load: unknown keys and
// values of the wrong type do not stop secrets, conflicts and ranges from
// being checked, but a key that did not decode is reported once, not again
// by the checks that would see it as zero. With LoadOptions.CheckDirs the
// directories the process writes in (Dirs) are checked too, without
// creating them.
//
// # Files on disk
//
// Dirs names the directories of state.file, state.audit_file and
// monitor.export_file with the modes the systemd unit gives them (0750,
// 0750, 0755); Dir.Create makes a missing one and proves it writable with a
// probe file, Dir.Check tells whether Create would succeed.
// ReadableSecrets lists the files holding a secret (a *_file secret,
// api.tls_key, the configuration file when it sets a secret itself) that
// group or others may read; the caller warns, this package never logs.
//
// # Values
//
// Durations are Go durations with a unit ("10s", "1h30m"); a bare number is
// rejected because nobody can tell whether 60 meant seconds. Sizes are Size
// values: "512MiB", "2GiB", "1.5G" or a plain number of MiB, with binary
// units throughout as Proxmox VE uses them. Ratios are numbers in the stated
// range or percentages ("75%" is 0.75).
//
// # Secrets
//
// proxmox.token_secret, proxmox.password and each webhook's secret are
// Secret values. They come from the value itself, from a *_file key (the
// file's content with trailing newlines removed) or from the environment.
// A webhook's url is a Secret too, since it often carries a credential
// (notify.go); its problems name the key, never the URL. A Secret prints as [redacted]
// through fmt, encoding/json, encoding.TextMarshaler and YAML, and no error
// of this package contains a configured value that is a free-form string:
// errors name keys, files, variables and allowed ranges only.
//
// # Imports and concurrency
//
// config imports no other package of the project but the leaf
// controller/durable (the bounded read of a secret file); only cmd maps a
// Config into the Options of the other packages. Load and Default are safe to call
// from several goroutines. A *Config is a plain value: read it from any
// number of goroutines, but do not mutate one that others are reading;
// reloading builds a new *Config.
package config
