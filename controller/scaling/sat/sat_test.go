package sat

import (
	"math"
	"testing"
)

// The sums and products stop at the largest value; MiB round as named.
func TestSaturates(t *testing.T) {
	if got := Add64(math.MaxInt64-1, 5); got != math.MaxInt64 {
		t.Errorf("Add64 past max = %d", got)
	}
	if got := Add64(3, -5); got != -2 {
		t.Errorf("Add64(3, -5) = %d, want -2", got)
	}
	if got := Mul64(math.MaxInt64/2, 3); got != math.MaxInt64 {
		t.Errorf("Mul64 past max = %d", got)
	}
	if got := Add(math.MaxUint64, 1); got != math.MaxUint64 {
		t.Errorf("Add past max = %d", got)
	}
	if got := Int64(math.MaxUint64); got != math.MaxInt64 {
		t.Errorf("Int64(MaxUint64) = %d", got)
	}
	if got := CeilMiB(MiB + 1); got != 2 {
		t.Errorf("CeilMiB(1 MiB + 1) = %d, want 2", got)
	}
	if got := FloorMiB(2*MiB - 1); got != 1 {
		t.Errorf("FloorMiB(2 MiB - 1) = %d, want 1", got)
	}
	if got := Clamp(9, 1, 4); got != 4 {
		t.Errorf("Clamp(9, 1, 4) = %d, want 4", got)
	}
}
