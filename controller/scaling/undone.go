package scaling

import (
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/relief"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/undone"
)

// undoneWithin: an increase this soon after a decrease undid it
// (controller/scaling/undone, which counts them and lengthens the
// down cooldown after each: cores, and memory fast relief grew back).
const undoneWithin = undone.Within

// undoneAct is a as package undone counts it.
func undoneAct(a Action) undone.Act {
	return undone.Act{Dir: undoneDirs[a.Direction], Time: a.Time, Count: a.Undone, Relief: a.Relief, Jobs: a.Jobs}
}

var undoneDirs = map[Direction]undone.Direction{Up: undone.Up, Down: undone.Down}

// undoneAfter is the Undone and Jobs counts of act, the next action
// on res after the last one recorded in last (undone.After, undone.Jobs).
func undoneAfter(last map[Resource]Action, res Resource, act Action) (uint8, uint8) {
	prev, ok := last[res]
	return undone.After(undoneAct(prev), ok, undoneAct(act)), undone.Jobs(undoneAct(prev), ok, undoneAct(act))
}

// downCooldown is the wait before a decrease of res after last: at most
// relief.Decay after an increase fast relief made that undid none (its
// guess decays sooner, relief.go); undone.Cooldown for cores, and for
// memory fast relief grew back (an OOM kill on a real host: a CI runner's
// random jobs met memory shrunk after each quiet hour). Memory the
// ordinary rules grew back keeps its cooldown: holding a leak's memory
// after each restart added 4.5-5.3 points of memory waste over a week.
func downCooldown(res Resource, base time.Duration, last Action) time.Duration {
	if last.Relief && last.Direction == Up && last.Undone == 0 {
		return min(base, relief.Decay)
	}
	if res != ResourceCores && !last.Relief || res == ResourceCores && jobsInARow(last) {
		return base
	}
	return undone.Cooldown(base, undoneAct(last))
}

// withJobs raises the floor of a decrease to what the last day used at
// most once relief increases marked jobs at random times (Action.Jobs):
// each decrease to the idle level met the next job pinned at the limit,
// an OOM kill on a real host, which costs more than the GB-hours; a day
// without a job lets it go. Cores need undone.InARow too: a log shipper's
// bursts an hour or two apart undid each decrease to 1 core (a flap one
// time in three) and relief's jump overshot to 3 cores for the lengthened
// cooldown, 48 actions and 393 core-h a week; held at what the day's most
// needs, 7 and 301.
func (dc *decider) withJobs(u utilisation) utilisation {
	last, ok := dc.st.LastAction[u.res]
	if !ok || last.Jobs < undone.JobsSeen || dc.sig.History == nil || u.res == ResourceCores && !jobsInARow(last) {
		return u
	}
	most, memory := dc.sig.History.Highest(24 * time.Hour)
	if u.res != ResourceCores {
		most = memory
	}
	if f := dc.r.Need(u.res, most); most > 0 && f > u.floor {
		u.floor, u.rec, u.season = f, RecFloor{Floor: f, Pct: 100, Usage: most, Days: 1}, Recurring{}
	}
	return u
}

// jobsInARow reports whether relief marked jobs at random times on cores
// whose last decreases it undid in a row (undone.InARow): withJobs floors
// their decreases at the day's most, so the lengthened cooldown guards
// nothing and only holds relief's overshoot.
func jobsInARow(last Action) bool {
	return last.Jobs >= undone.JobsSeen && last.Undone >= undone.InARow
}
