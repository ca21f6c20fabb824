package codes

import "math"

// Absent is the code of an unknown value (NaN): a rate after a restart,
// pressure a node does not report, an empty bucket of a tier.
const Absent = math.MaxUint16

// MaxFloat16 is the largest value Float16 keeps: (4096-2) << 30.
const MaxFloat16 = 4094 << 30

// Float16 encodes v >= 0 as an unsigned 16-bit float: 5 bits of exponent
// and 11 of mantissa, so that codes 0..4095 are the integers 0..4095 and
// above that the relative error is at most 2^-12 (0.025 %). Negative values
// are 0, values past MaxFloat16 saturate, NaN and infinities are Absent.
func Float16(v float64) uint16 {
	if c, ok := edge16(v); ok {
		return c
	}
	switch {
	case v >= MaxFloat16:
		return Absent - 1
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
		return Absent - 1
	}
	return uint16(e<<11 | (int(mant) - 2048))
}

// FromFloat16 decodes Float16; Absent is NaN.
func FromFloat16(c uint16) float64 {
	if c == Absent {
		return math.NaN()
	}
	if e := c >> 11; e > 1 {
		return float64(uint64(2048|c&2047) << (e - 1)) // < 2^43: exact
	}
	return float64(c)
}

// Centi encodes a pressure (PSI, percent) in hundredths: the two decimals
// the kernel reports are kept exactly, up to 655.34 %; NaN is Absent.
func Centi(v float64) uint16 {
	if c, ok := edge16(v); ok {
		return c
	}
	return uint16(min(math.Round(v*100), Absent-1))
}

// edge16 codes what both encodings code alike: unknown (NaN, infinite) as
// Absent, nothing or less as 0; ok is false for a positive finite v.
func edge16(v float64) (c uint16, ok bool) {
	switch {
	case v != v || math.IsInf(v, 0):
		return Absent, true
	case !(v > 0):
		return 0, true
	}
	return 0, false
}

// MaxCenti is the largest of pressures coded by Centi, absent ones
// counting as 0: the codes are in the order of the values.
func MaxCenti(a, b, c uint16) float64 {
	// Absent + 1 wraps to 0: absent counts as nothing.
	if m := max(a+1, b+1, c+1); m > 0 {
		return float64(m-1) / 100
	}
	return 0
}

// FromCenti decodes Centi; Absent is NaN.
func FromCenti(c uint16) float64 {
	if c == Absent {
		return math.NaN()
	}
	return float64(c) / 100
}

// Units is v >> shift saturated at 32 bits: memory in KiB and disk in MiB
// keep 4 TiB and 4 PiB.
func Units(v uint64, shift uint) uint32 {
	return uint32(min(v>>shift, math.MaxUint32))
}

// Split32 and Join32 store a 32-bit value in two 16-bit fields, so that a
// stored sample needs no padding.
func Split32(v uint32) (hi, lo uint16) { return uint16(v >> 16), uint16(v) }

func Join32(hi, lo uint16) uint32 { return uint32(hi)<<16 | uint32(lo) }
