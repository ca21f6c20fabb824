package takeover

import (
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

var t0 = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// The failures a span implies are DefaultBackoff's ladder: failing at the
// start and at every retry.
func TestLadder(t *testing.T) {
	for _, c := range []struct {
		span     time.Duration
		failures int
		retry    time.Duration
	}{
		{0, 1, 30 * time.Second},
		{29 * time.Second, 1, 30 * time.Second},
		{30 * time.Second, 2, 90 * time.Second},
		{10 * time.Minute, 5, 930 * time.Second},    // README's example
		{2000 * time.Second, 7, 3690 * time.Second}, // 0, 30, 90, 210, 450, 930, 1890 s
		{24 * time.Hour, 7 + 46, 24*time.Hour + 90*time.Second},
	} {
		f, r := Ladder(t0, t0.Add(c.span))
		if f != c.failures || !r.Equal(t0.Add(c.retry)) {
			t.Errorf("span %s: %d failures, retry at +%s; want %d, +%s", c.span, f, r.Sub(t0), c.failures, c.retry)
		}
	}
}

// Inherit never shortens a backoff the record holds, skips a run that
// stopped being decided (a container forgotten, a paused one), and drops
// every run.
func TestInheritKeepsLongerBackoffsAndSkipsStaleRuns(t *testing.T) {
	r := Runs{Interval: 10 * time.Second}
	up := []scaling.Change{{Resource: scaling.ResourceCores, Direction: scaling.Up, From: 1, To: 2}}
	for i := range 10 { // 90 s: fewer failures than the record holds
		at := t0.Add(time.Duration(i) * 10 * time.Second)
		r.Note(101, scaling.ModeEnforce, up, at)
		r.Note(101, scaling.ModeEnforce, up, at) // decided again in the pass
		if i < 5 {
			r.Note(102, scaling.ModeEnforce, up, at)
		}
	}
	states := map[int]*scaling.ContainerState{101: {Failures: 5, RetryAfter: t0.Add(time.Hour)}}
	state := func(vmid int) *scaling.ContainerState {
		if states[vmid] == nil {
			states[vmid] = &scaling.ContainerState{}
		}
		return states[vmid]
	}
	if n := r.Inherit(t0.Add(100*time.Second), state); n != 1 {
		t.Errorf("%d containers given backoffs, want 1", n)
	}
	if st := states[101]; st.Failures != 5 || !st.RetryAfter.Equal(t0.Add(time.Hour)) {
		t.Errorf("a longer backoff shortened to %+v", st)
	}
	if states[102] != nil {
		t.Errorf("a run last decided 60 s before the takeover gave %+v", states[102])
	}
	if n := r.Inherit(t0.Add(110*time.Second), state); n != 0 {
		t.Errorf("runs kept after a takeover: %d taken again", n)
	}
	// A run of 90 s: failures at 0, 30 and 90 s.
	for i := range 10 {
		r.Note(103, scaling.ModeEnforce, up, t0.Add(time.Duration(i)*10*time.Second))
	}
	r.Inherit(t0.Add(100*time.Second), state)
	if st := states[103]; st.Failures != 3 || !st.RetryAfter.Equal(t0.Add(210*time.Second)) {
		t.Errorf("a run of 90 s gave %+v, want 3 failures (0, 30, 90 s) and a retry at 210 s", st)
	}
}
