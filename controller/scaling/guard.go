package scaling

import (
	"slices"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/room"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/slab"
)

// NodeCapacity, Allocated and GuardOptions are what the guard weighs a
// pass's increases against (controller/scaling/room).
type (
	NodeCapacity = room.NodeCapacity
	Allocated    = room.Allocated
	GuardOptions = room.GuardOptions
)

// Guard holds the decisions of a pass to what the nodes can take and to
// the pass's write budget. Decide looks at one container; the guard looks
// at them together.
type Guard struct {
	o GuardOptions
}

// NewGuard returns a Guard with o's settings.
func NewGuard(o GuardOptions) *Guard { return &Guard{o: o.WithDefaults()} }

// Pass is the guard over the decisions of one pass. Admission is
// sequential (each decision sees the room and budget the earlier ones
// left), so a Pass is not safe for concurrent use; once Settled, Forks
// of it admit the rest side by side.
type Pass struct {
	maxWrites int
	writes    int
	nodes     map[string]*nodeRoom
	// holds and changes are where the holds of decisions held back and
	// the changes left to those held in part (for room) are cut from:
	// thousands in a dry run's pass, one allocation per few hundred.
	holds   slab.Chunks[Hold]
	changes slab.Chunks[Change]
}

// holdSlab is how many holds or changes a chunk of Pass's slabs takes.
const holdSlab = 512

// holdsWith returns a copy of held with room for more holds after it, cut
// from the slab (full capacity: appending past it allocates).
func (p *Pass) holdsWith(held []Hold, more int) []Hold {
	return append(p.holds.Take(len(held)+more), held...)
}

// nodeRoom is a node's limits and what its containers are given so far in
// the pass. Floats: cores may be fractional, and bytes stay exact up to
// 8 PiB.
type nodeRoom struct {
	coresLimit, cores   float64
	memoryLimit, memory float64
	// capacity and o describe the limits in holds.
	capacity NodeCapacity
	o        *GuardOptions
}

// NewPass starts a pass over the given nodes, with allocated the sum of
// what each node's running containers are given now (keyed by node name;
// a node missing from it has nothing allocated). A decision for a node not
// in nodes cannot grow cores or memory: its room is unknown.
func (g *Guard) NewPass(nodes []NodeCapacity, allocated map[string]Allocated) *Pass {
	p := &Pass{maxWrites: g.o.MaxWritesPerPass, nodes: make(map[string]*nodeRoom, len(nodes)),
		holds: slab.Chunks[Hold]{Size: holdSlab}, changes: slab.Chunks[Change]{Size: holdSlab}}
	for _, n := range nodes {
		a := allocated[n.Node]
		cores, memory := g.o.Limits(n)
		p.nodes[n.Node] = &nodeRoom{coresLimit: cores, cores: a.Cores, memoryLimit: memory,
			memory: float64(a.MemoryBytes), capacity: n, o: &g.o}
	}
	return p
}

// Writes is how many admitted decisions write, so far in the pass.
func (p *Pass) Writes() int { return p.writes }

// Settled reports whether the write budget is spent: no later Admit of
// the pass then admits a write, nor so takes or gives room, and what it
// makes of each decision depends on that decision alone.
func (p *Pass) Settled() bool { return p.maxWrites > 0 && p.writes >= p.maxWrites }

// Fork is a copy of a Settled pass for another goroutine, with slabs of
// its own: it shares the nodes' room, which no Admit writes any more.
func (p *Pass) Fork() *Pass {
	f := *p
	f.holds, f.changes = slab.Chunks[Hold]{Size: holdSlab}, slab.Chunks[Change]{Size: holdSlab}
	return &f
}

