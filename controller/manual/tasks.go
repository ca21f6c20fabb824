package manual

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/audit"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// started finishes an operation that asked Proxmox for a task: a failure
// is wrapped with what and audited; a started task is tracked (newID: a
// clone's VMID) and audited with its UPID.
func (o *Operations) started(c Caller, ref proxmox.Ref, op string, rec audit.Record, task proxmox.Task, newID int, err error, what string) (TaskInfo, error) {
	if err != nil {
		err = fmt.Errorf("%s: %w", what, err)
		o.audit(c, ref, rec, err)
		return TaskInfo{}, err
	}
	entry := o.track(ref, op, task, newID)
	rec.Task = task.UPID
	rec = o.audit(c, ref, rec, nil)
	o.startWatch(entry, rec)
	return entry.info, nil
}

// newEnded is the channel of a registry entry that a watcher closes when
// it stops; nil without WatchTasks.
func (o *Operations) newEnded() chan struct{} {
	if !o.opts.WatchTasks {
		return nil
	}
	return make(chan struct{})
}

// startWatch runs watchTask for entry in the background when it has an
// ended channel, and closes that channel when the watcher stops (at once
// when Close has begun).
func (o *Operations) startWatch(entry taskEntry, start audit.Record) {
	if entry.ended == nil {
		return
	}
	if !o.enterBackground() {
		close(entry.ended)
		return
	}
	go func() {
		defer o.bg.Done()
		defer close(entry.ended)
		o.watchTask(o.bgCtx, entry, start)
	}()
}

// watchTask waits for a task to end and audits its outcome under start,
// the record of its start. Stopped by ctx (Close) or maxTaskWatch, or
// when its status cannot be read (a non-retryable error), it audits
// nothing: RecoverTasks looks the task up again at the next start.
func (o *Operations) watchTask(ctx context.Context, entry taskEntry, start audit.Record) {
	wctx, cancel := context.WithTimeout(ctx, maxTaskWatch)
	defer cancel()
	cur, err := o.opts.Cluster.WaitTask(wctx, entry.task, 0)
	var taskErr *proxmox.TaskError
	if err != nil && !errors.As(err, &taskErr) {
		if ctx.Err() == nil {
			o.log.Warn().Err(err).Str("upid", entry.task.UPID).Int("vmid", start.VMID).
				Msg("the end of a task was not seen; it is looked up again at the next start")
		}
		return
	}
	o.tasks.update(entry, cur, o.now())
	o.auditEnd(start, cur.ExitStatus, scaling.ResultApplied)
}

// auditEnd appends the record of a task's end: start's record with result
// (ResultApplied turns into ResultFailed for an exit status PVE counts as
// an error) and the exit status.
func (o *Operations) auditEnd(start audit.Record, exit, result string) {
	r := start
	r.Time = o.now()
	r.ExitStatus, r.Result, r.Error, r.Skip = exit, result, "", ""
	if result == scaling.ResultApplied && (TaskInfo{Done: true, ExitStatus: exit}).Failed() {
		r.Result, r.Error = scaling.ResultFailed, exit
	}
	ev := o.log.Info()
	if r.Result != scaling.ResultApplied {
		ev = o.log.Warn()
	}
	ev.Str("source", r.Source).Int("vmid", r.VMID).Str("node", r.Node).Str("operation", r.Operation).
		Str("resource", r.Resource).Str("result", r.Result).Str("exit_status", exit).Str("upid", r.Task).
		Msg("manual operation ended")
	o.recorded(r)
	if o.opts.Audit == nil {
		return
	}
	if err := o.opts.Audit.Append(r); err != nil {
		o.log.Error().Err(err).Int("vmid", r.VMID).Str("operation", r.Operation).Msg("append audit record")
	}
}

// RecoverTasks audits the end of the tasks the audit (with its rotated
// files) shows started and never ended: a previous run stopped, or was
// killed, before they did. Each is looked up once (GET its status): the
// outcome of one that has ended is audited now; one still running is
// watched like a new one when WatchTasks is set (else left for the next
// start); one Proxmox no longer knows ("no such task") is audited
// ResultTaskUnknown. A task whose status cannot be read now is left for the
// next start. It runs until done or until ctx ends or Close is called
// (then it returns nil: what is left is for the next start), and may run
// while operations start tasks: no task's end is audited twice by one
// process.
func (o *Operations) RecoverTasks(ctx context.Context) error {
	if o.opts.Audit == nil || !o.enterBackground() {
		return nil
	}
	defer o.bg.Done()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(o.bgCtx, cancel)()

	records, err := audit.Read(o.opts.Audit.Path(), 0)
	if err != nil {
		return fmt.Errorf("recover tasks: %w", err)
	}
	var failed []error
	for _, start := range unendedTasks(records) {
		if o.bgCtx.Err() != nil {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("recover tasks: %w", err)
		}
		if err := o.recoverTask(ctx, start); err != nil {
			failed = append(failed, err)
		}
	}
	if err := errors.Join(failed...); err != nil && o.bgCtx.Err() == nil {
		return fmt.Errorf("recover tasks: %w", err)
	}
	return nil
}

