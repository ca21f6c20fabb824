package season

import (
	"math"
	"testing"
)

// What a peak needs rounds up, saturates instead of wrapping, and quotes
// the peak as a reason does.
func TestNeed(t *testing.T) {
	for _, c := range []struct {
		peak, frac float64
		want       int64
	}{{3.24, 0.9, 4}, {3.24, 0.8, 5}, {2.4, 0.8, 3}, {1, 0, 0}, {math.Inf(1), 0.8, math.MaxInt32}} {
		if got := Cores(c.peak, c.frac); got != c.want {
			t.Errorf("Cores(%g, %g) = %d, want %d", c.peak, c.frac, got, c.want)
		}
	}
	const mib = 1 << 20
	for _, c := range []struct {
		peak   float64
		margin uint64
		target float64
		want   int64
	}{{1000 * mib, 256 * mib, 0, 1256}, {1000 * mib, 256 * mib, 0.7, 1429}, {1000*mib + 1, 0, 0, 1001},
		{math.Inf(1), 256 * mib, 0.7, 1<<43 + 256}} { // a peak past 2^63 bytes counts as 2^63
		if got := Memory(c.peak, c.margin, c.target); got != c.want {
			t.Errorf("Memory(%g, %d, %g) = %d, want %d", c.peak, c.margin, c.target, got, c.want)
		}
	}
	if got := PeakText(true, 3.244); got != "3.24 cores" {
		t.Errorf("PeakText(cores) = %q", got)
	}
	if got := PeakText(false, 1367*mib-5); got != "1367 MiB" {
		t.Errorf("PeakText(memory) = %q", got)
	}
}
