package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Spec is pvesim's hand-written copy of one parameter of PVE's API
// schema; the conformance test compares it with the official schema.
type Spec struct {
	Type        string // string, integer, number, boolean
	Optional    bool
	Min, Max    *float64
	Enum        []string
	Pattern     string // anchored like PVE does (m/^pattern$/)
	MaxLength   int
	Format      string // a PVE format pvesim checks: pve-node, pve-vmid, pve-configid, ...
	Unsupported bool   // in the schema, but pvesim refuses it with 400
}

// UnsupportedMessage is the 400 message for schema parameters pvesim does
// not simulate; a test can see at once that it hit a simulator limit.
const UnsupportedMessage = "parameter not supported by pvesim"

// Bound is a Min or Max of a Spec.
func Bound(f float64) *float64 { return &f }

// Specs that many routes share, as PVE's schema spells them
// (pve-common src/PVE/JSONSchema.pm, get_standard_option).
var (
	SpecNode           = Spec{Type: "string", Format: "pve-node"}
	SpecVMID           = Spec{Type: "integer", Min: Bound(100), Max: Bound(999999999), Format: "pve-vmid"}
	SpecSnapshot       = Spec{Type: "string", MaxLength: 40, Format: "pve-configid"}
	SpecBool           = Spec{Type: "boolean", Optional: true}
	SpecOptionalString = Spec{Type: "string", Optional: true}
	SpecDigest         = Spec{Type: "string", Optional: true, MaxLength: 40}
	// SpecUnsupported lists a schema parameter pvesim refuses; it is not a spec
	// of the parameter, so the conformance test only checks it exists.
	SpecUnsupported = Spec{Optional: true, Unsupported: true}
)

// Value is one decoded request parameter. PVE stringifies scalars; JSON
// arrays and objects keep their Perl reference name for the type error.
type Value struct {
	Text string
	Ref  string // "ARRAY" or "HASH" for JSON containers
}

// Params are the merged, validated parameters of one call.
type Params map[string]Value

// Has reports whether the call carried parameter k; Str, Int, Float and
// Bool read it (zero when absent) after Validate accepted it.
func (p Params) Has(k string) bool { _, ok := p[k]; return ok }

// Str is parameter k as PVE sees it: a string.
func (p Params) Str(k string) string { return p[k].Text }

// Int is parameter k as an integer (a leading + allowed, as in Perl).
func (p Params) Int(k string) int64 {
	n, _ := strconv.ParseInt(strings.TrimPrefix(p[k].Text, "+"), 10, 64)
	return n
}

// Float is parameter k as a number.
func (p Params) Float(k string) float64 {
	f, _ := strconv.ParseFloat(p[k].Text, 64)
	return f
}

// Bool is parameter k as a flag: PVE's booleans arrive as 1 or 0.
func (p Params) Bool(k string) bool { return p[k].Text == "1" }

// Errors is a 400 "Parameter verification failed." with per-parameter messages.
type Errors map[string]string

const maxBodyBytes = 1 << 20

// RequestError is a non-parameter client error found while decoding.
type RequestError struct {
	Status  int
	Message string
}

// Decode merges query and body parameters like pve-http-server's
// extract_params: PUT/POST bodies may be form-encoded or JSON, and the query
// is merged in; GET and DELETE use only the query.
func Decode(r *http.Request) (Params, *RequestError) {
	out := Params{}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, &RequestError{http.StatusBadRequest, "malformed query string"}
	}
	for k, vs := range q {
		out[k] = Value{Text: vs[0]}
	}
	if r.Method != http.MethodPost && r.Method != http.MethodPut {
		return out, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return nil, &RequestError{http.StatusBadRequest, "unable to read request body"}
	}
	if len(body) > maxBodyBytes {
		return nil, &RequestError{http.StatusRequestEntityTooLarge, "request too large"}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return out, nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			return nil, &RequestError{http.StatusBadRequest, "malformed JSON string in request body"}
		}
		for k, v := range m {
			switch v := v.(type) {
			case nil:
				// Perl sees undef: the parameter is absent.
			case bool:
				out[k] = Value{Text: map[bool]string{true: "1", false: "0"}[v]}
			case json.Number:
				out[k] = Value{Text: perlNumber(v)}
			case string:
				out[k] = Value{Text: v}
			case []any:
				out[k] = Value{Ref: "ARRAY"}
			case map[string]any:
				out[k] = Value{Ref: "HASH"}
			}
		}
	case "application/x-www-form-urlencoded", "":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, &RequestError{http.StatusBadRequest, "malformed form body"}
		}
		for k, vs := range form {
			out[k] = Value{Text: vs[0]}
		}
	default:
		return nil, &RequestError{http.StatusUnsupportedMediaType, "unsupported content type '" + ct + "'"}
	}
	return out, nil
}

