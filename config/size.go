package config

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// Size is an amount of memory or disk in bytes. In configuration it is
// written "512MiB", "2GiB", "1.5G", "64KiB" or as a plain number of MiB
// ("512"), the unit Proxmox VE uses for memory. Every unit is binary, as in
// Proxmox VE: K, KB and KiB all mean 1024 bytes; M, G and T likewise.
type Size uint64

// Binary size units.
const (
	KiB Size = 1 << (10 * (iota + 1))
	MiB
	GiB
	TiB
)

// maxSize bounds parsed sizes well below the uint64 limit (1 EiB), so that
// arithmetic on them cannot overflow.
const maxSize = 1 << 60

var sizeUnits = map[string]Size{
	"b": 1,
	"k": KiB, "kb": KiB, "kib": KiB,
	"m": MiB, "mb": MiB, "mib": MiB,
	"g": GiB, "gb": GiB, "gib": GiB,
	"t": TiB, "tb": TiB, "tib": TiB,
}

var (
	errSizeSyntax   = errors.New("must be a size like 512MiB, 2GiB or 1.5G, or a number of MiB")
	errSizeTooLarge = errors.New("must be at most 1EiB")
)

// ParseSize parses a size as described on Size. The result is rounded down
// to a whole byte.
func ParseSize(s string) (Size, error) {
	s = strings.TrimSpace(s)
	end := 0
	for end < len(s) && (s[end] >= '0' && s[end] <= '9' || s[end] == '.') {
		end++
	}
	number, unit := s[:end], strings.ToLower(strings.TrimSpace(s[end:]))
	if number == "" {
		return 0, errSizeSyntax
	}
	multiplier := MiB
	if unit != "" {
		var ok bool
		if multiplier, ok = sizeUnits[unit]; !ok {
			return 0, errSizeSyntax
		}
	}
	if !strings.Contains(number, ".") {
		n, err := strconv.ParseUint(number, 10, 64)
		// number holds only digits, so ParseUint can fail only on range.
		if err != nil || n > maxSize/uint64(multiplier) {
			return 0, errSizeTooLarge
		}
		return Size(n) * multiplier, nil
	}
	f, err := strconv.ParseFloat(number, 64)
	if err != nil {
		return 0, errSizeSyntax
	}
	return sizeFromFloat(f, multiplier)
}

func sizeFromFloat(f float64, multiplier Size) (Size, error) {
	bytes := f * float64(multiplier)
	switch {
	case math.IsNaN(bytes) || bytes < 0:
		return 0, errSizeSyntax
	case bytes > maxSize:
		return 0, errSizeTooLarge
	}
	return Size(bytes), nil
}

// Bytes returns the size in bytes.
func (s Size) Bytes() uint64 { return uint64(s) }

// MiB returns the size in whole MiB, rounded down: the unit of the memory and
// swap of a Proxmox VE container.
func (s Size) MiB() uint64 { return uint64(s / MiB) }

// String formats the size in the largest binary unit that divides it
// exactly ("512MiB", "2GiB", "1536B").
func (s Size) String() string {
	if s == 0 {
		return "0"
	}
	for _, u := range []struct {
		size Size
		name string
	}{{TiB, "TiB"}, {GiB, "GiB"}, {MiB, "MiB"}, {KiB, "KiB"}} {
		if s%u.size == 0 {
			return strconv.FormatUint(uint64(s/u.size), 10) + u.name
		}
	}
	return strconv.FormatUint(uint64(s), 10) + "B"
}

// MarshalText implements encoding.TextMarshaler with String's format, which
// ParseSize reads back to the same value.
func (s Size) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParseSize.
func (s *Size) UnmarshalText(text []byte) error {
	v, err := ParseSize(string(text))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
