package sim

import (
	"math"
	"reflect"
	"testing"
	"time"
)

// TestQualityOfTheSet: the set is judged on its sums, so a scenario that
// misses can be outweighed, and one flap anywhere is a flap of the set.
func TestQualityOfTheSet(t *testing.T) {
	rows := []Comparison{
		{Containers: 4,
			Legacy: Metrics{StarvationMinutes: 100, WasteCoreHours: 10, WasteGBHours: 10, Actions: 20},
			Ours:   Metrics{StarvationMinutes: 10, WasteCoreHours: 4, WasteGBHours: 5, Actions: 2}},
		{Containers: 2,
			Legacy: Metrics{StarvationMinutes: 1, WasteCoreHours: 2, WasteGBHours: 1, Actions: 2},
			Ours:   Metrics{StarvationMinutes: 2, WasteCoreHours: 6, WasteGBHours: 1, Actions: 4}},
	}
	rows[0].Ours.Steps, rows[0].Ours.ReactionSeconds, rows[0].Ours.ReactionMaxSeconds = 3, 10, 20
	rows[1].Ours.Steps, rows[1].Ours.ReactionSeconds, rows[1].Ours.ReactionMaxSeconds = 1, 50, 50
	set := Total(rows)
	want := Metrics{StarvationMinutes: 12, WasteCoreHours: 10, WasteGBHours: 6, Actions: 6,
		Steps: 4, ReactionSeconds: (3*10 + 50) / 4.0, ReactionMaxSeconds: 50}
	if set.Containers != 6 || set.Ours != want || set.Legacy.Actions != 22 || !math.IsNaN(set.Legacy.ReactionSeconds) {
		t.Fatalf("totalQuality = %+v, want 6 containers, ours %+v, 22 legacy actions, no legacy step", set, want)
	}
	if m := rows[1].Misses(); len(m) == 0 {
		t.Fatalf("the second row meets the target; the test needs one that misses")
	}
	if m := set.Misses(); m != nil {
		t.Errorf("set misses %q, want it to meet the target", m)
	}
	rows[1].Ours.Flaps = 1
	if m := Total(rows).Misses(); !reflect.DeepEqual(m, []string{"flaps"}) {
		t.Errorf("set with one flap misses %q, want flaps", m)
	}
}

func TestQualityVerdict(t *testing.T) {
	legacy := Metrics{StarvationMinutes: 100, WasteCoreHours: 10, WasteGBHours: 10, Actions: 10}
	cases := []struct {
		name string
		ours Metrics
		want []string
	}{
		{"meets", Metrics{StarvationMinutes: 50, WasteCoreHours: 10, WasteGBHours: 5, Actions: 5}, nil},
		{"starves", Metrics{StarvationMinutes: 51, WasteCoreHours: 1, WasteGBHours: 1, Actions: 1}, []string{"starvation"}},
		{"wastes and acts", Metrics{WasteCoreHours: 11, WasteGBHours: 10.5, Actions: 6, Flaps: 1}, []string{"core waste", "memory waste", "actions", "flaps"}},
	}
	for _, c := range cases {
		got := Comparison{Legacy: legacy, Ours: c.ours}.Misses()
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: misses = %q, want %q", c.name, got, c.want)
		}
	}
	noStarvation := Comparison{Legacy: Metrics{}, Ours: Metrics{StarvationMinutes: 2}}
	if got := noStarvation.Misses(); !reflect.DeepEqual(got, []string{"starvation"}) {
		t.Errorf("ours starving where legacy never did: misses = %q", got)
	}
	// Ties: legacy starving under a minute and acting under once per
	// container leaves nothing to halve; ours doing no more meets it.
	tie := Comparison{Containers: 4, Legacy: Metrics{StarvationMinutes: 0.5, Actions: 3}, Ours: Metrics{StarvationMinutes: 0.5, Actions: 3}}
	if got := tie.Misses(); got != nil {
		t.Errorf("inherent ties: misses = %q, want none", got)
	}
	tie.Ours.Actions = 4
	if got := tie.Misses(); !reflect.DeepEqual(got, []string{"actions"}) {
		t.Errorf("more actions than a legacy that barely acts: misses = %q, want actions", got)
	}
}

// TestQualitySetGoals: the set is judged against issue 15's goals, each
// named with its ratio.
func TestQualitySetGoals(t *testing.T) {
	q := Comparison{Interval: 10 * time.Second,
		Legacy: Metrics{StarvationMinutes: 1000, OOMEvents: 10, WasteCoreHours: 100, WasteGBHours: 100, Actions: 100},
		Ours:   Metrics{StarvationMinutes: 100, OOMEvents: 3, WasteCoreHours: 80, WasteGBHours: 50, Actions: 30, Steps: 2, ReactionSeconds: 15, ReactionMaxSeconds: 25}}
	goals, met := q.SetGoals()
	want := []string{"starved 0.100 x (<= 0.1)", "OOM events 0.300 x (<= 0.2)", "core waste 0.800 x (<= 0.8)", "memory waste 0.500 x (<= 0.8)",
		"actions 0.300 x (<= 0.3)", "flaps 0 (0)", "every step met in 2.5 intervals of 10s at worst, 1.50 on average (<= 2)"}
	if !reflect.DeepEqual(goals, want) || !reflect.DeepEqual(met, []bool{true, false, true, true, true, true, false}) {
		t.Errorf("setGoals = %q, %v; want %q with OOM and the step missed", goals, met, want)
	}
}

// TestModelVerdict: lower is better on every total that judges a policy.
func TestModelVerdict(t *testing.T) {
	base := Metrics{StarvationMinutes: 10, OOMEvents: 2, WasteCoreHours: 5, WasteGBHours: 5, Actions: 4}
	better, worse, mixed := base, base, base
	better.OOMEvents = 1
	worse.Flaps = 1
	mixed.StarvationMinutes, mixed.WasteGBHours = 5, 6
	for _, c := range []struct {
		on   Metrics
		want string
	}{
		{base, "identical: the model changes nothing"},
		{better, "on is better"},
		{worse, "on is worse"},
		{mixed, "mixed: on is better on some totals, worse on others"},
	} {
		if got := ModelVerdict(c.on, base); got != c.want {
			t.Errorf("ModelVerdict(%+v, base) = %q, want %q", c.on, got, c.want)
		}
	}
}
