package controller

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// A state written before the clock went back holds times in the future:
// loaded, they count from now, so a cooldown lasts one cooldown and not
// until the clock catches up.
func TestStateFromTheFutureCountsFromNow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	future := now.Add(240 * time.Hour)
	st := NewState()
	st.Containers[101] = &scaling.ContainerState{
		LastAction: map[scaling.Resource]scaling.Action{scaling.ResourceCores: {Time: future, Direction: scaling.Up, From: 1, To: 2}},
		Failures:   3, RetryAfter: future,
	}
	if err := st.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := LoadState(path, now)
	if err != nil {
		t.Fatal(err)
	}
	cs := got.Containers[101]
	if a := cs.LastAction[scaling.ResourceCores]; !a.Time.Equal(now) {
		t.Errorf("last action at %v, want now (%v)", a.Time, now)
	}
	if cs.RetryAfter.After(now.Add(30 * time.Minute)) {
		t.Errorf("retry after %v: more than the longest backoff from now", cs.RetryAfter)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
}
