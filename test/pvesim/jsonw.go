package pvesim

import (
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// jw appends JSON by hand: listing thousands of containers through
// encoding/json maps is several times slower and allocates per field.
type jw struct {
	b     []byte
	comma bool
}

func (j *jw) sep() {
	if j.comma {
		j.b = append(j.b, ',')
	}
}

func (j *jw) beginObj() { j.sep(); j.b = append(j.b, '{'); j.comma = false }
func (j *jw) endObj()   { j.b = append(j.b, '}'); j.comma = true }
func (j *jw) beginArr() { j.sep(); j.b = append(j.b, '['); j.comma = false }
func (j *jw) endArr()   { j.b = append(j.b, ']'); j.comma = true }

func (j *jw) key(k string) {
	j.sep()
	if plainKey(k) {
		j.b = append(j.b, '"')
		j.b = append(j.b, k...)
		j.b = append(j.b, '"', ':')
	} else {
		j.b = appendJSONString(j.b, k)
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

func (j *jw) str(v string) { j.sep(); j.b = appendJSONString(j.b, v); j.comma = true }
func (j *jw) int(v int64)  { j.sep(); j.b = strconv.AppendInt(j.b, v, 10); j.comma = true }
func (j *jw) uint(v uint64) {
	j.sep()
	j.b = strconv.AppendUint(j.b, v, 10)
	j.comma = true
}

func (j *jw) float(v float64) {
	j.sep()
	if math.IsNaN(v) || math.IsInf(v, 0) {
		v = 0
	}
	j.b = strconv.AppendFloat(j.b, v, 'f', -1, 64)
	j.comma = true
}

func (j *jw) raw(v []byte) { j.sep(); j.b = append(j.b, v...); j.comma = true }

func (j *jw) ks(k, v string)          { j.key(k); j.str(v) }
func (j *jw) ki(k string, v int64)    { j.key(k); j.int(v) }
func (j *jw) ku(k string, v uint64)   { j.key(k); j.uint(v) }
func (j *jw) kf(k string, v float64)  { j.key(k); j.float(v) }
func (j *jw) kraw(k string, v []byte) { j.key(k); j.raw(v) }

func (j *jw) kb(k string, v bool) {
	if v {
		j.ki(k, 1)
	} else {
		j.ki(k, 0)
	}
}

const hexDigits = "0123456789abcdef"

func appendJSONString(b []byte, s string) []byte {
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

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
