package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/singleflight"

	"github.com/lxc-autoscale/lxc-autoscale/controller/manual"
)

// Tasks: the 202 answer of a write that starts one, and
// GET /api/v1/tasks/{id} that follows it.

// v1Task is an asynchronous operation; GET /api/v1/tasks/{id} follows it.
type v1Task struct {
	ID         string    `json:"id"`
	Node       string    `json:"node"`
	VMID       int       `json:"vmid"`
	Operation  string    `json:"operation"`
	Done       bool      `json:"done"`
	Failed     bool      `json:"failed"`
	ExitStatus string    `json:"exit_status"` // "" while running
	StartedAt  time.Time `json:"started_at"`
	NewVMID    int       `json:"new_vmid,omitempty"` // a clone's new container
}

type v1TaskResponse struct {
	Task v1Task `json:"task"`
}

func newV1Task(t manual.TaskInfo) v1Task {
	return v1Task{
		ID: t.ID, Node: t.Node, VMID: t.VMID, Operation: t.Operation, Done: t.Done, Failed: t.Failed(),
		ExitStatus: t.ExitStatus, StartedAt: t.StartedAt.UTC(), NewVMID: t.NewVMID,
	}
}

// v1Accepted answers 202 with the task and where to follow it.
func v1Accepted(c echo.Context, t manual.TaskInfo) error {
	c.Response().Header().Set("Location", v1Prefix+"/tasks/"+url.PathEscape(t.ID))
	return c.JSON(http.StatusAccepted, v1TaskResponse{Task: newV1Task(t)})
}

// v1StartTask ends a write that starts a task: with bad empty, start runs
// within the request timeout and the task it started is answered 202; a
// refusal maps through v1Failure, whose field names the input a refusal
// of Proxmox is about ("" for none).
func (s *Server) v1StartTask(c echo.Context, bad map[string]string, field string,
	start func(ctx context.Context, who manual.Caller) (manual.TaskInfo, error),
) error {
	if len(bad) > 0 {
		return invalid(bad)
	}
	ctx, cancel := s.v1Ctx(c)
	defer cancel()
	task, err := start(ctx, caller(c))
	if err != nil {
		return v1Failure(err, field)
	}
	return v1Accepted(c, task)
}

func (s *Server) v1GetTask(c echo.Context) error {
	bad := map[string]string{}
	id, err := url.PathUnescape(c.Param("id"))
	if err != nil || !strings.HasPrefix(id, "UPID:") || len(id) > maxTaskIDLen {
		bad["id"] = "must be a task id (UPID:…) as a 202 answer gave it"
	}
	var wait time.Duration
	if raw := c.QueryParam("wait"); raw != "" {
		d, err := time.ParseDuration(raw)
		if err != nil {
			// Plain seconds, as a script would send them.
			n, nerr := strconv.Atoi(raw)
			d, err = time.Duration(n)*time.Second, nerr
		}
		if err != nil || d < 0 || d > maxTaskWait {
			bad["wait"] = fmt.Sprintf("must be a duration of 0s..%s (e.g. 30s), got %q", maxTaskWait, v1Clip(raw))
		}
		wait = d
	}
	if len(bad) > 0 {
		return invalid(bad)
	}
	// The wait ends before the request timeout, so that a task still
	// running is an answer (done: false) rather than a timeout.
	wait = min(wait, s.opts.RequestTimeout*9/10)
	ctx, cancel := s.v1Ctx(c)
	defer cancel()
	var info manual.TaskInfo
	if wait > 0 {
		if !s.tasks.tryAcquire() {
			c.Response().Header().Set("Retry-After", taskWaitRetryAfter)
			return apiError(http.StatusServiceUnavailable, fmt.Sprintf("%d task waits are in progress, the most this server runs at once; retry after %s s, or ask without wait", cap(s.tasks.slots), taskWaitRetryAfter))
		}
		defer s.tasks.release()
		info, err = s.tasks.wait(ctx, id, wait)
	} else {
		info, err = s.tasks.read(ctx, id, s.opts.RequestTimeout)
	}
	if err != nil {
		return v1Failure(err, "")
	}
	return c.JSON(http.StatusOK, v1TaskResponse{Task: newV1Task(info)})
}

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
	Task(ctx context.Context, id string, wait time.Duration) (manual.TaskInfo, error)
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
func (w *taskWaiter) read(ctx context.Context, id string, timeout time.Duration) (manual.TaskInfo, error) {
	ch := w.reads.DoChan(id, func() (any, error) {
		// Not the first caller's context: the others must not fail
		// because it went away.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
		defer cancel()
		return w.ops.Task(rctx, id, 0)
	})
	select {
	case r := <-ch:
		info, _ := r.Val.(manual.TaskInfo)
		return info, r.Err
	case <-ctx.Done():
		return manual.TaskInfo{}, ctx.Err()
	}
}

// wait waits up to wait for the task to end, on the watcher of Operations;
// the caller holds a slot (tryAcquire).
func (w *taskWaiter) wait(ctx context.Context, id string, wait time.Duration) (manual.TaskInfo, error) {
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
