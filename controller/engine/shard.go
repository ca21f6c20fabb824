package engine

import (
	"github.com/lxc-autoscale/lxc-autoscale/controller/chunks"
	"github.com/lxc-autoscale/lxc-autoscale/controller/engine/trainrows"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// walker is what one walk writes: the loop goroutine's (Engine.walk) or,
// in a sharded pass, a shard's (deferred), whichever goroutine walks it.
type walker struct {
	scratch featureScratch
	vector  []float64
	history windowHistory
	slab    *scaling.Slab
	// The decisions made, their newest pressures and (a shard's) containers.
	out       []scaling.Decision
	pressures []float64
	decided   []*Container
	// deferred says what the shards share is written later: offers to
	// the training set go to offers (Engine.score), the rest to later.
	deferred bool
	offers   trainrows.Pending
	later    []func()
}

// call runs f now, or after the shards when deferred (under Protect).
func (e *Engine) call(k *walker, vmid int, f func()) {
	if k.deferred {
		k.later = append(k.later, func() { e.Protect(vmid, f) })
		return
	}
	f()
}

// workers is how many goroutines walk a listing of n (controller/chunks:
// Options.Workers, or one per CPU and 1,000 containers).
func (e *Engine) workers(n int) int { return chunks.Workers(e.opts.Workers, n) }

// walkSharded is observe with each on w goroutines, a shard a range of
// t's listing as controller/chunks cuts it (fusable: no container in
// two). A turn writes its container's (window, history, existing state)
// or its shard's; what the shards share is written before (trackAll: new
// containers, resizes) or after them in listing order (training offers,
// hooks, a new state, a follower's wants): what one walk does, in order
// (TestShardsAreOneWalk).
func (e *Engine) walkSharded(t Tick, w int, each func(k *walker, i int, tr *Container)) []scaling.Decision {
	threads := nodeThreads(t)
	e.observes++
	n, stamped := len(t.Containers), e.trackAll(t, w)
	shards := (n + chunks.Len - 1) / chunks.Len // Run's ranges, or fewer: one range takes them all
	for len(e.shards) < shards {
		e.shards = append(e.shards, walker{deferred: true})
	}
	chunks.Run(n, w, func(from, to int) {
		k := &e.shards[from/chunks.Len]
		// the shard's own slab: its decisions keep pointing into it
		k.slab = scaling.NewSlab(to - from)
		for i, tr := range e.trs[from:to] {
			if tr != nil {
				e.fold(k, t, from+i, tr, threads)
				each(k, from+i, tr)
			}
		}
	})
	out := make([]scaling.Decision, 0, len(t.Containers))
	for s := range shards {
		k := &e.shards[s]
		for j, tr := range k.decided {
			tr.decided = len(out) + j
		}
		out = append(out, k.out...)
		e.pressures = append(e.pressures, k.pressures...)
		k.offers.OfferTo(&e.training)
		for _, f := range k.later {
			f()
		}
		clear(k.out) // keep nothing of this pass alive: the decisions hold its slab
		k.out, k.pressures, k.decided, k.later, k.slab = k.out[:0], k.pressures[:0], k.decided[:0], nil, nil
	}
	e.unseen(t, stamped)
	return out
}
