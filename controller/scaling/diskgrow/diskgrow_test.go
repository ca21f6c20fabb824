package diskgrow

import (
	"strings"
	"testing"
)

const gib = 1 << 30

// A disk of 10 GiB, 9 used, threshold 0.85, steps of 2 GiB up to 64:
// filling 0.5 GiB an hour it grows by 8 steps, (9 + 24 x 0.5) / 0.85 =
// 24.7 GiB; filling 3 GiB an hour to the max; slowly or without a rate by
// one step, as near the max.
func TestTarget(t *testing.T) {
	perHour := func(g float64) float64 { return g * gib / 3600 }
	for _, c := range []struct {
		name      string
		size, max uint64
		rate      float64
		want      uint64
		wantSized bool
	}{
		{"0.5 GiB an hour", 10 * gib, 64 * gib, perHour(0.5), 26 * gib, true},
		{"3 GiB an hour", 10 * gib, 64 * gib, perHour(3), 64 * gib, true},
		{"slowly", 10 * gib, 64 * gib, perHour(0.01), 12 * gib, false},
		{"no rate", 10 * gib, 64 * gib, 0, 12 * gib, false},
		{"a step from the max", 63 * gib, 64 * gib, 0, 64 * gib, false},
	} {
		got, sized := Target(c.size, c.size, 9*gib, c.rate, 0.85, 2*gib, c.max)
		if got != c.want || sized != c.wantSized {
			t.Errorf("%s: %d GiB sized %v, want %d GiB sized %v", c.name, got/gib, sized, c.want/gib, c.wantSized)
		}
	}
	if s := Text("disk 0.90 >= 0.85", perHour(2.1), true); !strings.HasSuffix(s, ", filling 2.1 GiB an hour: sized for 24h0m0s of it") {
		t.Errorf("Text: %q", s)
	}
}
