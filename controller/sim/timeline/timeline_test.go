package timeline

import (
	"math"
	"testing"
)

func TestNiceScale(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ peak, step, top float64 }{
		{0, 1, 1}, {math.NaN(), 1, 1}, {1, 0.2, 1}, {4.3, 1, 5}, {2048, 500, 2500}, {9.9, 2, 10},
	} {
		step, top := niceScale(c.peak)
		if math.Abs(step-c.step) > 1e-12 || math.Abs(top-c.top) > 1e-9 {
			t.Errorf("niceScale(%g) = %g, %g; want %g, %g", c.peak, step, top, c.step, c.top)
		}
	}
}