// perlNumber stringifies a JSON number like Perl does after JSON::XS
// decoded it: integers keep their digits, others become doubles printed
// with %.15g (so 1e7 is "10000000" and 2.0 is "2").
func perlNumber(n json.Number) string {
	s := n.String()
	if !strings.ContainsAny(s, ".eE") {
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	return strconv.FormatFloat(f, 'g', 15, 64)
}

// MergePath adds the URI parameters; a body value that differs is
// refused like pve-http-server does.
func MergePath(p Params, path map[string]string) Errors {
	errs := Errors{}
	for k, v := range path {
		if old, ok := p[k]; ok && (old.Ref != "" || old.Text != v) {
			errs[k] = "duplicate parameter (already defined in URI) with conflicting values!"
			continue
		}
		p[k] = Value{Text: v}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// SpecFor finds the spec of a parameter, including schema keys like "mp[n]".
func SpecFor(specs map[string]Spec, name string) (Spec, bool) {
	if s, ok := specs[name]; ok {
		return s, true
	}
	i := len(name)
	for i > 0 && name[i-1] >= '0' && name[i-1] <= '9' {
		i--
	}
	if i == len(name) || i == 0 {
		return Spec{}, false
	}
	s, ok := specs[name[:i]+"[n]"]
	return s, ok
}

// Validate checks p against specs with PVE::JSONSchema's rules and messages.
func Validate(p Params, specs map[string]Spec) Errors {
	errs := Errors{}
	for name, v := range p {
		s, ok := SpecFor(specs, name)
		if !ok {
			errs[name] = "property is not defined in schema and the schema does not allow additional properties"
			continue
		}
		if s.Unsupported {
			errs[name] = UnsupportedMessage
			continue
		}
		if msg := checkValue(s, v); msg != "" {
			errs[name] = msg
		}
	}
	for name, s := range specs {
		if !s.Optional && !strings.HasSuffix(name, "[n]") && !p.Has(name) {
			errs[name] = "property is missing and it is not optional"
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

var (
	integerRE = regexp.MustCompile(`^[+-]?\d+$`)
	numberRE  = regexp.MustCompile(`^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$`)
	patterns  sync.Map // pattern -> *regexp.Regexp; specs are fixed, so it stays small
)

func compiledPattern(p string) *regexp.Regexp {
	if re, ok := patterns.Load(p); ok {
		return re.(*regexp.Regexp)
	}
	// Patterns copied from PVE's schema keep Perl's "(?^:" groups, which
	// RE2 writes "(?:".
	re := regexp.MustCompile(`^(?:` + strings.ReplaceAll(p, "(?^:", "(?:") + `)$`)
	patterns.Store(p, re)
	return re
}

func checkValue(s Spec, v Value) string {
	if v.Ref != "" {
		return fmt.Sprintf("type check ('%s') failed - got %s", s.Type, v.Ref)
	}
	val := v.Text
	switch s.Type {
	case "boolean":
		if val != "0" && val != "1" {
			return fmt.Sprintf("type check ('boolean') failed - got '%s'", val)
		}
	case "integer":
		if !integerRE.MatchString(val) {
			return fmt.Sprintf("type check ('integer') failed - got '%s'", val)
		}
	case "number":
		if !numberRE.MatchString(val) {
			return fmt.Sprintf("type check ('number') failed - got '%s'", val)
		}
	}
	if s.MaxLength > 0 && len(val) > s.MaxLength {
		return fmt.Sprintf("value may only be %d characters long", s.MaxLength)
	}
	if (s.Min != nil || s.Max != nil) && numberRE.MatchString(val) {
		f, err := strconv.ParseFloat(val, 64)
		if err == nil {
			if s.Min != nil && f < *s.Min {
				return "value must have a minimum value of " + strconv.FormatFloat(*s.Min, 'f', -1, 64)
			}
			if s.Max != nil && f > *s.Max {
				return "value must have a maximum value of " + strconv.FormatFloat(*s.Max, 'f', -1, 64)
			}
		}
	}
	if len(s.Enum) > 0 && !slices.Contains(s.Enum, val) {
		return fmt.Sprintf("value '%s' does not have a value in the enumeration '%s'", val, strings.Join(s.Enum, ", "))
	}
	if s.Pattern != "" && !compiledPattern(s.Pattern).MatchString(val) {
		return "value does not match the regex pattern"
	}
	if s.Format != "" {
		if msg := CheckFormat(s.Format, val); msg != "" {
			return "invalid format - " + msg
		}
	}
	return ""
}

var (
	nodeRE     = regexp.MustCompile(`^(?i:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)$`)
	configIDRE = regexp.MustCompile(`^(?i:[a-z][a-z0-9_-]+)$`)
	dnsLabel   = `(?i:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)`
	dnsNameRE  = regexp.MustCompile(`^` + dnsLabel + `(?:\.` + dnsLabel + `)*$`)
	storageRE  = regexp.MustCompile(`^(?i:[a-z][a-z0-9\-_.]*[a-z0-9])$`)
	poolRE     = regexp.MustCompile(`^[A-Za-z0-9_\-]+(?:/[A-Za-z0-9_\-]+){0,2}$`)
	realmRE    = regexp.MustCompile(`^(?i:[a-z][a-z0-9\-_]+)$`)
	tagRE      = regexp.MustCompile(`^(?i:[a-z0-9_][a-z0-9_\-+.]*)$`)
)

// formatRule is one PVE format: the pattern a value must match and the
// message of PVE::JSONSchema when it does not, "$value" standing for the value.
type formatRule struct {
	re  *regexp.Regexp
	msg string
}

// formatRules are the PVE formats pvesim's specs use (pve-common
// src/PVE/JSONSchema.pm, the pve_verify_* functions).
var formatRules = map[string]formatRule{
	"pve-node":       {nodeRE, "value does not look like a valid node name"},
	"pve-vmid":       {integerRE, "value does not look like a valid VM ID"},
	"pve-configid":   {configIDRE, "invalid configuration ID '$value'"},
	"dns-name":       {dnsNameRE, "value '$value' does not look like a valid DNS name"},
	"pve-storage-id": {storageRE, "storage ID '$value' contains illegal characters"},
	"pve-poolid":     {poolRE, "pool name '$value' contains illegal characters"},
	"pve-realm":      {realmRE, "realm name '$value' contains illegal characters"},
	"pve-tag":        {tagRE, "invalid tag '$value'"},
}

// listFormats are the "-list" formats: each item split off the value must
// pass the item format, and the first that does not gives the message.
var listFormats = map[string]struct {
	item  string
	split func(string) []string
}{
	"pve-configid-list": {"pve-configid", SplitList},
	"pve-tag-list":      {"pve-tag", SplitTags},
}

// CheckFormat implements the PVE formats pvesim's specs use, with the
// messages of PVE::JSONSchema (without the "invalid format - " prefix).
// An unknown format accepts every value.
func CheckFormat(format, val string) string {
	if list, ok := listFormats[format]; ok {
		for _, item := range list.split(val) {
			if msg := CheckFormat(list.item, item); msg != "" {
				return msg
			}
		}
		return ""
	}
	rule, ok := formatRules[format]
	if !ok || rule.re.MatchString(val) {
		return ""
	}
	return strings.ReplaceAll(rule.msg, "$value", val)
}

// SplitList splits like PVE::Tools::split_list: commas, semicolons and whitespace.
func SplitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '\n' || r == '\x00'
	})
}

// SplitTags splits a tag list at semicolons, commas and spaces, as the
// pve-tag-list format does.
func SplitTags(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' || r == ' ' })
}
