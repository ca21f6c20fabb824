package scaling

import (
	"testing"
	"time"
)

// A CI runner's jobs come at random times. Its memory, shrunk to the idle
// level after a quiet hour, was pinned by the next job 40 minutes later
// and relief grew it back, twice: Record counts the increases (Jobs) and
// carries the count through the decrease after them. The next decrease,
// after another quiet hour at 300 MiB, stops at what the last day's most
// (a 4 GiB job) needs, 4096/0.75 = 5462 MiB, instead of the idle level.
// One such job is no pattern yet (a nightly job after a new container's
// first decrease), nor is the second relief when it came 7 hours after the
// decrease (a weekly report after a night's decrease): those decreases go
// to the idle level as before.
func TestDecreaseKeepsTheJobsMemoryWhileReliefUndoesDecreases(t *testing.T) {
	t0 := decideNow.Add(-12 * time.Hour)
	record := func(st *ContainerState, at time.Duration, dir Direction, relief bool) {
		c := Change{Resource: ResourceMemory, Direction: dir, From: 1024, To: 6144}
		if relief {
			c.why.flags |= whyRelief
		}
		st.Record([]Outcome{{Change: c, Result: ResultApplied}}, t0.Add(at), nil)
	}
	decide := func(st ContainerState) Decision {
		in := steadyInput()
		in.rules.CPU.Enabled, in.rules.Memory.Target = false, 0.7
		in.sig.Alloc.MemoryMiB = 6144
		in.sig.Memory, in.sig.MemoryPeak = usage(decideNow, time.Hour, 300*mib, 0, 0), 300*mib
		for i := range in.sig.Memory {
			in.sig.Memory[i].Value = 300 * mib
		}
		sig, h := lazy(in.sig, in.now)
		h.memoryHighest = 4096 * mib // the last day's job
		return Decide(sig, in.policy, in.rules, st, in.now)
	}

	for _, c := range []struct {
		name   string
		second time.Duration // the second relief after the second decrease, 0 for none
		to     func(int64) bool
	}{
		{"two jobs pinned it within the hour", 40 * time.Minute, func(to int64) bool { return to == 5462 }},
		{"one job pinned it", 0, func(to int64) bool { return to < 2048 }},
		{"the second 7 h after the decrease", 7 * time.Hour, func(to int64) bool { return to < 2048 }},
	} {
		var st ContainerState
		record(&st, 0, Down, false)
		record(&st, 40*time.Minute, Up, true)
		if c.second > 0 {
			record(&st, 2*time.Hour, Down, false)
			record(&st, 2*time.Hour+c.second, Up, true)
		}
		record(&st, 11*time.Hour, Down, false)
		d := decide(st)
		if len(d.Changes) != 1 || !c.to(d.Changes[0].To) {
			t.Errorf("%s (Jobs %d): changes %+v holds %+v", c.name, st.LastAction[ResourceMemory].Jobs, d.Changes, d.Holds)
		}
	}
}

// A log shipper's bursts come an hour or two apart. Its cores, shrunk to
// 1 after a quiet hour, were pinned by the next burst 40 minutes later and
// relief grew them back, twice in a row: the next decrease stops at what
// the last day's most (1.7 busy) needs below the up threshold 0.75, 3
// cores, instead of 1. A nightly job's relief undid two decreases too, but
// a night apart: the decrease between held past undone.Within (an
// increase ahead of the next night came first), so the next decrease
// goes to 1 core as before; so does one whose bursts undid only the
// second decrease.
func TestDecreaseKeepsTheBurstsCoresWhileReliefUndoesDecreasesInARow(t *testing.T) {
	t0 := decideNow.Add(-30 * time.Hour)
	record := func(st *ContainerState, at time.Duration, dir Direction, relief bool) {
		c := Change{Resource: ResourceCores, Direction: dir, From: 1, To: 4}
		if dir == Down {
			c.From, c.To = 4, 1
		}
		if relief {
			c.why.flags |= whyRelief
		}
		st.Record([]Outcome{{Change: c, Result: ResultApplied}}, t0.Add(at), nil)
	}
	for _, c := range []struct {
		name string
		acts []time.Duration // down, up by relief (negative: up by another rule), ...
		to   int64
	}{
		{"bursts undid two decreases in a row", []time.Duration{0, 40 * time.Minute, 2 * time.Hour, 2*time.Hour + 40*time.Minute}, 3},
		{"a nightly job", []time.Duration{0, 40 * time.Minute, 2 * time.Hour, -24 * time.Hour, 25 * time.Hour, 25*time.Hour + 35*time.Minute}, 1},
		{"one decrease undone", []time.Duration{0, 40 * time.Minute}, 1},
	} {
		var st ContainerState
		for i, at := range c.acts {
			if i%2 == 0 {
				record(&st, at, Down, false)
			} else {
				record(&st, max(at, -at), Up, at > 0)
			}
		}
		record(&st, 28*time.Hour, Down, false)
		in := coresDown(4, 0.02, 0.08, 0.8)
		sig, h := lazy(in.sig, in.now)
		h.cpuHighest = 1.7
		d := Decide(sig, in.policy, in.rules, st, in.now)
		if a := st.LastAction[ResourceCores]; len(d.Changes) != 1 || d.Changes[0].To != c.to {
			t.Errorf("%s (Jobs %d, Undone %d): changes %+v holds %+v; want 4 -> %d", c.name, a.Jobs, a.Undone, d.Changes, d.Holds, c.to)
		}
	}
}

// Relief grew the log shipper's cores to 4 for its burst, undoing the
// second decrease in a row. Decreases stop at the day's most's need now
// (3 cores for 1.7 busy), so the cooldown lengthened per decrease undone
// (15 minutes x 4) would only hold relief's overshoot: 30 minutes later,
// past the plain cooldown, the 4th core goes. Before relief marked jobs
// (one relief so far), the lengthened cooldown still holds.
func TestBurstsCoresGoBackToTheirFloorAfterThePlainCooldown(t *testing.T) {
	for _, c := range []struct {
		name            string
		jobs, undone    uint8
		changes, holdTo int
	}{
		{"jobs undid decreases in a row", 2, 2, 1, 3},
		{"one job seen", 1, 2, 0, 0},
	} {
		in := coresDown(4, 0.02, 0.08, 0.8)
		st := undoneUp(ResourceCores, 30*time.Minute, c.undone)
		a := st.LastAction[ResourceCores]
		a.Relief, a.Jobs = true, c.jobs
		st.LastAction[ResourceCores] = a
		sig, h := lazy(in.sig, in.now)
		h.cpuHighest = 1.7
		d := Decide(sig, in.policy, in.rules, st, in.now)
		if len(d.Changes) != c.changes || c.changes > 0 && d.Changes[0].To != int64(c.holdTo) {
			t.Errorf("%s: changes %+v holds %+v; want %d change(s) to %d cores", c.name, d.Changes, d.Holds, c.changes, c.holdTo)
		}
	}
}
