package config

// Where values come from besides the file: LXCA_* environment variables
// and command-line flags, mapped onto the same keys.

import (
	"reflect"
	"strconv"
	"strings"

	"github.com/knadh/koanf/providers/env/v2"
	"github.com/knadh/koanf/providers/posflag"
	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"
)

func envName(key string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// envKeys maps every variable name to its key. Keys are never recovered by
// splitting a name on "_", which would be ambiguous for keys like
// scaling.cpu.up_threshold.
var envKeys = func() map[string]string {
	m := make(map[string]string, len(configKeys))
	for key := range configKeys {
		m[envName(key)] = key
	}
	return m
}()

// environmentProvider reads LXCA_* variables. Problems go into the returned
// slice, which is filled when the provider is read; they name the variable,
// never its value, which may be a secret.
func environmentProvider(environ []string) (*env.Env, *[]error) {
	problems := new([]error)
	transform := func(name, value string) (string, any) {
		if name == envConfigPath {
			return "", nil
		}
		source := "environment " + name
		key, ok := envKeys[name]
		if !ok {
			*problems = append(*problems, &FieldError{Source: "environment", Key: name, Problem: ErrUnknownKey.Error()})
			return "", nil
		}
		typ := configKeys[key]
		if typ.Kind() != reflect.Slice {
			return key, value
		}
		if isSection(typ.Elem()) {
			var list []any
			if err := yaml.Unmarshal([]byte(value), &list); err != nil {
				*problems = append(*problems, &FieldError{Source: source, Key: key, Problem: "must be a YAML or JSON list"})
				return "", nil
			}
			for i, elem := range list {
				if m, ok := elem.(map[string]any); ok {
					dropNulls(m)
					for _, unknown := range unknownKeys(m, typ.Elem(), key+"["+strconv.Itoa(i)+"].") {
						*problems = append(*problems, &FieldError{Source: source, Key: unknown, Problem: ErrUnknownKey.Error()})
					}
				}
			}
			return key, list
		}
		list := []any{}
		for item := range strings.SplitSeq(value, ",") {
			if item = strings.TrimSpace(item); item != "" {
				list = append(list, item)
			}
		}
		return key, list
	}
	return env.Provider(".", env.Opt{
		Prefix:        EnvPrefix,
		TransformFunc: transform,
		EnvironFunc:   func() []string { return environ },
	}), problems
}

// flagAliases are short flag names for the keys people override most.
var flagAliases = map[string]string{
	"mode":        "scaling.mode",
	"log-level":   "logging.level",
	"log-format":  "logging.format",
	"listen":      "api.listen",
	"endpoint":    "proxmox.endpoints",
	"interval":    "monitor.interval",
	"export-file": "monitor.export_file",
	"state-file":  "state.file",
}

// FlagKey returns the key a flag sets, and false for flags that set none.
func FlagKey(name string) (string, bool) {
	if key, ok := flagAliases[name]; ok {
		return key, true
	}
	key := strings.ReplaceAll(name, "-", "_")
	_, ok := configKeys[key]
	return key, ok
}

func flagValue(fs *pflag.FlagSet) func(*pflag.Flag) (string, any) {
	return func(f *pflag.Flag) (string, any) {
		key, ok := FlagKey(f.Name)
		if !ok || !f.Changed {
			return "", nil
		}
		return key, posflag.FlagVal(fs, f)
	}
}

// RegisterFlags adds the short flags of FlagKey to fs: --mode, --log-level,
// --log-format, --listen, --endpoint (repeatable), --interval, --export-file
// and --state-file. They have no defaults of their own, so --help does not
// claim a value that the file or the environment may change.
func RegisterFlags(fs *pflag.FlagSet) {
	fs.String("mode", "", "scaling mode: enforce, dry-run or recommend (scaling.mode)")
	fs.String("log-level", "", "log level: debug, info, warn or error (logging.level)")
	fs.String("log-format", "", "log format: json, console or auto (logging.format)")
	fs.String("listen", "", `API address host:port, "" to turn the API off (api.listen)`)
	fs.StringSlice("endpoint", nil, "Proxmox VE API URL, repeatable (proxmox.endpoints)")
	fs.Duration("interval", 0, "collection and decision interval, like 10s (monitor.interval)")
	fs.String("export-file", "", "lxc_metrics.json path (monitor.export_file)")
	fs.String("state-file", "", "state file path (state.file)")
}
