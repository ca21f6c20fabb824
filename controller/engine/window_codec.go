package engine

import "math"

// The window stores what changes every sample in 16 or 32 bits and what
// rarely changes (the limits) as change points; doc.go gives the encodings
// and their precision.

// absent16 is the code of an unknown value (NaN): a rate after a restart,
// pressure a node does not report, an empty bucket of a tier.
const absent16 = math.MaxUint16

// maxFloat16 is the largest value toFloat16 keeps: (4096-2) << 30.
const maxFloat16 = 4094 << 30

// toFloat16 encodes v >= 0 as an unsigned 16-bit float: 5 bits of exponent
// and 11 of mantissa, so that codes 0..4095 are the integers 0..4095 and
// above that the relative error is at most 2^-12 (0.025 %). Negative values
// are 0, values past maxFloat16 saturate, NaN and infinities are absent16.
func toFloat16(v float64) uint16 {
	if c, ok := edge16(v); ok {
		return c
	}
	switch {
	case v >= maxFloat16:
		return absent16 - 1
	case v < 4096:
		return uint16(math.Round(v))
	}
	frac, exp := math.Frexp(v) // v = frac x 2^exp, frac in [0.5, 1)
	mant := math.Round(math.Ldexp(frac, 12))
	if mant == 4096 {
		mant, exp = 2048, exp+1
	}
	e := exp - 11
	if e > 31 || (e == 31 && mant > 4094) {
		return absent16 - 1
	}
	return uint16(e<<11 | (int(mant) - 2048))
}

// fromFloat16 decodes toFloat16; absent16 is NaN.
func fromFloat16(c uint16) float64 {
	if c == absent16 {
		return math.NaN()
	}
	if e := c >> 11; e > 1 {
		return float64(uint64(2048|c&2047) << (e - 1)) // < 2^43: exact
	}
	return float64(c)
}

// toCenti encodes a pressure (PSI, percent) in hundredths: the two decimals
// the kernel reports are kept exactly, up to 655.34 %; NaN is absent16.
func toCenti(v float64) uint16 {
	if c, ok := edge16(v); ok {
		return c
	}
	return uint16(min(math.Round(v*100), absent16-1))
}

// edge16 codes what both encodings code alike: unknown (NaN, infinite) as
// absent16, nothing or less as 0; ok is false for a positive finite v.
func edge16(v float64) (c uint16, ok bool) {
	switch {
	case v != v || math.IsInf(v, 0):
		return absent16, true
	case !(v > 0):
		return 0, true
	}
	return 0, false
}

// maxCenti is the largest of pressures coded by toCenti, absent ones
// counting as 0: the codes are in the order of the values.
func maxCenti(a, b, c uint16) float64 {
	// absent16 + 1 wraps to 0: absent counts as nothing.
	if m := max(a+1, b+1, c+1); m > 0 {
		return float64(m-1) / 100
	}
	return 0
}

// fromCenti decodes toCenti; absent16 is NaN.
func fromCenti(c uint16) float64 {
	if c == absent16 {
		return math.NaN()
	}
	return float64(c) / 100
}

// toUnits is v >> shift saturated at 32 bits: memory in KiB and disk in MiB
// keep 4 TiB and 4 PiB.
func toUnits(v uint64, shift uint) uint32 {
	return uint32(min(v>>shift, math.MaxUint32))
}

// split32 and join32 store a 32-bit value in two 16-bit fields, so that a
// stored sample needs no padding.
func split32(v uint32) (hi, lo uint16) { return uint16(v >> 16), uint16(v) }

func join32(hi, lo uint16) uint32 { return uint32(hi)<<16 | uint32(lo) }
