package config

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/knadh/koanf/maps"
	koanfyaml "github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/providers/posflag"
	"github.com/knadh/koanf/v2"
	"github.com/spf13/pflag"

	"github.com/lxc-autoscale/lxc-autoscale/controller/durable"
)

// EnvPrefix starts the name of every environment variable Load reads.
const EnvPrefix = "LXCA_"

// envConfigPath is the variable the command line may use for the path of the
// file; Load does not treat it as a key.
const envConfigPath = EnvPrefix + "CONFIG"

// LoadOptions are the sources of a configuration.
type LoadOptions struct {
	// File is the YAML file; "" means none. A file named here that does not
	// exist is an error.
	File string
	// Environ is the environment as os.Environ returns it; nil means none,
	// so tests never see the caller's environment by accident.
	Environ []string
	// Flags are parsed command-line flags; only flags that were set count.
	// Nil means none.
	Flags *pflag.FlagSet
	// CheckDirs adds to the problems the directories of the files the
	// process writes (Dirs) that it could neither create nor write in;
	// check-config sets it.
	CheckDirs bool
}

// FieldError is one problem with one key. Source names where the value came
// from when that is known: the file, "environment" (for a variable that is
// no key) or "environment LXCA_…".
type FieldError struct {
	Source  string
	Key     string
	Problem string
}

func (e *FieldError) Error() string {
	if e.Source == "" {
		return e.Key + ": " + e.Problem
	}
	return e.Source + ": " + e.Key + ": " + e.Problem
}

// ErrUnknownKey is matched (errors.Is) by the FieldError of a key that the
// configuration does not have.
var ErrUnknownKey = errors.New("unknown key")

// Is makes errors.Is(err, ErrUnknownKey) work for unknown keys.
func (e *FieldError) Is(target error) bool {
	return target == ErrUnknownKey && e.Problem == ErrUnknownKey.Error()
}

// UnknownKeys returns the keys that err, an error of Load, refuses as
// unknown in the file source, in its order.
func UnknownKeys(err error, source string) []string {
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) {
		return nil
	}
	var keys []string
	for _, p := range joined.Unwrap() {
		var fe *FieldError
		if errors.As(p, &fe) && errors.Is(fe, ErrUnknownKey) && fe.Source == source {
			keys = append(keys, fe.Key)
		}
	}
	return keys
}

