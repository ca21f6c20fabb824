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
	return undone.Act{Dir: undoneDirs[a.Direction], Time: a.Time, Count: a.Undone}
}

var undoneDirs = map[Direction]undone.Direction{Up: undone.Up, Down: undone.Down}

// undoneAfter is the Undone count of act, the next action on res after
// the last one recorded in last (undone.After).
func undoneAfter(last map[Resource]Action, res Resource, act Action) uint8 {
	prev, ok := last[res]
	return undone.After(undoneAct(prev), ok, undoneAct(act))
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
	if res != ResourceCores && !last.Relief {
		return base
	}
	return undone.Cooldown(base, undoneAct(last))
}
