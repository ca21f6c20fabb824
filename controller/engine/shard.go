package engine

import (
	"runtime"
	"sync"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine/trainrows"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// walker is what one walk writes: the loop goroutine's (Engine.walk)
// and, in a sharded pass, each shard's (deferred).
type walker struct {
	scratch featureScratch
	vector  []float64
	history windowHistory
	slab    *scaling.Slab
	// out, pressures and (a shard's) decided are the decisions made, their
	// newest pressures and their containers, same index.
	out       []scaling.Decision
	pressures []float64
	decided   []*Container
	// deferred says what the shards share is written later: offers to
	// the training set go to offers (Engine.score), the rest to later.
	deferred bool
	offers   trainrows.Pending
	later    []func()
}

// call runs f now, or after the shards when deferred.
func (k *walker) call(f func()) {
	if k.deferred {
		k.later = append(k.later, f)
		return
	}
	f()
}

// workers is how many goroutines walk a listing of n: Options.Workers, or
// one per CPU but at most one per 1,000 containers, so that a small
// cluster (and simulate) walks on one, without a goroutine's cost.
func (e *Engine) workers(n int) int {
	w := e.opts.Workers
	if w <= 0 {
		w = min(runtime.GOMAXPROCS(0), n/1000)
	}
	return max(1, min(w, n))
}

// walkSharded is observe with each on w goroutines, each a contiguous
// range of t's listing (fusable: no container in two). What a turn writes
// is its container's (window, history, an existing state) or its shard's;
// what the shards share is written before they start (track: new
// containers, resizes) or after, in listing order (the training offers,
// the hooks, a new state, a follower's wants): the pass decides, draws and
// reports what one walk does, in order (TestShardsAreOneWalk).
func (e *Engine) walkSharded(t Tick, w int, each func(k *walker, i int, tr *Container)) []scaling.Decision {
	threads := nodeThreads(t)
	e.observes++
	stamped := 0
	e.trs = e.trs[:0]
	for i := range t.Containers {
		var tr *Container
		if ct := &t.Containers[i]; !ct.Template {
			tr = e.track(ct, t.End, &stamped)
		}
		e.trs = append(e.trs, tr)
	}
	for len(e.shards) < w {
		e.shards = append(e.shards, walker{deferred: true})
	}
	var wg sync.WaitGroup
	n := len(t.Containers)
	for s := range w {
		k, from, to := &e.shards[s], s*n/w, (s+1)*n/w
		k.slab, k.out, k.pressures, k.decided = scaling.NewSlab(to-from), k.out[:0], k.pressures[:0], k.decided[:0]
		wg.Go(func() {
			for i, tr := range e.trs[from:to] {
				if tr != nil {
					e.fold(k, t, from+i, tr, threads)
					each(k, from+i, tr)
				}
			}
		})
	}
	wg.Wait()
	out := make([]scaling.Decision, 0, len(t.Containers))
	for s := range w {
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
		clear(k.later) // the closures, and what they hold
		k.later, k.slab = k.later[:0], nil
	}
	e.unseen(t, stamped)
	return out
}
