package scaling

import (
	"math"
	"testing"
	"time"
)

// decideT0 is the origin of the series and decision tests.
var decideT0 = time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)

// atSec is decideT0 plus sec seconds.
func atSec(sec int) time.Time { return decideT0.Add(time.Duration(sec) * time.Second) }

// seriesEvery builds a series of values one interval apart, the first at
// decideT0 + start seconds.
func seriesEvery(start, interval int, values ...float64) Series {
	s := make(Series, len(values))
	for i, v := range values {
		s[i] = Point{Time: atSec(start + i*interval), Value: v}
	}
	return s
}

// flatSeries is n points of value v, 10 s apart, the last at decideT0 +
// end seconds.
func flatSeries(end, n int, v float64) Series {
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = v
	}
	return seriesEvery(end-(n-1)*10, 10, vals...)
}

func TestSeriesStats(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name     string
		s        Series
		min, max float64
	}{
		{"empty", nil, nan, nan},
		{"one", seriesEvery(0, 10, 0.5), 0.5, 0.5},
		{"several", seriesEvery(0, 10, 0.2, 0.9, 0.4), 0.2, 0.9},
		{"nan poisons", seriesEvery(0, 10, 0.2, nan, 0.4), nan, nan},
		{"nan first", seriesEvery(0, 10, nan, 0.3), nan, nan},
	}
	same := func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) || math.Abs(a-b) < 1e-12 }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, _ := runOf(tt.s).extremes(); !same(got, tt.min) {
				t.Errorf("min = %v, want %v", got, tt.min)
			}
			if got := tt.s.Max(); !same(got, tt.max) {
				t.Errorf("Max = %v, want %v", got, tt.max)
			}
		})
	}
}

func TestSeriesSlicing(t *testing.T) {
	s := seriesEvery(0, 10, 1, 2, 3, 4, 5) // decideT0 .. decideT0+40s
	tests := []struct {
		name  string
		got   Series
		first float64
		n     int
	}{
		{"since a point's time includes it", s.Since(atSec(20)), 3, 3},
		{"since between points", s.Since(atSec(15)), 3, 3},
		{"since before all", s.Since(atSec(-5)), 1, 5},
		{"since after all", s.Since(atSec(41)), 0, 0},
		{"until a point's time includes it", s.Until(atSec(20)), 1, 3},
		{"until before all", s.Until(atSec(-1)), 0, 0},
		{"window of 20s ends now", runOf(s).window(atSec(40), 20*time.Second).series(s), 3, 3},
		{"window ignores points after now", runOf(s).window(atSec(25), 10*time.Second).series(s), 3, 1},
		{"window of zero is the newest point", runOf(s).window(atSec(40), 0).series(s), 5, 1},
		{"window of zero before now", runOf(s).window(atSec(100), 0).series(s), 5, 1},
		{"window of zero before the first point", runOf(s).window(atSec(-1), 0).series(s), 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.got) != tt.n {
				t.Fatalf("len = %d, want %d (%v)", len(tt.got), tt.n, tt.got)
			}
			if tt.n > 0 && tt.got[0].Value != tt.first {
				t.Errorf("first value = %v, want %v", tt.got[0].Value, tt.first)
			}
		})
	}
	if p, ok := s.Last(); !ok || p.Value != 5 {
		t.Errorf("Last = %v, %v; want 5, true", p, ok)
	}
	if _, ok := Series(nil).Last(); ok {
		t.Error("Last of an empty series is ok")
	}
}