// Load builds the configuration from its sources (see the package comment
// for precedence), reads secrets from their files and validates the result.
// It returns a valid *Config or an error that joins every problem found:
// unknown keys, values of the wrong type, conflicts and values out of range
// together, so that one run shows them all.
func Load(opts LoadOptions) (*Config, error) {
	var data []byte
	if opts.File != "" {
		var err error
		if data, err = os.ReadFile(opts.File); err != nil {
			return nil, fmt.Errorf("read config file: %w", err)
		}
	}
	cfg, problems := collect(opts, data, readSecretFile)
	if cfg != nil {
		problems = append(problems, cfg.checkFiles(problems)...)
		if opts.CheckDirs {
			problems = append(problems, cfg.checkDirs(problems)...)
		}
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	return cfg, nil
}

// checkFiles reports missing TLS files now rather than at the first request
// or connection, so that check-config catches them. Keys that already have a
// problem are skipped.
func (c *Config) checkFiles(known []error) []error {
	var problems []error
	for _, f := range []struct{ key, path string }{
		{"proxmox.ca_file", c.Proxmox.CAFile},
		{"api.tls_cert", c.API.TLSCert},
		{"api.tls_key", c.API.TLSKey},
	} {
		if f.path == "" || mentions(known, f.key) {
			continue
		}
		if _, err := os.Stat(f.path); err != nil {
			problems = append(problems, &FieldError{Key: f.key, Problem: err.Error()})
		}
	}
	return problems
}

// checkDirs reports the directories of the files the process writes that it
// could not create or write in.
func (c *Config) checkDirs(known []error) []error {
	var problems []error
	seen := make(map[string]bool)
	for _, d := range c.Dirs() {
		if seen[d.Path] || mentions(known, d.Key) {
			continue
		}
		seen[d.Path] = true
		if _, err := d.Check(); err != nil {
			problems = append(problems, err)
		}
	}
	return problems
}

// load is Load with the file's content already read and secret files read by
// readSecret, so that fuzzing does not touch the disk.
func load(opts LoadOptions, data []byte, readSecret func(path string) ([]byte, error)) (*Config, error) {
	cfg, problems := collect(opts, data, readSecret)
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	return cfg, nil
}

// collect builds the configuration and gathers every problem with it. The
// *Config is nil only when the file cannot be parsed at all; with problems
// it is the best reading of the sources, whose keys in error hold zero.
func collect(opts LoadOptions, data []byte, readSecret func(path string) ([]byte, error)) (*Config, []error) {
	k := koanf.New(".")
	defaults := Default()
	if err := k.Load(confmap.Provider(toMap(reflect.ValueOf(defaults), false), ""), nil); err != nil {
		return nil, []error{fmt.Errorf("load defaults: %w", err)}
	}

	var problems []error
	var inline []string
	if opts.File != "" {
		raw, err := parseYAML(data)
		if err != nil {
			return nil, []error{fmt.Errorf("parse %s: %w", opts.File, err)}
		}
		for _, key := range unknownKeys(raw, configType, "") {
			problems = append(problems, &FieldError{Source: opts.File, Key: key, Problem: ErrUnknownKey.Error()})
		}
		inline = inlineSecrets(raw)
		if err := k.Load(confmap.Provider(raw, ""), nil); err != nil {
			return nil, []error{fmt.Errorf("load %s: %w", opts.File, err)}
		}
	}

	envProvider, envProblems := environmentProvider(opts.Environ)
	if err := k.Load(envProvider, nil); err != nil {
		return nil, []error{fmt.Errorf("load environment: %w", err)}
	}
	problems = append(problems, *envProblems...)

	if opts.Flags != nil {
		if err := k.Load(posflag.ProviderWithFlag(opts.Flags, ".", k, flagValue(opts.Flags)), nil); err != nil {
			return nil, []error{fmt.Errorf("load flags: %w", err)}
		}
	}

	raw := k.Raw()
	mergePolicies(raw)
	cfg := &Config{file: opts.File, inlineSecrets: inline}
	decodeProblems := decode(raw, cfg)
	problems = append(problems, decodeProblems...)
	// A key that did not decode holds zero: what secrets and validation say
	// about it, or about keys compared with it, would only repeat the
	// problem in other words.
	secretProblems := cfg.readSecretFiles(readSecret)
	problems = append(problems, secretProblems...)
	known := append(slices.Clip(decodeProblems), secretProblems...)
	cfg.normalize()
	for _, p := range cfg.validate() {
		if !repeats(p, known) {
			problems = append(problems, p)
		}
	}
	return cfg, problems
}

// mentions reports whether a problem in known is about key, a section or
// list that holds it, or the file that a secret key is read from.
func mentions(known []error, key string) bool {
	for _, err := range known {
		var fe *FieldError
		if errors.As(err, &fe) && (fe.Key == key || fe.Key == key+"_file" ||
			strings.HasPrefix(key, fe.Key+".") || strings.HasPrefix(key, fe.Key+"[")) {
			return true
		}
	}
	return false
}

// repeats reports whether p is about a key of known, or compares its key
// with one of them ("exceeds scaling.cpu.max (0)").
func repeats(p error, known []error) bool {
	var fe *FieldError
	if !errors.As(p, &fe) {
		return false
	}
	if mentions(known, fe.Key) {
		return true
	}
	for _, err := range known {
		var k *FieldError
		if errors.As(err, &k) && strings.Contains(fe.Problem, k.Key) {
			return true
		}
	}
	return false
}

// inlineSecrets returns the secret keys that the file itself sets.
func inlineSecrets(raw map[string]any) []string {
	var keys []string
	if proxmox, ok := raw["proxmox"].(map[string]any); ok {
		for _, name := range []string{"token_secret", "password"} {
			if v, ok := proxmox[name].(string); ok && v != "" {
				keys = append(keys, "proxmox."+name)
			}
		}
	}
	return append(keys, inlineWebhookSecrets(raw)...)
}

// backtickQuoted matches the values yaml.v3 quotes in its errors ("cannot
// unmarshal !!str `hunter2` into …"); they may hold a secret.
var backtickQuoted = regexp.MustCompile("`[^`]*`")

func parseYAML(data []byte) (map[string]any, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return map[string]any{}, nil
	}
	raw, err := koanfyaml.Parser().Unmarshal(data)
	if err != nil {
		return nil, errors.New(backtickQuoted.ReplaceAllString(err.Error(), "`…`"))
	}
	return dropNulls(raw), nil
}

