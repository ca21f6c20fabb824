package scaling

import (
	"testing"
	"time"
)

// TestRunaway: cores pinned since a growth that changed nothing else, of
// a container the model finds anomalous and that rose from a calm level,
// hold; demand (something else moved, no calm level, a modest rise, a
// growth that relieved it) and a container the model does not flag grow
// as relief says. Once held, the hold lasts while the evidence does,
// whatever the model and the window say.
func TestRunaway(t *testing.T) {
	grown := func() ContainerState {
		return ContainerState{LastAction: map[Resource]Action{
			ResourceCores: {Time: decideNow.Add(-35 * time.Second), Direction: Up, From: 1, To: 2},
		}}
	}
	runaway := func(in *decideInput) {
		in.sig.CPU = cpuFor(30*time.Second, 1.0)
		in.rules.CPU.Max, in.rules.CooldownUp = 8, 30*time.Second
		in.st = grown()
		in.sig.AnomalousSince, in.sig.Score = decideNow.Add(-time.Minute), 0.7
		in.sig.Activity = Activity{CoresShort: 1.6, CoresLong: 0.6, CoresCalm: 0.5, CalmShare: 0.9, IOShort: 1.06 * ioFloor, IOLong: ioFloor, NetShort: 1e5, NetLong: 1e5}
	}
	with := func(f func(*decideInput)) func(*decideInput) {
		return func(in *decideInput) { runaway(in); f(in) }
	}
	latched := func(in *decideInput) {
		runaway(in)
		in.st.Runaway = decideNow.Add(-3 * time.Hour)
		in.sig.AnomalousSince, in.sig.Score = time.Time{}, 0.5
		in.sig.Activity = Activity{CoresShort: 2, CoresLong: 2, CalmShare: 0, NetShort: 1.1 * ioFloor, NetLong: 1.05 * ioFloor}
	}
	grows := []Change{up(ResourceCores, 2, 3)}
	cases := []struct {
		decideCase
		since time.Time // the Decision's Runaway
	}{
		{decideCase{name: "pinned again after a growth, nothing else moved, anomalous: held", edit: runaway,
			holds: []Hold{held(ResourceCores, SkipAnomalous)},
			text:  "cpu pinned at 2 cores as at 1, 2.0 busy, while memory, io and network did not move (+3 % at most): a runaway process?"}, decideNow},
		{decideCase{name: "the model does not flag it: relief grows", edit: with(func(in *decideInput) { in.sig.AnomalousSince = time.Time{} }),
			changes: grows}, time.Time{}},
		{decideCase{name: "memory, io or network moved with it: demand grows", edit: with(func(in *decideInput) { in.sig.Activity.MemShort, in.sig.Activity.MemLong = 0.5, 0.25 }),
			changes: grows}, time.Time{}},
		{decideCase{name: "pinned all along, no calm level to rise from: demand grows", edit: with(func(in *decideInput) { in.sig.Activity.CalmShare = 0.05 }),
			changes: grows}, time.Time{}},
		{decideCase{name: "less than twice the calm level: grows", edit: with(func(in *decideInput) { in.sig.Activity.CoresCalm = 1.2 }),
			changes: grows}, time.Time{}},
		{decideCase{name: "pinned at an allocation no rise from the calm level before the growth: grows", edit: with(func(in *decideInput) { in.sig.Activity.CoresCalm = 0.6 }),
			changes: grows}, time.Time{}},
		{decideCase{name: "no io or network rates known: no evidence, grows", edit: with(func(in *decideInput) {
			in.sig.Activity.IOShort, in.sig.Activity.IOLong, in.sig.Activity.NetShort, in.sig.Activity.NetLong = 0, 0, 0, 0
		}), changes: grows}, time.Time{}},
		{decideCase{name: "the growth relieved it for a sample: the ordinary rules", edit: with(func(in *decideInput) {
			in.sig.CPU[len(in.sig.CPU)-2].Value = 0.8
		}), holds: []Hold{held(ResourceCores, SkipStabilizing)}}, time.Time{}},
		{decideCase{name: "pinned before any growth: relief grows first", edit: with(func(in *decideInput) { in.st = ContainerState{} }),
			changes: grows}, time.Time{}},
		{decideCase{name: "the last change was a decrease: not a growth that changed nothing", edit: with(func(in *decideInput) {
			in.st = ContainerState{LastAction: map[Resource]Action{ResourceCores: {Time: decideNow.Add(-35 * time.Second), Direction: Down, From: 3, To: 2}}}
		}), changes: grows}, time.Time{}},
		{decideCase{name: "held before: stays held without the model or a calm level", edit: latched,
			holds: []Hold{held(ResourceCores, SkipAnomalous)}, text: "held since " + decideNow.Add(-3*time.Hour).UTC().Format(time.RFC3339)},
			decideNow.Add(-3 * time.Hour)},
		{decideCase{name: "held before, now memory, io or network moved: grows, the hold ends", edit: func(in *decideInput) {
			latched(in)
			in.sig.Activity.IOShort = 3 * ioFloor
		}, changes: grows}, time.Time{}},
		{decideCase{name: "held before, no longer pinned: the hold ends", edit: func(in *decideInput) {
			latched(in)
			in.sig.CPU = cpuFor(30*time.Second, 0.5)
		}}, time.Time{}},
		{decideCase{name: "memory pinned after a growth is not a runaway", edit: func(in *decideInput) {
			runaway(in)
			in.sig.CPU = cpuFor(time.Minute, 0.5)
			in.sig.Memory = memFor(30*time.Second, 2048)
			in.st.LastAction[ResourceMemory] = Action{Time: decideNow.Add(-35 * time.Second), Direction: Up, From: 1536, To: 2048}
		}, changes: []Change{up(ResourceMemory, 2048, 4096)}}, time.Time{}},
	}
	tests := make([]decideCase, len(cases))
	for i, c := range cases {
		tests[i] = c.decideCase
	}
	runDecideCases(t, tests)
	for _, c := range cases {
		in := steadyInput()
		c.edit(&in)
		if got := Decide(in.sig, in.policy, in.rules, in.st, in.now).Runaway; !got.Equal(c.since) {
			t.Errorf("%s: Decision.Runaway = %v, want %v", c.name, got, c.since)
		}
	}
}

// ioFloor is activity's floor of io and network rates (64 KiB/s).
const ioFloor = 64 << 10
