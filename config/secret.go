package config

import (
	"fmt"
	"io"
)

// Redacted is what a Secret shows instead of its value.
const Redacted = "[redacted]"

// Secret holds a credential. Every way of printing or encoding it (fmt with
// any verb, encoding/json, encoding.TextMarshaler, YAML) yields "[redacted]";
// only Value returns the credential, for the one place that sends it.
type Secret struct {
	value string
}

// NewSecret wraps a credential.
func NewSecret(value string) Secret { return Secret{value: value} }

// Value returns the credential itself. Call it only where it leaves the
// process, never to log or report it.
func (s Secret) Value() string { return s.value }

// IsZero reports whether no credential is set.
func (s Secret) IsZero() bool { return s.value == "" }

// String implements fmt.Stringer.
func (s Secret) String() string { return Redacted }

// GoString implements fmt.GoStringer for %#v.
func (s Secret) GoString() string { return `config.Secret("` + Redacted + `")` }

// Format implements fmt.Formatter, so that no verb or flag (%x, %q, %+v)
// reaches the value.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, s.GoString())
		return
	}
	_, _ = io.WriteString(f, Redacted)
}

// MarshalText implements encoding.TextMarshaler; encoding/json and YAML
// encoders use it too.
func (s Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// MarshalJSON implements json.Marshaler.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

// MarshalYAML implements the yaml Marshaler interface of yaml.v2 and v3.
func (s Secret) MarshalYAML() (any, error) { return Redacted, nil }

// UnmarshalText implements encoding.TextUnmarshaler, so a Secret decodes
// from a string.
func (s *Secret) UnmarshalText(text []byte) error {
	s.value = string(text)
	return nil
}
