package sat

import "math"

// MiB is a mebibyte in bytes.
const MiB = 1 << 20

// Clamp is v within [lo, hi] (hi wins when lo > hi).
func Clamp(v, lo, hi int64) int64 { return min(max(v, lo), hi) }

// Add64 adds without wrapping past the largest int64.
func Add64(a, b int64) int64 {
	if b > 0 && a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// Mul64 multiplies non-negative values without wrapping past the
// largest int64.
func Mul64(a, b int64) int64 {
	if a != 0 && b > math.MaxInt64/a {
		return math.MaxInt64
	}
	return a * b
}

// Add adds without wrapping past the largest uint64.
func Add(a, b uint64) uint64 {
	if a > math.MaxUint64-b {
		return math.MaxUint64
	}
	return a + b
}

// Int64 is v, or the largest int64 when v is larger.
func Int64(v uint64) int64 { return int64(min(v, math.MaxInt64)) }

// CeilMiB is bytes in whole MiB, rounded up.
func CeilMiB(b uint64) int64 { return Int64(b/MiB + min(b%MiB, 1)) }

// FloorMiB is bytes in whole MiB, rounded down.
func FloorMiB(b uint64) int64 { return Int64(b / MiB) }
