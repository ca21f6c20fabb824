package threshold

import "fmt"

// Threshold is a bound that a value is past or not: at or above it (AtLeast)
// or at or below it (AtMost). Bounds are inclusive so that a policy's
// number is the point where it acts, and so that an up threshold of 1.0 can
// fire: Proxmox caps a container's CPU at its allocation, so utilisation
// never exceeds 1 and a strict comparison would never be true.
type Threshold struct {
	Bound float64
	// Below is true for an AtMost threshold.
	Below bool
}

// AtLeast is passed by values >= bound.
func AtLeast(bound float64) Threshold { return Threshold{Bound: bound} }

// AtMost is passed by values <= bound.
func AtMost(bound float64) Threshold { return Threshold{Bound: bound, Below: true} }

// Passed reports whether v is past the threshold. NaN never is: an unknown
// value is no evidence for a change.
func (t Threshold) Passed(v float64) bool {
	if t.Below {
		return v <= t.Bound
	}
	return v >= t.Bound
}

// String is the comparison, for reasons: ">= 0.75".
func (t Threshold) String() string {
	if t.Below {
		return fmt.Sprintf("<= %.2f", t.Bound)
	}
	return fmt.Sprintf(">= %.2f", t.Bound)
}

// Weakest is the extreme closest to the threshold (the minimum for
// AtLeast, the maximum for AtMost): the value that a reason should quote,
// since every other value is further past it.
func (t Threshold) Weakest(lo, hi float64) float64 {
	if t.Below {
		return hi
	}
	return lo
}
