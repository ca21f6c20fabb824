package jsonw

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// Writer appends one JSON value; the zero value is ready to use.
type Writer struct {
	b     []byte
	comma bool
}

// Sized is a Writer whose buffer is allocated once for an answer of about
// capacity bytes.
func Sized(capacity int) Writer { return Writer{b: make([]byte, 0, capacity)} }

// Bytes is the JSON written so far.
func (j *Writer) Bytes() []byte { return j.b }

func (j *Writer) sep() {
	if j.comma {
		j.b = append(j.b, ',')
	}
}

// BeginObject opens an object; commas between members are the Writer's job.
func (j *Writer) BeginObject() { j.sep(); j.b = append(j.b, '{'); j.comma = false }

// EndObject closes the innermost object.
func (j *Writer) EndObject() { j.b = append(j.b, '}'); j.comma = true }

// BeginArray opens an array.
func (j *Writer) BeginArray() { j.sep(); j.b = append(j.b, '['); j.comma = false }

// EndArray closes the innermost array.
func (j *Writer) EndArray() { j.b = append(j.b, ']'); j.comma = true }

// Key writes an object member's name; its value follows.
func (j *Writer) Key(k string) {
	j.sep()
	if plainKey(k) {
		j.b = append(j.b, '"')
		j.b = append(j.b, k...)
		j.b = append(j.b, '"', ':')
	} else {
		j.b = AppendString(j.b, k)
		j.b = append(j.b, ':')
	}
	j.comma = false
}

// plainKey reports a key that needs no escaping, which is every key pvesim
// writes itself.
func plainKey(k string) bool {
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// Str writes a string value.
func (j *Writer) Str(v string) { j.sep(); j.b = AppendString(j.b, v); j.comma = true }

// Int writes an integer value.
func (j *Writer) Int(v int64) { j.sep(); j.b = strconv.AppendInt(j.b, v, 10); j.comma = true }

// Uint writes an unsigned integer value.
func (j *Writer) Uint(v uint64) {
	j.sep()
	j.b = strconv.AppendUint(j.b, v, 10)
	j.comma = true
}

// Float writes a number in its shortest form; NaN and infinities as 0.
func (j *Writer) Float(v float64) {
	j.sep()
	if math.IsNaN(v) || math.IsInf(v, 0) {
		v = 0
	}
	j.b = strconv.AppendFloat(j.b, v, 'f', -1, 64)
	j.comma = true
}

// Raw writes v, which must be one valid JSON value.
func (j *Writer) Raw(v []byte) { j.sep(); j.b = append(j.b, v...); j.comma = true }

// KeyStr writes a member with a string value.
func (j *Writer) KeyStr(k, v string) { j.Key(k); j.Str(v) }

// KeyStrOmitEmpty is KeyStr, except that an empty v leaves the member out,
// as PVE leaves out what is not set (a lock, tags, a pool).
func (j *Writer) KeyStrOmitEmpty(k, v string) {
	if v != "" {
		j.KeyStr(k, v)
	}
}

// KeyInt writes a member with an integer value.
func (j *Writer) KeyInt(k string, v int64) { j.Key(k); j.Int(v) }

// KeyUint writes a member with an unsigned integer value.
func (j *Writer) KeyUint(k string, v uint64) { j.Key(k); j.Uint(v) }

// KeyFloat writes a member with a number value.
func (j *Writer) KeyFloat(k string, v float64) { j.Key(k); j.Float(v) }

// KeyRaw writes a member whose value is the JSON v.
func (j *Writer) KeyRaw(k string, v []byte) { j.Key(k); j.Raw(v) }

// KeyBool writes a member with 1 or 0, as PVE writes flags.
func (j *Writer) KeyBool(k string, v bool) {
	if v {
		j.KeyInt(k, 1)
	} else {
		j.KeyInt(k, 0)
	}
}

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
