package httpapi

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/singleflight"

	"github.com/lxc-autoscale/lxc-autoscale/controller"
)

// GET /api/v1/tasks/{id}?wait= must not poll Proxmox once per waiting
// request: a read token at the default rate limit would drive more than
// 100 Proxmox requests per second. The one poller of a task is the
// watcher of Operations (OperationsOptions.WatchTasks, which the daemon
// sets): Operations.Task with a wait waits on it, so that any number of
// waiters cost the watcher's polls alone. What is left here is the cap on
// the waits in progress, each holding a request and a goroutine, and the
// coalescing of concurrent reads without a wait, which Operations sends
// to Proxmox one by one.

const (
	// defaultMaxTaskWaits is Options.MaxTaskWaits when unset.
	defaultMaxTaskWaits = 64
	// taskWaitRetryAfter is the Retry-After, in seconds, of a wait
	// refused because MaxTaskWaits are in progress.
	taskWaitRetryAfter = "5"
)

// taskReader is what the task routes need of Operations.
type taskReader interface {
	Task(ctx context.Context, id string, wait time.Duration) (controller.TaskInfo, error)
}

type taskWaiter struct {
	ops     taskReader
	slots   chan struct{} // one per wait in progress
	reads   singleflight.Group
	waiting prometheus.Gauge
}

func newTaskWaiter(ops taskReader, maxWaits int, waiting prometheus.Gauge) *taskWaiter {
	return &taskWaiter{ops: ops, slots: make(chan struct{}, maxWaits), waiting: waiting}
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

// wait waits up to wait for the task to end, on the watcher of Operations;
// the caller holds a slot (tryAcquire).
func (w *taskWaiter) wait(ctx context.Context, id string, wait time.Duration) (controller.TaskInfo, error) {
	return w.ops.Task(ctx, id, wait)
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
