package engine

import (
	"sync"
	"sync/atomic"

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

// chunkLen is a shard's containers: w goroutines take a pass's shards in
// turn, so that one that loses its core to other work holds it up little.
var chunkLen = 500

// walkSharded is observe with each on w goroutines, a shard a contiguous
// range of t's listing (fusable: no container in two). A turn writes its
// container's (window, history, existing state) or its shard's; what the
// shards share is written before (trackAll: new containers, resizes) or after
// them in listing order (training offers, hooks, a new state, a follower's
// wants): what one walk does, in order (TestShardsAreOneWalk).
func (e *Engine) walkSharded(t Tick, w int, each func(k *walker, i int, tr *Container)) []scaling.Decision {
	threads := nodeThreads(t)
	e.observes++
	n, stamped := len(t.Containers), e.trackAll(t, w)
	shards := max(w, n/chunkLen)
	for len(e.shards) < shards {
		e.shards = append(e.shards, walker{deferred: true})
	}
	var wg sync.WaitGroup
	var next atomic.Int64
	for range w {
		wg.Go(func() {
			slab := scaling.NewSlab(n / w) // the goroutine's: a slab's last chunk is partly used
			for s := int(next.Add(1)) - 1; s < shards; s = int(next.Add(1)) - 1 {
				k, from, to := &e.shards[s], s*n/shards, (s+1)*n/shards
				k.slab, k.out, k.pressures, k.decided = slab, k.out[:0], k.pressures[:0], k.decided[:0]
				for i, tr := range e.trs[from:to] {
					if tr != nil {
						e.fold(k, t, from+i, tr, threads)
						each(k, from+i, tr)
					}
				}
			}
		})
	}
	wg.Wait()
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
		k.later, k.slab = nil, nil
	}
	e.unseen(t, stamped)
	return out
}
