package sim

import (
	"fmt"
	"math"
	"time"
)

// Judging ours against legacy: the quality target of issue 6 for each
// trace (scenario) and the goals of issue 15 for a set of them. simulate
// --all-scenarios prints them; README's tables are its output.

// Comparison is one row of the --all-scenarios table: ours against
// legacy on one scenario, and ours with the model off (--compare-model).
type Comparison struct {
	Name         string
	Containers   int
	Legacy, Ours Metrics
	// OursModelOff is ours with the model off, when compared.
	OursModelOff *Metrics
	// Interval is ours' tick on the trace (see Interval).
	Interval time.Duration
	// LeastCoreWaste is the least core waste of any policy that starves
	// the trace no longer, changes it no more often and flaps no more than
	// the target allows (StarvationAllowed, ActionsAllowed, none; least.go),
	// when computed.
	LeastCoreWaste *float64
}

// The quality target of issue 6, ours against legacy, for each scenario.
const (
	targetStarvationReduction = 0.5 // at least half fewer starvation minutes
	targetActionsRatio        = 0.5 // at most half the actions
)

// Misses returns what the row fails of the quality target, empty when it
// meets it: starvation and actions past what the target allows
// (StarvationAllowed, ActionsAllowed, which waive a part the row cannot
// fail for want of anything to improve on: see Ties), more waste than
// legacy's, or a flap.
func (q Comparison) Misses() []string {
	var m []string
	if q.Ours.Avoidable() > q.StarvationAllowed() {
		m = append(m, "starvation")
	}
	if q.Ours.WasteCoreHours > q.Legacy.WasteCoreHours+1e-9 {
		m = append(m, "core waste")
	}
	if q.Ours.WasteGBHours > q.Legacy.WasteGBHours+1e-9 {
		m = append(m, "memory waste")
	}
	if q.Ours.WasteDiskGBHours > q.Legacy.WasteDiskGBHours+1e-9 {
		m = append(m, "disk waste")
	}
	if q.Ours.Actions > q.ActionsAllowed() {
		m = append(m, "actions")
	}
	if q.Ours.Flaps > 0 {
		m = append(m, "flaps")
	}
	return m
}

// Ties says which parts of the target are an inherent tie (issue 15): a
// starvation cut means nothing where legacy starves less than a minute and
// ours no more, nor an action ratio where legacy makes less than one
// action per container and ours no more. Starvation is judged within the
// maxes (Metrics.Avoidable) here and below.
func (q Comparison) Ties() (starved, actions bool) {
	starved = q.Legacy.Avoidable() < 1 && q.Ours.Avoidable() <= 1
	actions = q.Legacy.Actions < float64(q.Containers) && q.Ours.Actions <= q.Legacy.Actions
	return starved, actions
}

// StarvationAllowed is the most starvation within the maxes, in
// container-minutes, with which ours meets the target: half of legacy's,
// or a minute where legacy starves less than one (a tie).
func (q Comparison) StarvationAllowed() float64 {
	if q.Legacy.Avoidable() < 1 {
		return 1
	}
	return (1 - targetStarvationReduction) * q.Legacy.Avoidable()
}

// ActionsAllowed is the most actions with which ours meets the target:
// half of legacy's, or legacy's where it acts less than once per
// container (a tie).
func (q Comparison) ActionsAllowed() float64 {
	if q.Legacy.Actions < float64(q.Containers) {
		return q.Legacy.Actions
	}
	return targetActionsRatio * q.Legacy.Actions
}

// Unattainable says whether no policy can meet the target: even the least
// core waste within the starvation, actions and flaps it allows is more
// than legacy's. False without LeastCoreWaste.
func (q Comparison) Unattainable() bool {
	return q.LeastCoreWaste != nil && *q.LeastCoreWaste > q.Legacy.WasteCoreHours+1e-9
}

// StarvationReduction is 1 - ours/legacy of the starvation within the
// maxes; ok is false when legacy starved for no such minute, where a
// reduction means nothing.
func (q Comparison) StarvationReduction() (float64, bool) {
	if q.Legacy.Avoidable() <= 0 {
		return 0, false
	}
	return 1 - q.Ours.Avoidable()/q.Legacy.Avoidable(), true
}

// The goals of issue 15 for the scenario set as a whole, ours/legacy.
const (
	goalStarved = 0.1
	goalOOM     = 0.2
	goalWaste   = 0.8 // core and memory
	goalActions = 0.3
	// goalReactionIntervals: every sustained step is met within this many
	// of ours' intervals: judged on the worst, since a mean over many steps
	// met at once (a batch job on a container kept large) hides the few
	// that wait minutes.
	goalReactionIntervals = 2
)