// unendedTasks picks, from records newest first, the records of task
// starts that no later record ends, oldest first.
func unendedTasks(records []audit.Record) []audit.Record {
	seen := map[string]bool{}
	var out []audit.Record
	for _, r := range records {
		if r.Task == "" || r.Operation == "" || seen[r.Task] {
			continue
		}
		seen[r.Task] = true
		if r.Result == ResultStarted {
			out = append(out, r)
		}
	}
	slices.Reverse(out)
	return out
}

// recoverTask looks up one task audited as started and audits its end, or
// hands it to a watcher. A task this process already follows is left
// alone.
func (o *Operations) recoverTask(ctx context.Context, start audit.Record) error {
	task, err := proxmox.ParseUPID(start.Task)
	if err != nil {
		// Not a task of PVE's: there is nothing to ask about it.
		o.auditEnd(start, "", ResultTaskUnknown)
		return nil
	}
	info := TaskInfo{ID: task.UPID, Node: task.Node, VMID: start.VMID, Operation: start.Operation, StartedAt: task.StartTime}
	if start.Operation == OpClone {
		info.NewVMID = int(start.To)
	}
	entry, claimed := o.tasks.claim(taskEntry{info: info, task: task, ended: o.newEnded()}, o.now())
	if !claimed {
		return nil
	}
	cur, err := o.opts.Cluster.Task(ctx, task.UPID)
	switch {
	case isUnknownTask(err):
		o.auditEnd(start, "", ResultTaskUnknown)
		o.tasks.remove(task.UPID) // nothing to answer about it
		endedWithoutWatch(entry)
		return nil
	case err == nil && cur.Done():
		o.tasks.update(entry, cur, o.now())
		o.auditEnd(start, cur.ExitStatus, scaling.ResultApplied)
		endedWithoutWatch(entry)
		return nil
	case ctx.Err() == nil && entry.ended != nil:
		o.startWatch(entry, start)
		return nil
	}
	endedWithoutWatch(entry)
	if err != nil {
		return fmt.Errorf("task %s: %w", task.UPID, err)
	}
	return nil
}

// endedWithoutWatch closes the ended channel of an entry no watcher
// follows, so that Task waits on it no longer.
func endedWithoutWatch(e taskEntry) {
	if e.ended != nil {
		close(e.ended)
	}
}

// isUnknownTask reports whether err is PVE's answer for a UPID it has no
// task of: 400 with {"upid":"no such task"} (pve-manager
// PVE/API2/Tasks.pm; proxmox-api.md, GET /nodes/{node}/tasks/{upid}/status).
func isUnknownTask(err error) bool {
	var apiErr *proxmox.APIError
	return errors.As(err, &apiErr) && strings.Contains(apiErr.Params["upid"], "no such task")
}

// Task returns the state of a task started by an operation; wait > 0
// waits up to that long for it to finish (at most TaskTimeout): on the
// task's watcher when one follows it (WatchTasks), so that any number of
// callers cost no more polls than the watcher's own. A task
// that ended with an error is not an error of Task: Done and ExitStatus
// say so (TaskInfo.Failed). An ID this Operations did not start, or has
// forgotten (finished more than an hour ago), is proxmox.ErrNotFound.
func (o *Operations) Task(ctx context.Context, id string, wait time.Duration) (TaskInfo, error) {
	entry, ok := o.tasks.get(id, o.now())
	if !ok {
		return TaskInfo{}, notFound("task %s: not started by this process, or forgotten an hour after it ended", id)
	}
	if entry.info.Done {
		return entry.info, nil
	}
	if wait > 0 && entry.ended != nil {
		// A watcher polls the task already: wait for it rather than poll
		// once more per caller.
		if info, done, err := o.waitWatcher(ctx, entry, min(wait, o.opts.TaskTimeout)); done || err != nil {
			return info, err
		}
	}
	var (
		cur proxmox.Task
		err error
	)
	if wait > 0 {
		cur, err = o.opts.Cluster.WaitTask(ctx, entry.task, min(wait, o.opts.TaskTimeout))
		var taskErr *proxmox.TaskError
		switch {
		case errors.As(err, &taskErr):
			err = nil // the task failed; its exit status says how
		case errors.Is(err, proxmox.ErrTimeout) && ctx.Err() == nil:
			err = nil // still running when the wait ended
		}
		if err != nil {
			return TaskInfo{}, err // "wait task <UPID>: …" already
		}
	} else {
		cur, err = o.opts.Cluster.Task(ctx, entry.task.UPID)
		if err != nil {
			return TaskInfo{}, fmt.Errorf("task %s: %w", id, err)
		}
	}
	return o.tasks.update(entry, cur, o.now()), nil
}