// Admit returns d as the pass lets it through.
//
// An increase of cores or memory that would take its node's allocation
// past (capacity - reserve) x overcommit becomes a SkipCapacity Hold; so
// does any increase on a node the pass does not know. Decreases, swap and
// disk changes always pass the capacity check (swap and disks are not
// counted against the node).
//
// A decision left with changes counts one write against MaxWritesPerPass
// in ModeEnforce and ModeDryRun (a dry run is a rehearsal of the same
// pass); once the budget is spent all its changes become SkipWriteLimit
// Holds. ModeRecommend writes nothing and counts nothing, but its
// increases still need the room.
//
// In ModeEnforce and ModeDryRun the admitted changes are then counted on
// the node: an increase takes room from the decisions after it and a
// decrease gives room to them. A recommendation changes nothing, so it
// takes and gives no room: each one fits the node as it is. The room
// follows what was admitted, not what the actuator then achieved: a
// decrease that fails to apply has still made room for the increases after
// it in this pass, an overshoot bounded by one pass, since the next pass
// starts again from the allocation the cluster reports.
//
// The order of the calls is the priority: admit the most urgent decisions
// first (SortByUrgency). The Holds of d are kept; the guard's are added
// after them.
func (p *Pass) Admit(d Decision) Decision {
	if len(d.Changes) == 0 {
		return d
	}
	out := d
	// Appending must not write into the caller's arrays. The changes are
	// shared until one is held for room: most pass whole, and nothing
	// writes into a decision's changes once Decide has returned it.
	out.Changes = slices.Clip(d.Changes)
	out.Holds = slices.Clip(d.Holds)
	room := p.nodes[d.Node]
	var cores, memory float64
	filtered, reserved := false, false
	// The guard adds at most a hold per change: the first one it adds
	// takes room for all from the slab.
	reserve := func() {
		if !reserved {
			out.Holds, reserved = p.holdsWith(out.Holds, len(d.Changes)), true
		}
	}
	for i := range d.Changes {
		c := &d.Changes[i] // not a copy: a change carries its reason's numbers
		var why note
		fits := true
		switch c.Resource {
		case ResourceCores:
			delta := float64(c.To - c.From)
			if delta > 0 {
				why, fits = room.fitsCores(d.Node, delta)
			}
			if fits {
				cores += delta
			}
		case ResourceMemory:
			delta := float64(c.To-c.From) * mib
			if delta > 0 {
				why, fits = room.fitsMemory(d.Node, delta)
			}
			if fits {
				memory += delta
			}
		}
		switch {
		case !fits:
			reserve()
			out.Holds = append(out.Holds, Hold{Resource: c.Resource, Reason: SkipCapacity, note: why})
			if !filtered {
				out.Changes, filtered = append(p.changes.Take(len(d.Changes)), d.Changes[:i]...), true
			}
		case filtered:
			out.Changes = append(out.Changes, *c)
		}
	}
	if len(out.Changes) == 0 {
		out.Changes, out.Holds = nil, slices.Clip(out.Holds)
		return out
	}
	if d.Mode == ModeEnforce || d.Mode == ModeDryRun {
		if p.maxWrites > 0 && p.writes >= p.maxWrites {
			reserve()
			for i := range out.Changes {
				c := &out.Changes[i]
				n := note{kind: noteWriteLimit, below: c.Direction == Down}
				n.n[0], n.n[1], n.n[2] = c.From, c.To, int64(p.maxWrites)
				out.Holds = append(out.Holds, Hold{Resource: c.Resource, Reason: SkipWriteLimit, note: n})
			}
			out.Changes, out.Holds = nil, slices.Clip(out.Holds)
			return out
		}
		p.writes++
		if room != nil {
			room.cores += cores
			room.memory += memory
		}
	}
	out.Holds = slices.Clip(out.Holds)
	return out
}

// fitsCores reports whether delta more cores fit the node, and if not why.
func (n *nodeRoom) fitsCores(node string, delta float64) (why note, ok bool) {
	if n == nil {
		return roomNote(node, delta, 0, 0, -1, 0, 0), false
	}
	if n.cores+delta <= n.coresLimit {
		return note{}, true
	}
	return roomNote(node, delta, n.cores, n.coresLimit, int64(n.capacity.CPUs), int64(n.o.ReserveCores), n.o.OvercommitCPU), false
}

// fitsMemory reports whether delta more bytes of memory fit the node, and
// if not why.
func (n *nodeRoom) fitsMemory(node string, delta float64) (why note, ok bool) {
	if n == nil {
		return roomNote(node, delta/mib, 0, 0, -1, 0, 0), false
	}
	if n.memory+delta <= n.memoryLimit {
		return note{}, true
	}
	return roomNote(node, delta/mib, n.memory/mib, n.memoryLimit/mib,
		int64(n.capacity.MemoryBytes/mib), int64(n.o.ReserveMemory/mib), n.o.OvercommitMemory), false
}

// roomNote is the note of an increase the node has no room for, in the
// resource's unit: total -1 when the node's capacity is unknown.
func roomNote(node string, delta, given, allowed float64, total, reserve int64, overcommit float64) note {
	n := note{kind: noteNodeRoom, node: node}
	n.v[vDelta], n.v[vGiven], n.v[vAllowed], n.v[vOver] = delta, given, allowed, overcommit
	n.n[nTotal], n.n[nReserve] = total, reserve
	return n
}