// SetGoals judges the set (Total) against the goals of issue 15:
// each goal as "name x (goal)", and whether it is met.
func (q Comparison) SetGoals() (goals []string, met []bool) {
	add := func(ok bool, format string, args ...any) {
		goals = append(goals, fmt.Sprintf(format, args...))
		met = append(met, ok)
	}
	ratio := func(ours, legacy float64) float64 {
		if legacy == 0 {
			if ours == 0 {
				return 0
			}
			return math.Inf(1)
		}
		return ours / legacy
	}
	r := ratio(q.Ours.Avoidable(), q.Legacy.Avoidable())
	if beyond := q.Legacy.StarvationBeyondMaxMinutes; beyond > 0 {
		all := ratio(q.Ours.StarvationMinutes, q.Legacy.StarvationMinutes)
		add(r <= goalStarved, "starved %.3f x (<= %.1f) within the maxes, %.3f x with the %.0f container-min beyond them", r, goalStarved, all, beyond)
	} else {
		add(r <= goalStarved, "starved %.3f x (<= %.1f)", r, goalStarved)
	}
	r = ratio(q.Ours.AvoidableOOMEvents(), q.Legacy.AvoidableOOMEvents())
	if atStart := q.Legacy.OOMEventsAtStart; atStart > 0 {
		all := ratio(q.Ours.OOMEvents, q.Legacy.OOMEvents)
		add(r <= goalOOM, "OOM events %.3f x (<= %.1f) after the first sample, %.3f x with the %.0f at it", r, goalOOM, all, atStart)
	} else {
		add(r <= goalOOM, "OOM events %.3f x (<= %.1f)", r, goalOOM)
	}
	r = ratio(q.Ours.WasteCoreHours, q.Legacy.WasteCoreHours)
	add(r <= goalWaste, "core waste %.3f x (<= %.1f)", r, goalWaste)
	r = ratio(q.Ours.WasteGBHours, q.Legacy.WasteGBHours)
	add(r <= goalWaste, "memory waste %.3f x (<= %.1f)", r, goalWaste)
	r = ratio(q.Ours.Actions, q.Legacy.Actions)
	add(r <= goalActions, "actions %.3f x (<= %.1f)", r, goalActions)
	add(q.Ours.Flaps == 0, "flaps %s (0)", strconvCount(q.Ours.Flaps))
	if q.Ours.TimedSteps() > 0 && q.Interval > 0 {
		worst, mean := q.Ours.ReactionMaxSeconds/q.Interval.Seconds(), q.Ours.ReactionSeconds/q.Interval.Seconds()
		add(worst <= goalReactionIntervals, "every step met in %.1f intervals of %s at worst, %.2f on average (<= %d)", worst, q.Interval, mean, goalReactionIntervals)
	}
	return goals, met
}

// Total is the scenario set as a whole: every scenario's
// container-minutes, hours, actions, flaps and OOM events added up, and
// the reactions averaged over every step, so that a policy is judged on
// all the workloads together as well as on each.
func Total(rows []Comparison) Comparison {
	t := Comparison{Name: "all"}
	var off Metrics
	for _, q := range rows {
		t.Containers += q.Containers
		t.Legacy = AddMetrics(t.Legacy, q.Legacy)
		t.Ours = AddMetrics(t.Ours, q.Ours)
		if q.OursModelOff != nil {
			off = AddMetrics(off, *q.OursModelOff)
			t.OursModelOff = &off
		}
		// The coarsest tick: a step is judged in intervals of the slowest.
		t.Interval = max(t.Interval, q.Interval)
	}
	return t
}

// AddMetrics adds b to a; reactions are averaged over both one's timed
// steps.
func AddMetrics(a, b Metrics) Metrics {
	na, nb := a.TimedSteps(), b.TimedSteps()
	mean := func(x, y float64) float64 {
		switch {
		case nb == 0:
			return x
		case na == 0:
			return y
		}
		return (x*float64(na) + y*float64(nb)) / float64(na+nb)
	}
	out := Metrics{
		StarvationMinutes:          a.StarvationMinutes + b.StarvationMinutes,
		StarvationBeyondMaxMinutes: a.StarvationBeyondMaxMinutes + b.StarvationBeyondMaxMinutes,
		WasteCoreHours:             a.WasteCoreHours + b.WasteCoreHours,
		WasteGBHours:               a.WasteGBHours + b.WasteGBHours,
		WasteDiskGBHours:           a.WasteDiskGBHours + b.WasteDiskGBHours,
		Actions:                    a.Actions + b.Actions,
		Flaps:                      a.Flaps + b.Flaps,
		OOMEvents:                  a.OOMEvents + b.OOMEvents,
		OOMEventsAtStart:           a.OOMEventsAtStart + b.OOMEventsAtStart,
		Steps:                      a.Steps + b.Steps,
		StepsBeyondMax:             a.StepsBeyondMax + b.StepsBeyondMax,
		ReactionSeconds:            mean(a.ReactionSeconds, b.ReactionSeconds),
		ReactionMaxSeconds:         a.ReactionMaxSeconds,
	}
	if nb > 0 && !(na > 0 && a.ReactionMaxSeconds >= b.ReactionMaxSeconds) {
		out.ReactionMaxSeconds = b.ReactionMaxSeconds
	}
	if out.TimedSteps() == 0 {
		out.ReactionSeconds, out.ReactionMaxSeconds = math.NaN(), math.NaN()
	}
	return out
}

// ModelVerdict compares the totals that judge a policy, lower is better.
func ModelVerdict(on, off Metrics) string {
	better, worse := 0, 0
	for _, p := range [][2]float64{
		{on.StarvationMinutes, off.StarvationMinutes}, {on.OOMEvents, off.OOMEvents},
		{on.WasteCoreHours, off.WasteCoreHours}, {on.WasteGBHours, off.WasteGBHours},
		{on.WasteDiskGBHours, off.WasteDiskGBHours}, {on.Actions, off.Actions}, {on.Flaps, off.Flaps},
	} {
		switch {
		case p[0] < p[1]-1e-9:
			better++
		case p[0] > p[1]+1e-9:
			worse++
		}
	}
	switch {
	case better == 0 && worse == 0:
		return "identical: the model changes nothing"
	case worse == 0:
		return "on is better"
	case better == 0:
		return "on is worse"
	}
	return "mixed: on is better on some totals, worse on others"
}

// strconvCount prints a count, or a mean of counts with one decimal.
func strconvCount(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}
