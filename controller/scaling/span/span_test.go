package span

import (
	"testing"
	"time"
)

// times is sample times at the given seconds after t0.
type times []int

var t0 = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

func (s times) Len() int             { return len(s) }
func (s times) Time(i int) time.Time { return t0.Add(time.Duration(s[i]) * time.Second) }

func TestInterval(t *testing.T) {
	tests := []struct {
		name string
		t    times
		want time.Duration
	}{
		{"empty", nil, 0},
		{"one time", times{0}, 0},
		{"regular", times{0, 10, 20}, 10 * time.Second},
		{"a hole does not widen it", times{0, 60, 600, 610}, 10 * time.Second},
		{"duplicate times are skipped", times{0, 0, 30}, 30 * time.Second},
	}
	for _, tt := range tests {
		if got := Interval(tt.t); got != tt.want {
			t.Errorf("%s: Interval = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestCovers(t *testing.T) {
	now := t0.Add(6 * time.Minute)
	tests := []struct {
		name string
		t    times
		d    time.Duration
		want bool
	}{
		{"no time", nil, time.Minute, false},
		{"one time, no period", times{360}, 0, true},
		{"from the period's start", times{0, 60, 120, 180, 240, 300, 360}, 6 * time.Minute, true},
		{"first sample late by one interval", times{60, 120, 180, 240, 300, 360}, 6 * time.Minute, true},
		{"first sample late by more than one interval", times{61, 121, 181, 241, 301, 360}, 6 * time.Minute, false},
		{"newest before the period", times{0, 60}, time.Minute, false},
		{"a hole inside is not looked for", times{0, 350}, 6 * time.Minute, true},
	}
	for _, tt := range tests {
		if got := Covers(tt.t, now, tt.d); got != tt.want {
			t.Errorf("%s: Covers = %v, want %v", tt.name, got, tt.want)
		}
	}
}
