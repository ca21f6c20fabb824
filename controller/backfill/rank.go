package backfill

import (
	"cmp"
	"math"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// Rank orders the queue: the containers whose history may change a
// decision soonest come first, as judged from the listing that asked for
// them and their policy (see RankFor). Ties go by VMID, so the order is
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

// level is one resource's utilisation (used over allocated, as the
// listing shows it) and its policy's thresholds.
type level struct {
	utilisation, up, down float64
}

// RankFor ranks a listed container under its policy's rules; managed is
// false for a container that gets no decision (excluded, paused).
func RankFor(ct proxmox.Container, rules scaling.Rules, managed bool) Rank {
	var levels []level
	if rules.CPU.Enabled {
		levels = append(levels, level{engine.CPUFraction(ct.CPU), rules.CPU.Up, rules.CPU.Down})
	}
	if rules.Memory.Enabled && ct.MaxMem > 0 {
		levels = append(levels, level{float64(ct.Mem) / float64(ct.MaxMem), rules.Memory.Up, rules.Memory.Down})
	}
	return rankOf(managed, levels...)
}

// rankOf ranks a container from its levels (the enabled resources its
// thresholds decide: CPU, memory). First come those past an up
// threshold, the furthest past first: the history may show the rise
// sustained, so the increase need not wait for StabilizationUp of live
// ticks, and it sizes the increase by the hour's peak. Then those past a
// down threshold, the furthest below first: a decrease waits for a
// stabilisation window of history, which the backfill gives at once
// instead of after StabilizationDown of live ticks. Then the others by how
// close they are to a threshold, and last those not managed.
func rankOf(managed bool, levels ...level) Rank {
	if !managed {
		return Rank{class: classUnmanaged}
	}
	best := Rank{class: classBetween, gap: math.Inf(1)}
	for _, l := range levels {
		u := l.utilisation
		if math.IsNaN(u) {
			continue
		}
		r := Rank{class: classBetween, gap: min(l.up-u, u-l.down)}
		switch {
		case u >= l.up:
			r = Rank{class: classUp, gap: l.up - u}
		case u <= l.down:
			r = Rank{class: classDown, gap: u - l.down}
		}
		if r.compare(best, 0, 0) < 0 {
			best = r
		}
	}
	return best
}
