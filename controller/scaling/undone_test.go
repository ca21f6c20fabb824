package scaling

import (
	"testing"
	"time"
)

// TestRecordCountsUndoneDecreases follows a resource through the actions
// of a workload with bursts every few hours, then one whose decrease held:
// Record counts each decrease that an increase undid within undoneWithin,
// carries the count through decreases and relief steps, and halves it
// each time a decrease holds.
func TestRecordCountsUndoneDecreases(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	steps := []struct {
		after time.Duration // since t0
		dir   Direction
		want  uint8
	}{
		{0, Up, 0},                         // nothing to undo
		{1 * time.Hour, Down, 0},           // carries the increase's 0
		{2 * time.Hour, Up, 1},             // undid it an hour later
		{2*time.Hour + time.Minute, Up, 1}, // a relief step carries it
		{4 * time.Hour, Down, 1},
		{5 * time.Hour, Down, 1}, // a second step down carries it
		{7 * time.Hour, Up, 2},   // undone 2 h after the last decrease
		{9 * time.Hour, Down, 2},
		{15*time.Hour + time.Second, Up, 1}, // it held past undoneWithin: halved
		{16 * time.Hour, Down, 1},
		{22*time.Hour + time.Second, Up, 0}, // held again
	}
	for _, mode := range []string{ResultApplied, ResultDryRun} {
		var st ContainerState
		for _, s := range steps {
			now := t0.Add(s.after)
			st.Record([]Outcome{{Change: Change{Resource: ResourceCores, Direction: s.dir, From: 2, To: 3}, Result: mode}}, now, nil)
			actions := st.LastAction
			if mode == ResultDryRun {
				actions = st.DryRunAction
			}
			if got := actions[ResourceCores].Undone; got != s.want {
				t.Fatalf("%s: after %s at +%s: Undone = %d, want %d", mode, s.dir, s.after, got, s.want)
			}
		}
	}
}

func TestDownCooldownDoublesUpToUndoneWithin(t *testing.T) {
	if got := downCooldown(ResourceMemory, 45*time.Minute, Action{Direction: Up, Undone: 3}); got != 45*time.Minute {
		t.Errorf("downCooldown(memory, 45m, 3 undone) = %s, want the cooldown as it is", got)
	}
	// Memory pinned at its limit after a decrease (an OOM kill in real
	// life) lengthens memory's cooldown as undone cores do.
	if got := downCooldown(ResourceMemory, 45*time.Minute, Action{Direction: Up, Undone: 2, Relief: true}); got != 3*time.Hour {
		t.Errorf("downCooldown(memory, 45m, relief after 2 undone) = %s, want 3h", got)
	}
	up := func(n uint8) Action { return Action{Direction: Up, Undone: n} }
	cases := []struct {
		base time.Duration
		last Action
		want time.Duration
	}{
		{45 * time.Minute, up(0), 45 * time.Minute},
		{45 * time.Minute, up(1), 90 * time.Minute},
		{45 * time.Minute, up(3), 6 * time.Hour},
		{45 * time.Minute, up(8), 6 * time.Hour},
		{45 * time.Minute, Action{Direction: Down, Undone: 3}, 45 * time.Minute}, // a decrease after a decrease
		{8 * time.Hour, up(3), 8 * time.Hour},                                    // an operator's longer cooldown stands
		{time.Minute, up(255), 256 * time.Minute},                                // maxUndone doublings at most
	}
	for _, c := range cases {
		if got := downCooldown(ResourceCores, c.base, c.last); got != c.want {
			t.Errorf("downCooldown(cores, %s, %+v) = %s, want %s", c.base, c.last, got, c.want)
		}
	}
}
