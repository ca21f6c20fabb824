package httpapi

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/singleflight"

	"github.com/lxc-autoscale/lxc-autoscale/controller"
)

// GET /api/v1/tasks/{id}?wait= would otherwise poll Proxmox once per
// waiting request: a read token at the default rate limit drove more than
// 100 Proxmox requests per second. Instead every task has at most one
// poller, whatever the number of its waiters; each waiter takes what the
// poller publishes and leaves at its own deadline. Reads without a wait
// are coalesced too, and the waits in progress are capped.

const (
	// taskWaitRound is how long the poller waits on Proxmox in one go;
	// within a round the client polls with backoff (100 ms up to 2 s).
	taskWaitRound = 10 * time.Second
	// defaultMaxTaskWaits is Options.MaxTaskWaits when unset.
	defaultMaxTaskWaits = 64
	// taskWaitRetryAfter is the Retry-After, in seconds, of a wait
	// refused because MaxTaskWaits are in progress.
	taskWaitRetryAfter = "5"
)

type taskWaiter struct {
	ops     *controller.Operations
	slots   chan struct{} // one per wait in progress
	reads   singleflight.Group
	waiting prometheus.Gauge

	mu      sync.Mutex
	watches map[string]*taskWatch // by task id, while someone waits
}

// taskWatch is what the poller of one task publishes to its waiters.
type taskWatch struct {
	waiters int
	known   bool // info and err hold a result
	info    controller.TaskInfo
	err     error
	changed chan struct{} // closed, and replaced, at every publication
	cancel  context.CancelFunc
}

func newTaskWaiter(ops *controller.Operations, maxWaits int, waiting prometheus.Gauge) *taskWaiter {
	return &taskWaiter{ops: ops, slots: make(chan struct{}, maxWaits), waiting: waiting, watches: map[string]*taskWatch{}}
}

// read answers a query without a wait; concurrent reads of one task share
// one request to Proxmox.
func (w *taskWaiter) read(ctx context.Context, id string, timeout time.Duration) (controller.TaskInfo, error) {
	ch := w.reads.DoChan(id, func() (any, error) {
		// Not the first caller's context: the others must not fail
		// because it went away.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
		defer cancel()
		return w.ops.Task(rctx, id, 0)
	})
	select {
	case r := <-ch:
		info, _ := r.Val.(controller.TaskInfo)
		return info, r.Err
	case <-ctx.Done():
		return controller.TaskInfo{}, ctx.Err()
	}
}

// tryAcquire takes a wait slot; false when every slot is in use.
func (w *taskWaiter) tryAcquire() bool {
	select {
	case w.slots <- struct{}{}:
		w.waiting.Inc()
		return true
	default:
		return false
	}
}

func (w *taskWaiter) release() {
	w.waiting.Dec()
	<-w.slots
}

// wait returns the task once it is done, or its latest state when wait
// has passed, from the task's shared poller.
func (w *taskWaiter) wait(ctx context.Context, id string, wait time.Duration) (controller.TaskInfo, error) {
	w.mu.Lock()
	tw := w.watches[id]
	if tw == nil {
		pctx, cancel := context.WithCancel(context.Background())
		tw = &taskWatch{changed: make(chan struct{}), cancel: cancel}
		w.watches[id] = tw
		go w.poll(pctx, id, tw)
	}
	tw.waiters++
	w.mu.Unlock()
	defer w.leave(id, tw)

	timer := time.NewTimer(wait)
	defer timer.Stop()
	expired := false
	for {
		w.mu.Lock()
		known, info, err, changed := tw.known, tw.info, tw.err, tw.changed
		w.mu.Unlock()
		// Past the deadline the latest state is the answer; before the
		// first publication (one quick read) there is none yet.
		if known && (err != nil || info.Done || expired) {
			return info, err
		}
		select {
		case <-changed:
		case <-timer.C:
			expired = true
		case <-ctx.Done():
			return controller.TaskInfo{}, ctx.Err()
		}
	}
}

// leave stops the poller when its last waiter goes.
func (w *taskWaiter) leave(id string, tw *taskWatch) {
	w.mu.Lock()
	defer w.mu.Unlock()
	tw.waiters--
	if tw.waiters == 0 {
		tw.cancel()
		if w.watches[id] == tw {
			delete(w.watches, id)
		}
	}
}

// poll is the one poller of a task: a quick read first, so that every
// waiter soon has a state to answer with, then rounds of waiting on
// Proxmox, publishing after each, until the task is done, a read fails
// or nobody waits any more.
func (w *taskWaiter) poll(ctx context.Context, id string, tw *taskWatch) {
	var wait time.Duration
	for {
		info, err := w.ops.Task(ctx, id, wait)
		if ctx.Err() != nil {
			return // nobody waits
		}
		stop := err != nil || info.Done
		w.mu.Lock()
		tw.known, tw.info, tw.err = true, info, err
		close(tw.changed)
		tw.changed = make(chan struct{})
		if stop && w.watches[id] == tw {
			// A later waiter starts afresh (a finished task is then
			// answered from the operations' own record).
			delete(w.watches, id)
		}
		w.mu.Unlock()
		if stop {
			return
		}
		wait = taskWaitRound
	}
}
