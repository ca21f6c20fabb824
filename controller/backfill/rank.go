package backfill

import (
	"cmp"
	"math"
)

// Rank orders the queue: the containers whose history may change a
// decision soonest come first, as judged from the listing that asked for
// them and their policy (see RankOf). Ties go by VMID, so the order is
// deterministic.
type Rank struct {
	class int
	gap   float64 // past a threshold: negative, the further past the smaller
}

// The classes, most urgent first.
const (
	classUp = iota
	classDown
	classBetween
	classUnmanaged
)

// Compare orders a and b, the ranks of containers vmid and ovmid.
func (r Rank) compare(o Rank, vmid, ovmid int) int {
	return cmp.Or(cmp.Compare(r.class, o.class), cmp.Compare(r.gap, o.gap), cmp.Compare(vmid, ovmid))
}

// Level is one resource's utilisation (used over allocated, as the
// listing shows it) and its policy's thresholds.
type Level struct {
	Utilisation, Up, Down float64
}

// RankOf ranks a container from its levels (the enabled resources its
// thresholds decide: CPU, memory); managed is false for a container that
// gets no decision (excluded, paused). First come those past an up
// threshold, the furthest past first: the history may show the rise
// sustained, so the increase need not wait for StabilizationUp of live
// ticks, and it sizes the increase by the hour's peak. Then those past a
// down threshold, the furthest below first: a decrease waits for a
// stabilisation window of history, which the backfill gives at once
// instead of after StabilizationDown of live ticks. Then the others by how
// close they are to a threshold, and last those not managed.
func RankOf(managed bool, levels ...Level) Rank {
	if !managed {
		return Rank{class: classUnmanaged}
	}
	best := Rank{class: classBetween, gap: math.Inf(1)}
	for _, l := range levels {
		u := l.Utilisation
		if math.IsNaN(u) {
			continue
		}
		r := Rank{class: classBetween, gap: min(l.Up-u, u-l.Down)}
		switch {
		case u >= l.Up:
			r = Rank{class: classUp, gap: l.Up - u}
		case u <= l.Down:
			r = Rank{class: classDown, gap: u - l.Down}
		}
		if r.compare(best, 0, 0) < 0 {
			best = r
		}
	}
	return best
}
