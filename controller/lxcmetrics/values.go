package lxcmetrics

import (
	"math"
	"strconv"
	"time"
)

// null consumes a null if one comes next.
func (d *exportDecoder) null() (bool, error) {
	k, err := d.peek()
	if err != nil || k != 'n' {
		return false, err
	}
	_, err = d.dec.ReadToken()
	return true, d.wrap(err)
}

// float reads a number; present is false for null (and f is 0).
func (d *exportDecoder) float() (f float64, present bool, err error) {
	if null, err := d.null(); null || err != nil {
		return 0, false, err
	}
	raw, err := d.number()
	if err != nil {
		return 0, false, err
	}
	f, err = strconv.ParseFloat(string(raw), 64)
	if err != nil { // only out of range: the syntax was checked
		return 0, false, d.errorf("number %s out of range", raw)
	}
	return f, true, nil
}

// twoTo64 is 2^64, the first float64 past the uint64 range.
const twoTo64 = float64(1 << 63 * 2.0)

// size reads a size in units of unit bytes (MiB or GiB, a float) as bytes.
// null is 0.
func (d *exportDecoder) size(unit float64) (uint64, error) {
	f, _, err := d.float()
	if err != nil {
		return 0, err
	}
	b := f * unit
	switch {
	case b < 0:
		return 0, d.errorf("negative size")
	case b > twoTo64:
		return 0, d.errorf("size out of range")
	case b == twoTo64: // float64(MaxUint64) rounds up to 2^64: what the writer wrote for it
		return math.MaxUint64, nil
	}
	return uint64(b), nil
}

// counter reads a non-negative integer count of units of unit bytes as
// bytes. null is 0.
func (d *exportDecoder) counter(unit uint64) (uint64, error) {
	if null, err := d.null(); null || err != nil {
		return 0, err
	}
	raw, err := d.number()
	if err != nil {
		return 0, err
	}
	var n uint64
	if isPlainInteger(raw) {
		if raw[0] == '-' {
			if string(raw) != "-0" {
				return 0, d.errorf("negative counter %s", raw)
			}
		} else if n, err = strconv.ParseUint(string(raw), 10, 64); err != nil {
			return 0, d.errorf("counter %s out of range", raw)
		}
	} else {
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil || f < 0 || f >= twoTo64 || f != math.Trunc(f) {
			return 0, d.errorf("counter %s is not a non-negative integer", raw)
		}
		n = uint64(f)
	}
	if n > math.MaxUint64/unit {
		return 0, d.errorf("counter %s out of range", raw)
	}
	return n * unit, nil
}

// integer reads an int; null is 0.
func (d *exportDecoder) integer() (int, error) {
	if null, err := d.null(); null || err != nil {
		return 0, err
	}
	raw, err := d.number()
	if err != nil {
		return 0, err
	}
	if isPlainInteger(raw) {
		n, err := strconv.ParseInt(string(raw), 10, strconv.IntSize)
		if err != nil {
			return 0, d.errorf("integer %s out of range", raw)
		}
		return int(n), nil
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || f != math.Trunc(f) || f < math.MinInt || f >= -math.MinInt {
		return 0, d.errorf("%s is not an integer", raw)
	}
	return int(f), nil
}

func isPlainInteger(raw []byte) bool {
	for _, c := range raw {
		if c == '.' || c == 'e' || c == 'E' {
			return false
		}
	}
	return true
}

func (d *exportDecoder) timestamp() (time.Time, error) {
	if null, err := d.null(); null || err != nil {
		return time.Time{}, err
	}
	raw, err := d.string()
	if err != nil {
		return time.Time{}, err
	}
	t, err := parseTimestamp(raw)
	if err != nil {
		return time.Time{}, d.errorf("%w", err)
	}
	return t, nil
}

// node reads a string and interns it: a file holds the same few node names
// a million times.
func (d *exportDecoder) node() (string, error) {
	if null, err := d.null(); null || err != nil {
		return "", err
	}
	raw, err := d.string()
	if err != nil {
		return "", err
	}
	if s, ok := d.nodes[string(raw)]; ok {
		return s, nil
	}
	s := string(raw)
	d.nodes[s] = s
	return s, nil
}
