package scaling

import (
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/relief"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/undone"
)

// undoneWithin: an increase this soon after a decrease undid it
// (controller/scaling/undone, which counts them and lengthens the cores'
// down cooldown after each).
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
// guess decays sooner, relief.go); for cores, undone.Cooldown.
//
// Memory keeps its cooldown: the decreases of a leak restarted every few
// hours are undone as it leaks again, and holding its memory after each
// restart added 4.5-5.3 points of memory waste over a week (seeds 1 and
// 2) for a fifth fewer of its actions; a heap's sawtooth is already held
// by the floors (Rules.Need).
func downCooldown(res Resource, base time.Duration, last Action) time.Duration {
	if last.Relief && last.Direction == Up && last.Undone == 0 {
		return min(base, relief.Decay)
	}
	if res != ResourceCores {
		return base
	}
	return undone.Cooldown(base, undoneAct(last))
}