// waitWatcher waits up to wait for the watcher of entry to stop. done is
// true when the answer is final: the task ended, or it is still running
// when the wait ran out (the watcher polls it). false means the watcher
// stopped without seeing the end: the caller polls itself.
func (o *Operations) waitWatcher(ctx context.Context, entry taskEntry, wait time.Duration) (info TaskInfo, done bool, err error) {
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return TaskInfo{}, true, fmt.Errorf("task %s: %w", entry.info.ID, ctx.Err())
	case <-timer.C:
		if e, ok := o.tasks.get(entry.info.ID, o.now()); ok {
			return e.info, true, nil
		}
		return entry.info, true, nil
	case <-entry.ended:
	}
	if e, ok := o.tasks.get(entry.info.ID, o.now()); ok && e.info.Done {
		return e.info, true, nil
	}
	return TaskInfo{}, false, nil
}

// SetPaused pauses or resumes autoscaling of a container and audits it.
func (o *Operations) SetPaused(ctx context.Context, c Caller, vmid int, paused bool) error {
	if err := checkVMID(vmid); err != nil {
		return err
	}
	if o.opts.Pause == nil {
		return conflict("pause or resume container %d: autoscaling is not running in this process", vmid)
	}
	// The loop's snapshot names the node when it can; a container it does
	// not know yet may still be paused ahead of time.
	ref := proxmox.Ref{VMID: vmid}
	if o.opts.Locate != nil {
		ref.Node, _ = o.opts.Locate(vmid)
	}
	o.opts.Pause(vmid, paused)
	op := OpResume
	if paused {
		op = OpPause
	}
	o.audit(c, ref, audit.Record{Resource: "autoscaling", Direction: op, Operation: op, Result: scaling.ResultApplied}, nil)
	return nil
}

// audit writes one record of an operation (not of a resource change: the
// Actuator audits those): err nil means started (or applied when
// r.Result is set), else failed with err's text. It returns the record.
func (o *Operations) audit(c Caller, ref proxmox.Ref, r audit.Record, err error) audit.Record {
	r.Time = o.now()
	r.Source, r.Client, r.VMID, r.Node = c.source(), c.Address, ref.VMID, ref.Node
	r.Score = math.NaN()
	if r.Mode == "" {
		r.Mode = string(o.modeInForce(ref.VMID))
	}
	if r.Result == "" {
		r.Result = ResultStarted
	}
	ev := o.log.Info()
	if err != nil {
		r.Result, r.Error = scaling.ResultFailed, err.Error()
		ev = o.log.Warn().Err(err)
	}
	ev.Str("source", r.Source).Int("vmid", r.VMID).Str("node", r.Node).Str("operation", r.Operation).
		Str("resource", r.Resource).Str("result", r.Result).Str("upid", r.Task).Msg("manual operation")
	o.recorded(r)
	if o.opts.Audit == nil {
		return r
	}
	if aerr := o.opts.Audit.Append(r); aerr != nil {
		o.log.Error().Err(aerr).Int("vmid", r.VMID).Str("operation", r.Operation).Msg("append audit record")
	}
	return r
}

func (o *Operations) recorded(r audit.Record) {
	if o.opts.Recorded != nil {
		o.opts.Recorded(r)
	}
}

// track registers a started task and returns its entry.
func (o *Operations) track(ref proxmox.Ref, op string, t proxmox.Task, newVMID int) taskEntry {
	started := t.StartTime
	if started.IsZero() {
		started = o.now()
	}
	info := TaskInfo{ID: t.UPID, Node: t.Node, VMID: ref.VMID, Operation: op, StartedAt: started, NewVMID: newVMID}
	if info.Node == "" {
		info.Node = ref.Node
	}
	e := taskEntry{info: info, task: t, ended: o.newEnded()}
	o.tasks.add(e, o.now())
	return e
}
