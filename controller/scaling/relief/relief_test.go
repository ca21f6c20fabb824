package relief

import (
	"math/rand/v2"
	"testing"
	"time"
)

// series is values one minute apart from t0.
type series []float64

var t0 = time.Date(2026, 1, 5, 13, 0, 0, 0, time.UTC)

func (s series) Len() int             { return len(s) }
func (s series) Time(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }
func (s series) Value(i int) float64  { return s[i] }

func TestJump(t *testing.T) {
	const line, up = 0.98, 0.9
	for _, tt := range []struct {
		name  string
		s     series
		since time.Time
		run   int
		jump  float64
	}{
		{"one pinned after 0.6", series{0.5, 0.6, 1.0}, time.Time{}, 1, 1 / 0.6},
		{"two pinned after 0.6", series{0.5, 0.6, 0.99, 1.0}, time.Time{}, 2, 1 / 0.6},
		{"capped at JumpMax", series{0.5, 0.1, 1.0}, time.Time{}, 1, JumpMax},
		{"none pinned", series{0.5, 0.6, 0.97}, time.Time{}, 0, 0},
		{"from the up threshold: pinned, no jump", series{0.5, 0.9, 1.0}, time.Time{}, 1, 0},
		{"from nothing: no jump to take", series{0.5, 0, 1.0}, time.Time{}, 1, 0},
		{"every point pinned: no sample before", series{1.0, 1.0}, time.Time{}, 2, 0},
		{"the sample before is at the last change", series{0.5, 0.6, 1.0}, t0.Add(time.Minute), 1, 0},
		{"a pinned sample at the last change ends the run", series{0.5, 1.0, 1.0}, t0.Add(time.Minute), 1, 0},
		{"all after the last change", series{0.5, 0.6, 1.0}, t0.Add(30 * time.Second), 1, 1 / 0.6},
	} {
		run, jump := Jump(tt.s, line, up, tt.since)
		if run != tt.run || jump != tt.jump {
			t.Errorf("%s: Jump = %d, %v, want %d, %v", tt.name, run, jump, tt.run, tt.jump)
		}
	}
}

func TestJumped(t *testing.T) {
	for _, tt := range []struct {
		s    series
		want bool
	}{
		{series{400, 600}, true},
		{series{400, 599}, false},
		{series{600}, false},
		{series{}, false},
	} {
		if got := Jumped(tt.s); got != tt.want {
			t.Errorf("Jumped(%v) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

// TestJumpedTo: a limit of 1400 (pinned at 1372), up threshold 1050.
func TestJumpedTo(t *testing.T) {
	for _, tt := range []struct {
		s    series
		want bool
	}{
		{series{1024, 1400}, true},  // x1.37: short of Corroborates, pinned
		{series{1024, 1371}, false}, // not pinned
		{series{1050, 1400}, false}, // at the limit already: no rise seen
		{series{1400}, false},
		{series{}, false},
	} {
		if got := JumpedTo(tt.s, 1400, 0.75*1400); got != tt.want {
			t.Errorf("JumpedTo(%v) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

// counted is a series that counts its pinned run itself (Counter).
type counted struct{ series }

func (c counted) AtLeast(line float64) int {
	k := len(c.series)
	for k > 0 && c.series[k-1] >= line {
		k--
	}
	return len(c.series) - k
}

// TestJumpCountedIsJump: a series that counts its run itself jumps as one
// read point by point, with since anywhere, before, in or after the run.
func TestJumpCountedIsJump(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		s := make(series, rng.IntN(12))
		for i := range s {
			s[i] = float64(rng.IntN(4)) / 2
		}
		var since time.Time
		if rng.IntN(3) > 0 {
			since = t0.Add(time.Duration(rng.IntN(14)-1) * time.Minute)
		}
		line, up := float64(rng.IntN(3)), 1.5
		run, jump := Jump(s, line, up, since)
		if crun, cjump := Jump(counted{s}, line, up, since); crun != run || cjump != jump {
			t.Fatalf("%v line %v since %v: counted %d %v, read %d %v", s, line, since, crun, cjump, run, jump)
		}
	}
}
