package scaling

import (
	"strings"
	"testing"
	"time"
)

// TestShortHistoryHoldsDecreases: an idle container is not shrunk before
// its history reaches back twice StabilizationDown (10 minutes in the
// test rules), however idle the period judged; an unknown history does
// not hold.
func TestShortHistoryHoldsDecreases(t *testing.T) {
	tests := []struct {
		name string
		ago  time.Duration // how far back the history reaches; 0: unknown
		down bool
	}{
		{name: "unknown", down: true},
		{name: "15 minutes", ago: 15 * time.Minute},
		{name: "just short of 20 minutes", ago: 20*time.Minute - time.Second},
		{name: "20 minutes", ago: 20 * time.Minute, down: true},
		{name: "a day", ago: 24 * time.Hour, down: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := steadyInput()
			in.sig.CPU = cpuFor(10*time.Minute, 0.1)
			in.sig.Alloc.Cores = 4
			if tt.ago > 0 {
				in.sig.HistoryFrom = in.now.Add(-tt.ago)
			}
			d := Decide(in.sig, in.policy, in.rules, in.st, in.now, in.rise)
			if err := checkDecision(in, d); err != nil {
				t.Fatal(err)
			}
			down := len(d.Changes) == 1 && d.Changes[0].Resource == ResourceCores && d.Changes[0].Direction == Down
			if down != tt.down {
				t.Fatalf("decreased %v, want %v: %+v", down, tt.down, d)
			}
			if !tt.down && (len(d.Holds) != 1 || d.Holds[0].Reason != SkipHistory ||
				!strings.Contains(d.Holds[0].Detail(), "cpu 0.10 <= 0.30 but the history reaches back")) {
				t.Fatalf("holds %+v, want one %s", d.Holds, SkipHistory)
			}
		})
	}
}
