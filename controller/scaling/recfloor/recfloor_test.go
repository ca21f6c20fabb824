package recfloor

import "testing"

// A floor is let go only with more than twice After of history, a known
// need, and at least MinSteps steps freed.
func TestCap(t *testing.T) {
	for _, c := range []struct {
		floor, need, step int64
		days              float32
		want              int64
		ok                bool
	}{
		{12, 3, 1, 13.0 / 24, 3, true},  // a runaway's 8 hours, 4 quiet: let go
		{12, 3, 1, 7.9 / 24, 12, false}, // under twice After: the history is short
		{12, 3, 1, 8.1 / 24, 3, true},
		{3, 2, 1, 3, 3, false}, // one step: a daily trough
		{3, 1, 1, 3, 1, true},
		{12, 0, 1, 3, 12, false},         // nothing known of the last After
		{4096, 3072, 512, 3, 3072, true}, // steps of any size
		{4096, 3584, 512, 3, 4096, false},
	} {
		if got, ok := Cap(c.floor, c.need, c.step, c.days); got != c.want || ok != c.ok {
			t.Errorf("Cap(%d, %d, %d, %.3f) = %d, %v; want %d, %v", c.floor, c.need, c.step, c.days, got, ok, c.want, c.ok)
		}
	}
}

func TestText(t *testing.T) {
	for _, c := range []struct {
		pct         uint8
		days, widen float32
		want        string
	}{
		{50, 3.2, 1, "p50 over 3.2 days of history: u"},
		{50, 10.0 / 1440, 4, "p50 over 10m0s of history: u, x4.00 while the history is short"},
		{HourAhead, 3, 1, "the next hour's most on every day known: u"},
		{Stale, 0, 0, "the most of the last 4h0m0s, the history's percentile not needed since: u"},
	} {
		if got := Text("u", c.pct, c.days, c.widen); got != c.want {
			t.Errorf("Text(%d, %v, %v) = %q; want %q", c.pct, c.days, c.widen, got, c.want)
		}
	}
}
