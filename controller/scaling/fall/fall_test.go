package fall

import (
	"math"
	"testing"
	"time"
)

func TestFalling(t *testing.T) {
	now := time.Date(2026, 1, 5, 13, 12, 0, 0, time.UTC)
	series := func(busy func(age time.Duration) float64) (int, func(int) (time.Time, float64)) {
		return 61, func(i int) (time.Time, float64) {
			age := time.Duration(60-i) * time.Minute
			return now.Add(-age), busy(age)
		}
	}
	decay := func(age time.Duration) float64 {
		return 0.5 + 1.7*math.Exp(-float64(time.Hour-age)/float64(20*time.Minute))
	}
	bursts := func(heights ...float64) func(time.Duration) float64 {
		return func(age time.Duration) float64 {
			for k, at := range []time.Duration{50, 25, 10} {
				if k < len(heights) && age >= at*time.Minute && age < (at+2)*time.Minute {
					return heights[k]
				}
			}
			return 0.4
		}
	}
	for _, c := range []struct {
		name string
		busy func(time.Duration) float64
		want bool
	}{
		{"a decay", decay, true},
		{"bursts smaller and smaller over a flat level", bursts(2.2, 1.0, 0.8), false},
		{"a burst that ended, flat since", bursts(2.2), false},
		{"a burst, a smaller one in the newest half, the level a hair lower since", func(age time.Duration) float64 {
			switch {
			case age >= 45*time.Minute && age < 55*time.Minute:
				return 2.2
			case age >= 20*time.Minute && age < 22*time.Minute:
				return 1.5
			case age < 30*time.Minute:
				return 0.35
			}
			return 0.4
		}, false},
		{"flat", func(time.Duration) float64 { return 0.6 }, false},
		{"an unknown sample", func(age time.Duration) float64 {
			if age == 5*time.Minute {
				return math.NaN()
			}
			return decay(age)
		}, false},
	} {
		n, at := series(c.busy)
		if h, ok := Falling(n, at, now, time.Hour); ok != c.want {
			t.Errorf("%s: Falling = %.2f, %v; want %v", c.name, h, ok, c.want)
		}
	}
	if _, ok := Falling(0, nil, now, time.Hour); ok {
		t.Error("no samples: falling")
	}
}
