package lxcmetrics

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// string reads a JSON string and returns its contents, valid until the
// next read.
func (d *exportDecoder) string() ([]byte, error) {
	c, err := d.nonSpace()
	if err != nil {
		return nil, err
	}
	if c != '"' {
		return nil, d.errorf("want a string, got %s", describe(c))
	}
	return d.stringBody()
}

// stringBody reads the string starting at buf[pos] (a quote). Strings
// without escapes or non-ASCII bytes come back as a slice of the buffer.
func (d *exportDecoder) stringBody() ([]byte, error) {
	d.pos++
	i, plain := d.pos, true
	for {
		for i < d.end && plainStringByte[d.buf[i]] {
			i++
		}
		if i >= d.end {
			off := i - d.pos
			if !d.fill() {
				return nil, d.unexpectedEnd()
			}
			i = d.pos + off
			continue
		}
		c := d.buf[i]
		switch {
		case c == '"':
			raw := d.buf[d.pos:i]
			d.pos = i + 1
			if plain {
				return raw, nil
			}
			return d.unescape(raw)
		case c == '\\':
			plain = false
			i += 2
		case c < 0x20:
			d.pos = i
			return nil, d.errorf("control character in a string")
		default: // not ASCII
			plain = false
			i++
		}
	}
}

// plainStringByte and numberByte classify bytes for the scanning loops.
var plainStringByte, numberByte = func() (plain, number [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		plain[c] = c != '"' && c != '\\'
	}
	for _, c := range []byte("0123456789+-.eE") {
		number[c] = true
	}
	return plain, number
}()

// unescape decodes a string's escapes into d.str. Invalid UTF-8 and lone
// surrogates become U+FFFD, as encoding/json does.
func (d *exportDecoder) unescape(raw []byte) ([]byte, error) {
	out := d.str[:0]
	for i := 0; i < len(raw); {
		c := raw[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && size == 1 {
				out = utf8.AppendRune(out, utf8.RuneError)
			} else {
				out = append(out, raw[i:i+size]...)
			}
			i += size
			continue
		}
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= len(raw) {
			return nil, d.errorf("invalid escape in a string")
		}
		switch e := raw[i+1]; e {
		case '"', '\\', '/':
			out = append(out, e)
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
			r, ok := hex4(raw[i+2:])
			if !ok {
				return nil, d.errorf("invalid \\u escape in a string")
			}
			i += 6
			if utf16IsSurrogate(r) {
				r2, ok := rune(0), false
				if i+1 < len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
					r2, ok = hex4(raw[i+2:])
				}
				if combined := utf16Decode(r, r2); ok && combined != utf8.RuneError {
					r = combined
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
			continue
		default:
			return nil, d.errorf("invalid escape in a string")
		}
		i += 2
	}
	d.str = out
	return out, nil
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

func utf16IsSurrogate(r rune) bool { return 0xd800 <= r && r < 0xe000 }

// utf16Decode combines a surrogate pair; U+FFFD when r1, r2 are not one.
func utf16Decode(r1, r2 rune) rune {
	if 0xd800 <= r1 && r1 < 0xdc00 && 0xdc00 <= r2 && r2 < 0xe000 {
		return (r1-0xd800)<<10 | (r2 - 0xdc00) + 0x10000
	}
	return utf8.RuneError
}

// number reads a JSON number and returns its text, valid until the next
// read.
func (d *exportDecoder) number() ([]byte, error) {
	if _, err := d.nonSpace(); err != nil {
		return nil, err
	}
	i := d.pos
	for {
		if i >= d.end {
			off := i - d.pos
			if !d.fill() {
				if err := d.readErr(); err != nil {
					return nil, err
				}
				i = d.pos + off
				break
			}
			i = d.pos + off
			continue
		}
		if !numberByte[d.buf[i]] {
			break
		}
		i++
	}
	raw := d.buf[d.pos:i]
	if !validNumber(raw) {
		if len(raw) == 0 {
			return nil, d.errorf("want a value, got %s", describe(d.buf[d.pos]))
		}
		return nil, d.errorf("invalid number %q", raw)
	}
	d.pos = i
	return raw, nil
}

// validNumber checks the JSON number grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func validNumber(b []byte) bool {
	i, n := 0, len(b)
	if i < n && b[i] == '-' {
		i++
	}
	switch {
	case i < n && b[i] == '0':
		i++
	case i < n && '1' <= b[i] && b[i] <= '9':
		for i++; i < n && isDigit(b[i]); i++ {
		}
	default:
		return false
	}
	if i < n && b[i] == '.' {
		i++
		if i == n || !isDigit(b[i]) {
			return false
		}
		for i++; i < n && isDigit(b[i]); i++ {
		}
	}
	if i < n && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < n && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i == n || !isDigit(b[i]) {
			return false
		}
		for i++; i < n && isDigit(b[i]); i++ {
		}
	}
	return i == n
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// nonSpace skips whitespace and returns the next byte without consuming
// it; at the end of the input it returns io.ErrUnexpectedEOF (or the
// reader's error). The compact layout has no whitespace: the first test
// nearly always answers, and is small enough to inline.
func (d *exportDecoder) nonSpace() (byte, error) {
	if d.pos < d.end && d.buf[d.pos] > ' ' {
		return d.buf[d.pos], nil
	}
	return d.nonSpaceSlow()
}

func (d *exportDecoder) nonSpaceSlow() (byte, error) {
	for {
		for d.pos < d.end {
			switch c := d.buf[d.pos]; c {
			case ' ', '\t', '\n', '\r':
				d.pos++
			default:
				return c, nil
			}
		}
		if !d.fill() {
			return 0, d.unexpectedEnd()
		}
	}
}

// ensure makes n bytes available at buf[pos:] if the input has them.
func (d *exportDecoder) ensure(n int) bool {
	for d.end-d.pos < n {
		if !d.fill() {
			return false
		}
	}
	return true
}

// fill reads more input behind buf[pos:end], moving that to the front of
// the buffer first; it reports whether there is more.
func (d *exportDecoder) fill() bool {
	if d.rerr != nil {
		return false
	}
	if d.pos > 0 {
		n := copy(d.buf, d.buf[d.pos:d.end])
		d.base += int64(d.pos)
		d.pos, d.end = 0, n
	}
	if d.end == len(d.buf) { // one token fills the buffer
		d.buf = append(d.buf, make([]byte, len(d.buf))...)
	}
	for range 100 {
		n, err := d.r.Read(d.buf[d.end:])
		d.end += n
		if err != nil {
			d.rerr = err
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	d.rerr = io.ErrNoProgress
	return false
}

// readErr is the reader's error, other than the end of the input.
func (d *exportDecoder) readErr() error {
	if d.rerr != nil && !errors.Is(d.rerr, io.EOF) {
		return fmt.Errorf("read at byte %d: %w", d.base+int64(d.end), d.rerr)
	}
	return nil
}

func (d *exportDecoder) unexpectedEnd() error {
	if err := d.readErr(); err != nil {
		return err
	}
	return fmt.Errorf("at byte %d: %w", d.base+int64(d.end), io.ErrUnexpectedEOF)
}

func (d *exportDecoder) errorf(format string, args ...any) error {
	return fmt.Errorf("at byte %d: %w", d.base+int64(d.pos), fmt.Errorf(format, args...))
}

func describe(c byte) string {
	switch {
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == '"':
		return "a string"
	case c == '-' || ('0' <= c && c <= '9'):
		return "a number"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	default:
		return strconv.QuoteRune(rune(c))
	}
}
