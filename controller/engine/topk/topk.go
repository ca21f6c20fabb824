package topk

import (
	"math"
	"slices"
)

// P95Index is the index, in ascending order, of the 95th percentile
// (nearest rank) of n values.
func P95Index(n int) int { return int(math.Ceil(0.95*float64(n))) - 1 }

// Top is the largest values of a period, ascending: every value of the
// period it does not hold is at most its smallest. That is enough for the
// 95th percentile, the 19th largest of an hour at 10 s, while it holds that
// many; all is set while it holds every value of the period.
type Top struct {
	vals  []float64
	limit int32
	all   bool
}

// Reset empties the list and bounds it to limit values.
func (t *Top) Reset(limit int) {
	if cap(t.vals) < limit {
		t.vals = make([]float64, 0, limit)
	}
	t.vals, t.all, t.limit = t.vals[:0], true, int32(limit)
}

// Insert takes a value that entered the period.
func (t *Top) Insert(v float64) {
	switch full := len(t.vals) == int(t.limit); {
	case full && len(t.vals) > 0 && v > t.vals[0]:
		// The smallest makes room: every value left out stays at most
		// the new smallest.
		i := t.search(v)
		copy(t.vals, t.vals[1:i])
		t.vals[i-1] = v
		t.all = false
	case full || !t.all && (len(t.vals) == 0 || v < t.vals[0]):
		t.all = false
	default:
		t.vals = slices.Insert(t.vals, t.search(v), v)
	}
}

// search is the index of the first value not below v (values are never
// NaN: utilisations of stored samples).
func (t *Top) search(v float64) int {
	lo, hi := 0, len(t.vals)
	for lo < hi {
		if mid := int(uint(lo+hi) >> 1); t.vals[mid] < v {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// Remove takes out a value that left the period.
func (t *Top) Remove(v float64) {
	if len(t.vals) == 0 || v < t.vals[0] {
		return
	}
	if i := t.search(v); i < len(t.vals) && t.vals[i] == v {
		t.vals = slices.Delete(t.vals, i, i+1)
	}
}

// P95 is the 95th percentile of the n values of the period; ok is false
// when the list holds too few of the largest.
func (t *Top) P95(n int) (v float64, ok bool) {
	if n == 0 {
		return 0, true
	}
	r := n - P95Index(n) // rank from the top
	if len(t.vals) < r {
		return 0, false
	}
	return t.vals[len(t.vals)-r], true
}

// Cap is the values the list has room for, as allocated.
func (t *Top) Cap() int { return cap(t.vals) }
