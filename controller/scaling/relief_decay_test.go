package scaling

import (
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/relief"
)

// TestReliefDecay: what relief granted is given back once the samples
// since it settled all read below the down line, after relief.Decay (not
// the longer down cooldown) and without the stabilisation period, which
// still holds the pinned samples before it; an ordinary increase, one
// whose capacity is used, or one that undid decreases keeps the rules.
func TestReliefDecay(t *testing.T) {
	// granted: 4 cores a relief made 36 minutes ago, pinned before it,
	// at 0.2 since; an hour's stabilisation and down cooldown.
	granted := func(in *decideInput) {
		in.sig.Alloc.Cores = 4
		in.sig.CPU = usage(decideNow, time.Hour, 1.0, 36*time.Minute, 0.2)
		in.rules.CooldownDown, in.rules.StabilizationDown = time.Hour, time.Hour
		in.st = ContainerState{LastAction: map[Resource]Action{ResourceCores: {Time: decideNow.Add(-36 * time.Minute), Direction: Up, From: 2, To: 4, Relief: true}}}
	}
	runDecideCases(t, []decideCase{
		{name: "unused for relief.Decay: decreased", edit: granted,
			changes: []Change{down(ResourceCores, 4, 3)}, text: "for 35m40s"},
		{name: "under cpu pressure all the same", edit: func(in *decideInput) {
			granted(in)
			in.sig.PressureCPU = 60
		}, changes: []Change{down(ResourceCores, 4, 3)}},
		{name: "an ordinary increase keeps the down cooldown", edit: func(in *decideInput) {
			granted(in)
			a := in.st.LastAction[ResourceCores]
			a.Relief = false
			in.st.LastAction[ResourceCores] = a
		}, holds: []Hold{held(ResourceCores, SkipStabilizing)}},
		{name: "before relief.Decay: the cooldown holds", edit: func(in *decideInput) {
			granted(in)
			in.sig.CPU = usage(decideNow, time.Hour, 1.0, 34*time.Minute, 0.2)
			a := in.st.LastAction[ResourceCores]
			a.Time = decideNow.Add(-34 * time.Minute)
			in.st.LastAction[ResourceCores] = a
		}, holds: []Hold{held(ResourceCores, SkipStabilizing)}},
		{name: "used since: a sample above the down line", edit: func(in *decideInput) {
			granted(in)
			in.sig.CPU[len(in.sig.CPU)-60].Value = 0.5
		}, holds: []Hold{held(ResourceCores, SkipStabilizing)}},
		{name: "a relief that undid decreases keeps its longer cooldown", edit: func(in *decideInput) {
			granted(in)
			a := in.st.LastAction[ResourceCores]
			a.Undone = 1
			in.st.LastAction[ResourceCores] = a
		}, holds: []Hold{held(ResourceCores, SkipCooldown)}},
	})
}

// TestRecordMarksRelief: Record remembers which increase relief made.
func TestRecordMarksRelief(t *testing.T) {
	in := steadyInput()
	in.sig.CPU = cpuFor(10*time.Second, 1.0)
	d := Decide(in.sig, "", in.rules, in.st, in.now)
	in2 := steadyInput()
	in2.sig.CPU = cpuFor(2*time.Minute, 0.9)
	d2 := Decide(in2.sig, "", in2.rules, in2.st, in2.now)
	if len(d.Changes) != 1 || len(d2.Changes) != 1 {
		t.Fatalf("changes %v and %v, want one each", d.Changes, d2.Changes)
	}
	var st ContainerState
	st.Record([]Outcome{{Change: d.Changes[0], Result: ResultApplied}}, decideNow, nil)
	if !st.LastAction[ResourceCores].Relief {
		t.Errorf("a relief's increase recorded as %+v, want Relief", st.LastAction[ResourceCores])
	}
	st.Record([]Outcome{{Change: d2.Changes[0], Result: ResultApplied}}, decideNow, nil)
	if st.LastAction[ResourceCores].Relief {
		t.Errorf("an ordinary increase recorded as %+v, want no Relief", st.LastAction[ResourceCores])
	}
	if got := downCooldown(ResourceMemory, time.Hour, Action{Direction: Up, Relief: true}); got != relief.Decay {
		t.Errorf("down cooldown after a relief = %v, want %v", got, relief.Decay)
	}
	if got := downCooldown(ResourceMemory, 20*time.Minute, Action{Direction: Up, Relief: true}); got != 20*time.Minute {
		t.Errorf("down cooldown after a relief under a shorter cooldown_down = %v, want it", got)
	}
}
