package proxmox

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// scanner is a small strict JSON reader for the large PVE answers: container
// listings and RRD rows (see decode.go). It lets every numeric field accept
// PVE's numbers-as-strings ("1.5", "100") without failing a whole listing.
// Errors are sticky: after the first one every method returns zero values and
// err reports it.
type scanner struct {
	data []byte
	pos  int
	err  error
	// depth guards against stack exhaustion on hostile nesting.
	depth int
}

const maxJSONDepth = 64

var errJSONSyntax = errors.New("invalid json")

func newScanner(data []byte) *scanner { return &scanner{data: data} }

func (s *scanner) fail(what string) {
	if s.err == nil {
		s.err = fmt.Errorf("%w: %s at offset %d", errJSONSyntax, what, s.pos)
	}
}

func (s *scanner) ws() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// peek returns the next non-space byte without consuming it, 0 at the end.
func (s *scanner) peek() byte {
	s.ws()
	if s.err != nil || s.pos >= len(s.data) {
		return 0
	}
	return s.data[s.pos]
}

func (s *scanner) consume(c byte) bool {
	if s.peek() == c {
		s.pos++
		return true
	}
	return false
}

// end checks that only white space follows the top-level value.
func (s *scanner) end() error {
	s.ws()
	if s.err == nil && s.pos != len(s.data) {
		s.fail("trailing data")
	}
	return s.err
}

// object starts reading an object. It returns false (without an error) for a
// JSON null, so callers treat null like an absent object.
func (s *scanner) object() bool { return s.open('{', "expected object") }

// array starts reading an array; false for null (treated as empty).
func (s *scanner) array() bool { return s.open('[', "expected array") }

func (s *scanner) open(bracket byte, want string) bool {
	switch s.peek() {
	case bracket:
		s.pos++
		s.depth++
		if s.depth > maxJSONDepth {
			s.fail("nesting too deep")
			return false
		}
		return true
	case 'n':
		s.literal("null")
		return false
	default:
		s.fail(want)
		return false
	}
}

// next advances to the next member of the current object and returns its key
// (only valid until the next call), or false at the closing brace.
func (s *scanner) next(first *bool) ([]byte, bool) {
	if s.err != nil {
		return nil, false
	}
	if s.consume('}') {
		s.depth--
		return nil, false
	}
	if !*first {
		if !s.consume(',') {
			s.fail("expected , or }")
			return nil, false
		}
	}
	*first = false
	if s.peek() != '"' {
		s.fail("expected key")
		return nil, false
	}
	key, escaped := s.rawString()
	if escaped {
		key = []byte(unescape(key))
	}
	if !s.consume(':') {
		s.fail("expected :")
		return nil, false
	}
	return key, s.err == nil
}

// elem reports whether another array element follows.
func (s *scanner) elem(first *bool) bool {
	if s.err != nil {
		return false
	}
	if s.consume(']') {
		s.depth--
		return false
	}
	if !*first && !s.consume(',') {
		s.fail("expected , or ]")
		return false
	}
	*first = false
	return s.err == nil
}

func (s *scanner) literal(lit string) {
	if len(s.data)-s.pos >= len(lit) && string(s.data[s.pos:s.pos+len(lit)]) == lit {
		s.pos += len(lit)
		return
	}
	s.fail("invalid literal")
}

// rawString reads a string token and returns its content between the quotes
// and whether it needs unescape (escapes, or bytes outside ASCII that may be
// invalid UTF-8). The cursor must be on the opening quote.
func (s *scanner) rawString() ([]byte, bool) {
	s.pos++ // opening quote
	start := s.pos
	escaped := false
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		switch {
		case c == '"':
			out := s.data[start:s.pos]
			s.pos++
			return out, escaped
		case c == '\\':
			escaped = true
			s.pos++
			if s.pos >= len(s.data) {
				s.fail("unterminated string")
				return nil, false
			}
			switch s.data[s.pos] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.pos++
			case 'u':
				if len(s.data)-s.pos < 5 || !isHex4(s.data[s.pos+1:s.pos+5]) {
					s.fail("invalid unicode escape")
					return nil, false
				}
				s.pos += 5
			default:
				s.fail("invalid escape")
				return nil, false
			}
		case c < 0x20:
			s.fail("control character in string")
			return nil, false
		default:
			if c >= utf8.RuneSelf {
				escaped = true
			}
			s.pos++
		}
	}
	s.fail("unterminated string")
	return nil, false
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func hex4(b []byte) rune {
	var r rune
	for _, c := range b {
		r <<= 4
		switch {
		case c >= 'a':
			r |= rune(c-'a') + 10
		case c >= 'A':
			r |= rune(c-'A') + 10
		default:
			r |= rune(c - '0')
		}
	}
	return r
}