// dropNulls removes keys without a value ("api:" with every key below it
// commented out), so that they keep their defaults instead of becoming zero.
func dropNulls(m map[string]any) map[string]any {
	for k, v := range m {
		switch v := v.(type) {
		case nil:
			delete(m, k)
		case map[string]any:
			dropNulls(v)
		case []any:
			for _, elem := range v {
				if em, ok := elem.(map[string]any); ok {
					dropNulls(em)
				}
			}
		}
	}
	return m
}

// mergePolicies lays each policy's keys over the global rules, so that every
// decoded policy has complete rules and a policy states only what it changes.
func mergePolicies(raw map[string]any) {
	scaling, ok := raw["scaling"].(map[string]any)
	if !ok {
		return
	}
	policies, ok := scaling["policies"].([]any)
	if !ok {
		return
	}
	base := make(map[string]any)
	for _, f := range fieldsOf(reflect.TypeFor[Rules]()) {
		if v, ok := scaling[f.name]; ok {
			base[f.name] = v
		}
	}
	for i, elem := range policies {
		policy, ok := elem.(map[string]any)
		if !ok {
			continue // decode reports it
		}
		merged := maps.Copy(base)
		maps.Merge(maps.Copy(policy), merged)
		policies[i] = merged
	}
}

// readSecretFiles fills each secret from its *_file key. Problems name the
// key and the file, never the content.
func (c *Config) readSecretFiles(read func(string) ([]byte, error)) []error {
	var problems []error
	for _, err := range []error{
		c.Proxmox.TokenSecret.fromFile("proxmox.token_secret", c.Proxmox.TokenSecretFile, read),
		c.Proxmox.Password.fromFile("proxmox.password", c.Proxmox.PasswordFile, read),
	} {
		if err != nil {
			problems = append(problems, err)
		}
	}
	return append(problems, c.Notify.readSecretFiles(read)...)
}

func (s *Secret) fromFile(key, path string, read func(string) ([]byte, error)) error {
	if path == "" {
		return nil
	}
	fileKey := key + "_file"
	if !s.IsZero() {
		return &FieldError{Key: key, Problem: "set only one of " + key + " and " + fileKey}
	}
	data, err := read(path)
	if err != nil {
		return &FieldError{Key: fileKey, Problem: err.Error()}
	}
	value := strings.TrimRight(string(data), "\r\n")
	if value == "" {
		return &FieldError{Key: fileKey, Problem: path + " is empty"}
	}
	*s = NewSecret(value)
	return nil
}

// maxSecretFile bounds what is read from a secret file, so that a wrong path
// (/dev/zero, a log file) fails instead of filling the memory.
const maxSecretFile = 64 << 10

// readSecretFile returns the content of a secret file. Its errors name the
// path (fs.PathError) but never the content.
func readSecretFile(path string) ([]byte, error) {
	return durable.ReadFileMax(path, maxSecretFile)
}

// normalize gives values one spelling, so that consumers compare them
// without caring how they were written. Invalid values are left for Validate.
func (c *Config) normalize() {
	for i, endpoint := range c.Proxmox.Endpoints {
		u, err := url.Parse(strings.TrimSpace(endpoint))
		if err != nil || u.Host == "" {
			continue
		}
		u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/api2/json")
		u.Path = strings.TrimSuffix(u.Path, "/")
		c.Proxmox.Endpoints[i] = u.String()
	}
	if c.Proxmox.Fingerprint != "" {
		pins := strings.Split(c.Proxmox.Fingerprint, ",")
		for i, pin := range pins {
			pins[i] = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(pin), ":", ""))
		}
		c.Proxmox.Fingerprint = strings.Join(pins, ",")
	}
	for i := range c.API.Tokens {
		c.API.Tokens[i].SHA256 = strings.ToLower(strings.TrimSpace(c.API.Tokens[i].SHA256))
	}
	c.Notify.normalize()
}
