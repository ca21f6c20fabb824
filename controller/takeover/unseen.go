package takeover

import (
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// Unseen is the Direction of a last action NoteUnseen notes: no change
// was seen, but one may have been made before the replica's knowledge of
// the container begins.
const Unseen scaling.Direction = "unseen"

// NoteUnseen notes on st (created when nil and something is noted) that
// each resource of alloc may have been changed, unseen, as late as at:
// when the replica's knowledge of the container's allocation begins (its
// first listing, or the oldest sample of the history it folded from
// lxc_metrics.json or the RRD). A previous leader's change made before
// then shows in no listing as a change, so the engine cannot note it; the
// latest time it can have been made is where the cooldowns start. The
// note is marked Unknown, so that a later listing's change is never taken
// for one the replica made.
//
// A resource whose last action is as late keeps it; one whose last known
// action is earlier but still within longest keeps that action, moved to
// at. An unseen change noted
// before moves to at when at is earlier (history folded since reaches
// further back), and goes once at is older than longest, the longest
// cooldown: it would hold nothing.
func NoteUnseen(st *scaling.ContainerState, alloc scaling.Allocation, at, now time.Time, longest time.Duration) *scaling.ContainerState {
	held := at.Add(longest).After(now)
	for _, r := range [...]struct {
		res scaling.Resource
		v   int64
	}{
		{scaling.ResourceCores, int64(alloc.Cores)}, {scaling.ResourceMemory, int64(alloc.MemoryMiB)},
		{scaling.ResourceSwap, int64(alloc.SwapMiB)}, {scaling.ResourceDisk, int64(alloc.DiskBytes)},
	} {
		var last scaling.Action
		ok := false
		if st != nil {
			last, ok = st.LastAction[r.res]
		}
		switch {
		case ok && last.Direction == Unseen && !held:
			if delete(st.LastAction, r.res); len(st.LastAction) == 0 {
				st.LastAction = nil
			}
		case ok && last.Direction == Unseen && at.Before(last.Time):
			last.Time = at
			st.LastAction[r.res] = last
		case ok && (last.Direction == Unseen || !last.Time.Before(at)), !held:
		case ok && last.Time.Add(longest).After(now):
			// A change it knows of (its own before a restart, one it saw)
			// that still holds a cooldown stays what it is, counted from at:
			// a note in its place would go with a later fold, and the
			// cooldown of that change with it.
			last.Time = at
			st.LastAction[r.res] = last
		default:
			if st == nil {
				st = &scaling.ContainerState{}
			}
			if st.LastAction == nil {
				st.LastAction = map[scaling.Resource]scaling.Action{}
			}
			st.LastAction[r.res] = scaling.Action{Time: at, Direction: Unseen, From: r.v, To: r.v, Unknown: true}
		}
	}
	return st
}
