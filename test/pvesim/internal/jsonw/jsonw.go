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

func (j *Writer) BeginObject() { j.sep(); j.b = append(j.b, '{'); j.comma = false }
func (j *Writer) EndObject()   { j.b = append(j.b, '}'); j.comma = true }
func (j *Writer) BeginArray()  { j.sep(); j.b = append(j.b, '['); j.comma = false }
func (j *Writer) EndArray()    { j.b = append(j.b, ']'); j.comma = true }

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

func (j *Writer) Str(v string) { j.sep(); j.b = AppendString(j.b, v); j.comma = true }
func (j *Writer) Int(v int64)  { j.sep(); j.b = strconv.AppendInt(j.b, v, 10); j.comma = true }
func (j *Writer) Uint(v uint64) {
	j.sep()
	j.b = strconv.AppendUint(j.b, v, 10)
	j.comma = true
}

func (j *Writer) Float(v float64) {
	j.sep()
	if math.IsNaN(v) || math.IsInf(v, 0) {
		v = 0
	}
	j.b = strconv.AppendFloat(j.b, v, 'f', -1, 64)
	j.comma = true
}

func (j *Writer) Raw(v []byte) { j.sep(); j.b = append(j.b, v...); j.comma = true }

func (j *Writer) KeyStr(k, v string)           { j.Key(k); j.Str(v) }
func (j *Writer) KeyInt(k string, v int64)     { j.Key(k); j.Int(v) }
func (j *Writer) KeyUint(k string, v uint64)   { j.Key(k); j.Uint(v) }
func (j *Writer) KeyFloat(k string, v float64) { j.Key(k); j.Float(v) }
func (j *Writer) KeyRaw(k string, v []byte)    { j.Key(k); j.Raw(v) }

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