// unescape decodes the escapes of a string already validated by rawString,
// with encoding/json's treatment of lone surrogates and invalid UTF-8 (U+FFFD).
func unescape(b []byte) string {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); {
		c := b[i]
		if c != '\\' {
			if c < utf8.RuneSelf {
				out = append(out, c)
				i++
				continue
			}
			r, size := utf8.DecodeRune(b[i:])
			out = utf8.AppendRune(out, r)
			i += size
			continue
		}
		i++
		switch b[i] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r := hex4(b[i+1 : i+5])
			i += 4
			if utf16.IsSurrogate(r) {
				r = utf8.RuneError
				if i+7 <= len(b) && b[i+1] == '\\' && b[i+2] == 'u' {
					if dec := utf16.DecodeRune(hex4(b[i-3:i+1]), hex4(b[i+3:i+7])); dec != utf8.RuneError {
						r = dec
						i += 6
					}
				}
			}
			out = utf8.AppendRune(out, r)
		default: // '"', '\\', '/'
			out = append(out, b[i])
		}
		i++
	}
	return string(out)
}

// number reads a number token and returns its literal.
func (s *scanner) number() []byte {
	d, i := s.data, s.pos
	// digits advances i over a run of digits and reports whether there was one.
	digits := func() bool {
		j := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		return i > j
	}
	if i < len(d) && d[i] == '-' {
		i++
	}
	ok := true
	if i < len(d) && d[i] == '0' {
		i++ // no leading zeros
	} else {
		ok = digits()
	}
	if ok && i < len(d) && d[i] == '.' {
		i++
		ok = digits()
	}
	if ok && i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		ok = digits()
	}
	if !ok {
		s.fail("invalid number")
		return nil
	}
	start := s.pos
	s.pos = i
	return d[start:i]
}

// str reads a string value. Numbers and booleans are returned as their
// literal text; null is "".
func (s *scanner) str() string {
	switch s.peek() {
	case '"':
		b, esc := s.rawString()
		if esc {
			return unescape(b)
		}
		return string(b)
	case 'n':
		s.literal("null")
		return ""
	case 't':
		s.literal("true")
		return "1"
	case 'f':
		s.literal("false")
		return "0"
	case '{', '[':
		s.skip()
		return ""
	default:
		return string(s.number())
	}
}

// common holds values that repeat in every listing entry; returning these
// constants saves an allocation per entry.
var common = []string{"running", "stopped", "unknown", "lxc", "qemu"}

// word reads a string value like str, but returns a shared constant for the
// values in common.
func (s *scanner) word() string {
	if s.peek() == '"' {
		start := s.pos
		b, esc := s.rawString()
		if !esc {
			for _, w := range common {
				if string(b) == w {
					return w
				}
			}
		}
		s.pos = start
	}
	return s.str()
}

// num reads a number, a numeric string or a boolean (as 0/1). ok is false for
// null, an empty string, or a value that is not numeric; a non-numeric value
// is not a syntax error, so one odd field never fails a whole listing.
func (s *scanner) num() (v float64, ok bool) {
	switch s.peek() {
	case '"':
		b, _ := s.rawString()
		if len(b) == 0 {
			return 0, false
		}
		return parseNumber(b) // an escape or non-ASCII byte is no number anyway
	case 'n':
		s.literal("null")
		return 0, false
	case 't':
		s.literal("true")
		return 1, true
	case 'f':
		s.literal("false")
		return 0, true
	case '{', '[':
		s.skip()
		return 0, false
	default:
		b := s.number()
		if s.err != nil {
			return 0, false
		}
		return parseNumber(b)
	}
}

// float is num for callers that read anything not numeric as 0.
func (s *scanner) float() float64 {
	v, _ := s.num()
	return v
}

// parseNumber parses a decimal number, with a fast path for plain integers.
func parseNumber(b []byte) (float64, bool) {
	if len(b) > 0 && len(b) < 16 {
		var n uint64
		plain := true
		for _, c := range b {
			if c < '0' || c > '9' {
				plain = false
				break
			}
			n = n*10 + uint64(c-'0')
		}
		if plain {
			return float64(n), true
		}
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return 0, false
	}
	return f, true
}

// skip consumes any value.
func (s *scanner) skip() {
	switch s.peek() {
	case '"':
		s.rawString()
	case '{':
		if !s.object() {
			return
		}
		first := true
		for _, ok := s.next(&first); ok; _, ok = s.next(&first) {
			s.skip()
		}
	case '[':
		if !s.array() {
			return
		}
		first := true
		for s.elem(&first) {
			s.skip()
		}
	case 't':
		s.literal("true")
	case 'f':
		s.literal("false")
	case 'n':
		s.literal("null")
	case 0:
		s.fail("unexpected end")
	default:
		s.number()
	}
}

// decodeEnvelope walks PVE's {"data": …, "errors": …, "message": …} wrapper and
// calls data with the scanner positioned on the data value. A body without a
// data member, or with data null, calls data never and is not an error.
func decodeEnvelope(body []byte, data func(s *scanner)) error {
	s := newScanner(body)
	if !s.object() {
		if s.err == nil {
			return s.end()
		}
		return s.err
	}
	first := true
	for key, ok := s.next(&first); ok; key, ok = s.next(&first) {
		if string(key) == "data" && s.peek() != 'n' {
			data(s)
			continue
		}
		s.skip()
	}
	return s.end()
}

// decodeArray walks the data array of an envelope and calls elem with the
// scanner on each element; elem must consume it.
func decodeArray(body []byte, elem func(s *scanner)) error {
	return decodeEnvelope(body, func(s *scanner) {
		if !s.array() {
			return
		}
		first := true
		for s.elem(&first) {
			elem(s)
		}
	})
}
