package scaling

import (
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/slab"
)

// Slab is memory the decisions of a pass take their changes and holds
// from: a few allocations for thousands of decisions instead of one or
// more each. A decision's slices are cut with their capacity clipped, so
// that appending to one copies it rather than writing into its
// neighbour's. The decisions keep pointing into its arrays: a pass takes
// a new Slab (the zero value is ready) rather than reusing one whose
// decisions are still read. Not safe for concurrent use.
type Slab struct {
	changes slab.Chunks[Change]
	holds   slab.Chunks[Hold]
}

// Decide is Decide with the decision's changes and holds cut from s (a
// nil s allocates them, as Decide does). The decision is the same.
func (s *Slab) Decide(sig Signals, policy string, r Rules, st ContainerState, now time.Time) Decision {
	if s == nil {
		return Decide(sig, policy, r, st, now)
	}
	// Decide adds at most one change or hold per resource.
	n := len(Resources)
	sig.slab = s
	d := Decide(sig, policy, r, st, now)
	d.Changes = s.changes.Keep(d.Changes, n)
	d.Holds = s.holds.Keep(d.Holds, n)
	return d
}

// NewSlab returns a Slab whose chunks are sized for the changes and holds
// of about decisions decisions, at most slab.Default each: a pass over a few
// containers (a replay, a small cluster) must not zero chunks made for
// thousands every pass, which cost simulate a third of its time.
func NewSlab(decisions int) *Slab {
	size := min(max(decisions, 1)*len(Resources), slab.Default)
	return &Slab{changes: slab.Chunks[Change]{Size: size}, holds: slab.Chunks[Hold]{Size: size}}
}
