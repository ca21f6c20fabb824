package config

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// The key tree is derived from the koanf tags of Config by reflection, once:
// the environment table, flag names, unknown-key checks, the defaults layer
// and Redacted all follow the struct, so a new field needs no other edit.

var (
	configType   = reflect.TypeFor[Config]()
	secretType   = reflect.TypeFor[Secret]()
	durationType = reflect.TypeFor[time.Duration]()
	sizeType     = reflect.TypeFor[Size]()
)

// field is one koanf key of a struct, with the squashed (embedded) structs
// flattened into their parent as mapstructure does.
type field struct {
	name  string
	index []int
	typ   reflect.Type
}

func fieldsOf(t reflect.Type) []field {
	var out []field
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("koanf"), ",")
		if opts == "squash" {
			for _, inner := range fieldsOf(f.Type) {
				inner.index = append([]int{i}, inner.index...)
				out = append(out, inner)
			}
			continue
		}
		if name == "" || !f.IsExported() {
			continue
		}
		out = append(out, field{name: name, index: []int{i}, typ: f.Type})
	}
	return out
}

func lookupField(t reflect.Type, name string) (field, bool) {
	for _, f := range fieldsOf(t) {
		if f.name == name {
			return f, true
		}
	}
	return field{}, false
}

// isSection reports whether values of t are written as a mapping of keys.
func isSection(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && t != secretType
}

// leafKeys returns every settable key path below t ("proxmox.token_id"),
// with its type. A list is one key, whatever its elements are.
func leafKeys(t reflect.Type, prefix string) map[string]reflect.Type {
	out := make(map[string]reflect.Type)
	for _, f := range fieldsOf(t) {
		if isSection(f.typ) {
			for k, v := range leafKeys(f.typ, prefix+f.name+".") {
				out[k] = v
			}
			continue
		}
		out[prefix+f.name] = f.typ
	}
	return out
}

var configKeys = leafKeys(configType, "")

// unknownKeys returns, sorted, the paths in raw that t has no key for,
// descending into sections and into the elements of lists of sections
// ("scaling.policies[1].cpu.mni").
func unknownKeys(raw map[string]any, t reflect.Type, prefix string) []string {
	var out []string
	for key, value := range raw {
		f, ok := lookupField(t, key)
		if !ok {
			out = append(out, prefix+key)
			continue
		}
		switch {
		case isSection(f.typ):
			if m, ok := value.(map[string]any); ok {
				out = append(out, unknownKeys(m, f.typ, prefix+key+".")...)
			}
		case f.typ.Kind() == reflect.Slice && isSection(f.typ.Elem()):
			if list, ok := value.([]any); ok {
				for i, elem := range list {
					if m, ok := elem.(map[string]any); ok {
						elemPrefix := prefix + key + "[" + strconv.Itoa(i) + "]."
						out = append(out, unknownKeys(m, f.typ.Elem(), elemPrefix)...)
					}
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// toMap renders a struct as the nested map of its keys. With display false
// the values keep their Go types, for the defaults layer of Load. With display
// true they are what a person reads and what Load reads back: durations as
// "1m30s", sizes as "512MiB", secrets as "[redacted]" (or "" when unset).
func toMap(v reflect.Value, display bool) map[string]any {
	out := make(map[string]any)
	for _, f := range fieldsOf(v.Type()) {
		out[f.name] = toValue(v.FieldByIndex(f.index), display)
	}
	return out
}

func toValue(v reflect.Value, display bool) any {
	switch {
	case v.Type() == secretType:
		if v.Interface().(Secret).IsZero() {
			return ""
		}
		return Redacted
	case isSection(v.Type()):
		return toMap(v, display)
	case v.Kind() == reflect.Slice:
		list := make([]any, v.Len())
		for i := range list {
			list[i] = toValue(v.Index(i), display)
		}
		return list
	case !display:
		return v.Interface()
	case v.Type() == durationType:
		return formatDuration(time.Duration(v.Int()))
	case v.Type() == sizeType:
		return Size(v.Uint()).String()
	}
	return v.Interface()
}

// formatDuration drops the zero units time.Duration.String keeps: "1h", not
// "1h0m0s".
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Redacted returns the configuration as the nested map of its keys, the way
// check-config shows it: secrets are "[redacted]" (or "" when unset),
// durations and sizes are written as in the file, and loading the result
// (secrets aside) gives the same configuration.
func (c *Config) Redacted() map[string]any {
	return toMap(reflect.ValueOf(*c), true)
}

// RedactedYAML is Redacted as YAML, with sorted keys.
func (c *Config) RedactedYAML() ([]byte, error) {
	return yaml.Marshal(c.Redacted())
}