func TestSeriesSustained(t *testing.T) {
	minute := time.Minute
	tests := []struct {
		name string
		s    Series
		now  time.Time
		d    time.Duration
		th   Threshold
		want bool
	}{
		{"covered exactly", flatSeries(60, 7, 0.9), atSec(60), minute, AtLeast(0.75), true},
		{"at the bound counts (inclusive)", flatSeries(60, 7, 0.75), atSec(60), minute, AtLeast(0.75), true},
		{"just under the bound", flatSeries(60, 7, 0.7499), atSec(60), minute, AtLeast(0.75), false},
		{"at most, at the bound", flatSeries(60, 7, 0.3), atSec(60), minute, AtMost(0.3), true},
		{"at most, just over", flatSeries(60, 7, 0.3001), atSec(60), minute, AtMost(0.3), false},
		{"one point inside not past", seriesEvery(0, 10, 0.9, 0.9, 0.9, 0.5, 0.9, 0.9, 0.9), atSec(60), minute, AtLeast(0.75), false},
		{"a point before the period does not matter", seriesEvery(-10, 10, 0.1, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9), atSec(60), minute, AtLeast(0.75), true},
		{"first sample late by one interval", flatSeries(60, 6, 0.9), atSec(60), minute, AtLeast(0.75), true},
		{"first sample late by less than one interval", flatSeries(60, 6, 0.9), atSec(63), minute, AtLeast(0.75), true},
		{"first sample late by more than one interval", flatSeries(60, 6, 0.9), atSec(61), 70 * time.Second, AtLeast(0.75), false},
		{"history two intervals short", flatSeries(60, 5, 0.9), atSec(60), minute, AtLeast(0.75), false},
		{"two minutes of history is not ten", flatSeries(120, 13, 0.9), atSec(120), 10 * minute, AtLeast(0.75), false},
		{"one point exactly at the start (no freshness check)", seriesEvery(0, 10, 0.9), atSec(60), minute, AtLeast(0.75), true},
		{"one point just after the start", seriesEvery(1, 10, 0.9), atSec(60), minute, AtLeast(0.75), false},
		{"single point and no period", seriesEvery(0, 10, 0.9), atSec(60), 0, AtLeast(0.75), true},
		{"no period: only the newest counts", seriesEvery(0, 10, 0.1, 0.9), atSec(10), 0, AtLeast(0.75), true},
		{"no period: newest not past", seriesEvery(0, 10, 0.9, 0.1), atSec(10), 0, AtLeast(0.75), false},
		{"stale: nothing in the period", flatSeries(0, 10, 0.9), atSec(300), minute, AtLeast(0.75), false},
		{"points after now are ignored", append(flatSeries(60, 7, 0.9), Point{atSec(70), 0.1}), atSec(60), minute, AtLeast(0.75), true},
		{"nan is not past", seriesEvery(0, 10, 0.9, 0.9, 0.9, math.NaN(), 0.9, 0.9, 0.9), atSec(60), minute, AtLeast(0.75), false},
		{"nan is not below either", seriesEvery(0, 10, 0.1, math.NaN()), atSec(10), 0, AtMost(0.3), false},
		{"empty", nil, atSec(60), minute, AtLeast(0.75), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, _, _ := runOf(tt.s).sustained(tt.now, tt.d, tt.th); got != tt.want {
				t.Errorf("Sustained(%v, %v, %v) = %v, want %v", tt.now.Sub(decideT0), tt.d, tt.th, got, tt.want)
			}
		})
	}
}

func TestSeriesStreak(t *testing.T) {
	tests := []struct {
		name string
		s    Series
		now  time.Time
		want time.Duration
	}{
		{"newest not past", seriesEvery(0, 10, 0.9, 0.1), atSec(10), 0},
		{"last two past", seriesEvery(0, 10, 0.1, 0.9, 0.9), atSec(25), 15 * time.Second},
		{"all past: from the oldest point", seriesEvery(0, 10, 0.9, 0.9, 0.9), atSec(20), 20 * time.Second},
		{"points after now ignored", seriesEvery(0, 10, 0.9, 0.9, 0.1), atSec(15), 15 * time.Second},
		{"empty", nil, atSec(0), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := runOf(tt.s).streak(tt.now, AtLeast(0.75)); got != tt.want {
				t.Errorf("Streak = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestThresholdString(t *testing.T) {
	if got := AtLeast(0.75).String(); got != ">= 0.75" {
		t.Errorf("AtLeast(0.75) = %q", got)
	}
	if got := AtMost(0.3).String(); got != "<= 0.30" {
		t.Errorf("AtMost(0.3) = %q", got)
	}
}
