package takeover

import (
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// Passes is how many consecutive passes a run needs to count.
const Passes = 3

// run is one resource's run of passes in which a follower wanted the same
// change.
type run struct {
	dir         scaling.Direction // "" when none
	since, last time.Time
	passes      int
}

// runs are a container's, by resource (index).
type runs [4]run

func index(r scaling.Resource) int {
	switch r {
	case scaling.ResourceCores:
		return 0
	case scaling.ResourceMemory:
		return 1
	case scaling.ResourceSwap:
		return 2
	default:
		return 3
	}
}

// Runs are the changes a follower wanted and did not see made, by VMID.
// The zero value is ready; Interval is the pass interval.
type Runs struct {
	Interval time.Duration
	byVMID   map[int]*runs
}

// Note extends the container's runs with the changes its decision at now
// wants (before a backoff of this replica's own or the guard holds them)
// and ends the others. Deciding twice in a pass (after a config read)
// counts the pass once.
func (r *Runs) Note(vmid int, mode scaling.Mode, changes []scaling.Change, now time.Time) {
	if mode != scaling.ModeEnforce {
		changes = nil // the leader does not write either: nothing to learn
	}
	rs := r.byVMID[vmid]
	if rs == nil {
		if len(changes) == 0 {
			return
		}
		if r.byVMID == nil {
			r.byVMID = map[int]*runs{}
		}
		rs = new(runs)
		r.byVMID[vmid] = rs
	}
	var wanted [len(runs{})]bool
	for _, ch := range changes {
		i := index(ch.Resource)
		wanted[i] = true
		w := &rs[i]
		switch {
		case w.dir != ch.Direction || now.Sub(w.last) > 2*r.Interval:
			// A new run, or one broken by passes that did not decide (a
			// pause, a node not listed).
			*w = run{dir: ch.Direction, since: now, last: now, passes: 1}
		case now.After(w.last):
			w.last = now
			w.passes++
		}
	}
	left := false
	for i := range wanted {
		if !wanted[i] && rs[i].last.Before(now) {
			rs[i] = run{}
		}
		left = left || rs[i].dir != ""
	}
	if !left {
		delete(r.byVMID, vmid)
	}
}

// Seen ends the runs of the resources a listing shows changed from prev
// to cur.
func (r *Runs) Seen(vmid int, prev, cur scaling.Allocation) {
	rs := r.byVMID[vmid]
	if rs == nil || prev == cur {
		return
	}
	changed := [len(runs{})]bool{prev.Cores != cur.Cores, prev.MemoryMiB != cur.MemoryMiB,
		prev.SwapMiB != cur.SwapMiB, prev.DiskBytes != cur.DiskBytes}
	for i, c := range changed {
		if c {
			rs[i] = run{}
		}
	}
}

// Inherit turns the runs into failures and backoffs for a replica that
// starts to lead at now, through state (the container's record, created
// when missing), and drops every run: a leader's own outcomes are its
// record. It returns the number of containers given a backoff.
func (r *Runs) Inherit(now time.Time, state func(vmid int) *scaling.ContainerState) int {
	n := 0
	for vmid, rs := range r.byVMID {
		failures, retry := 0, time.Time{}
		for _, w := range rs {
			if w.dir == "" || w.passes < Passes || w.last.Sub(w.since) < scaling.DefaultBackoff(1) ||
				now.Sub(w.last) > 2*r.Interval {
				continue
			}
			if f, at := Ladder(w.since, w.last); f > failures {
				failures, retry = f, at
			}
		}
		if failures == 0 {
			continue
		}
		st := state(vmid)
		st.Failures = max(st.Failures, failures)
		if retry.After(st.RetryAfter) {
			st.RetryAfter = retry
		}
		n++
	}
	r.byVMID = nil
	return n
}

// Ladder is the failures DefaultBackoff lets a writer make from since to
// last, failing at since and at every retry, and when it would retry next.
func Ladder(since, last time.Time) (failures int, retry time.Time) {
	at := since
	for {
		failures++
		next := at.Add(scaling.DefaultBackoff(failures))
		if next.After(last) {
			return failures, next
		}
		at = next
	}
}
