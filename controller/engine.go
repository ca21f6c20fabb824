package controller

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/forest"
)

// engine is the decision part of a pass, without I/O and without the wall
// clock: it folds a collected tick into the tracked windows, trains the
// model when due, scores every listed container, selects its policy and
// decides, orders the decisions by urgency and guards them, and records
// the outcomes it is told back into the state. The loop (Controller.pass)
// and the simulator (Simulate's ours) both run it through step, so that
// simulate measures the code that runs; what differs is only where the
// tick comes from (a cluster listing or a trace) and what carries out the
// admitted changes (the Actuator or the replay).
//
// It reports what the loop logs and counts through hooks; it never logs,
// reads the clock or calls Proxmox itself. Its time is the tick's.
type engine struct {
	opts  engineOptions
	hooks engineHooks

	tracked        map[int]*tracked
	pools          map[int]string // pool membership, read by the loop every few minutes
	state          *State         // its Containers are the cooldowns, pauses and backoffs decided from
	model          *forest.Forest
	modelTrainedAt time.Time

	// Buffers reused from pass to pass.
	scratch   featureScratch
	vector    []float64
	cpuSeries Series
	memSeries Series
}

// engineOptions are the parts of Options the decisions depend on.
type engineOptions struct {
	Interval, Window, ShortPeriod time.Duration
	Model                         ModelOptions
	// Scale false scores without deciding (monitor mode).
	Scale bool
}

// engineHooks receive what the loop logs and counts; a nil hook is not
// called (the simulator sets none).
type engineHooks struct {
	migrated  func(vmid int, from, to string)
	forgotten func(vmid int, node string)
	scored    func(vmid int, score float64)
	panicked  func(vmid int, recovered any, stack []byte)
	// trained is called after a new model is made current, with how long
	// fitting took by elapsed (the loop's wall clock; nil: not measured).
	trained func(rows, trees int, took time.Duration, at time.Time)
	elapsed func(since func()) time.Duration
}

func newEngine(o engineOptions, h engineHooks) *engine {
	return &engine{
		opts:    o,
		hooks:   h,
		tracked: map[int]*tracked{},
		pools:   map[int]string{},
		state:   NewState(),
	}
}

// stepResult is what one step decided.
type stepResult struct {
	// all holds every decision made, in listing order, as the guard left
	// them (for the snapshot).
	all []Decision
	// idle are the decisions that wanted no change; admitted those that
	// did, most urgent first, as the guard admitted them (a change the
	// guard held back is a Hold).
	idle, admitted []Decision
	// trainErr is why a training that was due failed; the previous model
	// (or none) stays.
	trainErr error
	trained  bool
}

// step is one pass of the decision code on tick t with the policies sel
// and guard. learn, when set, is called with the decisions before they are
// guarded, to complete what only a config read tells (the loop's
// learnConfigs; a replayed trace has nothing to learn: its configs are
// what its listings say).
func (e *engine) step(t tick, sel Selection, guard *Guard, learn func(decisions []Decision)) stepResult {
	var r stepResult
	e.observe(t)
	if e.trainDue(t.end) {
		r.trainErr = e.train(t.end)
		r.trained = r.trainErr == nil
	}
	r.all = e.scoreAndDecide(t, sel)
	if !e.opts.Scale {
		return r
	}
	if learn != nil {
		learn(r.all)
	}
	r.idle, r.admitted = e.admit(t, r.all, guard)
	return r
}

// newWindow sizes a window for the interval, with room for a backfill at a
// finer resolution than the interval.
func (e *engine) newWindow() *window {
	return newWindow(e.opts.Window, int(e.opts.Window/e.opts.Interval)+8)
}

// sortedTracked returns the tracked containers by VMID, so that every walk
// over them is deterministic.
func (e *engine) sortedTracked() []*tracked {
	out := make([]*tracked, 0, len(e.tracked))
	for _, tr := range e.tracked {
		out = append(out, tr)
	}
	slices.SortFunc(out, func(a, b *tracked) int { return cmp.Compare(a.vmid, b.vmid) })
	return out
}

// forget drops a container.
func (e *engine) forget(vmid int) {
	tr := e.tracked[vmid]
	if tr == nil {
		return
	}
	delete(e.tracked, vmid)
	if e.hooks.forgotten != nil {
		e.hooks.forgotten(vmid, tr.node)
	}
}

// containerState is the container's remembered actions, created when
// missing.
func (e *engine) containerState(vmid int) *ContainerState {
	st := e.state.Containers[vmid]
	if st == nil {
		st = &ContainerState{}
		e.state.Containers[vmid] = st
	}
	return st
}

// record folds the outcomes of one container's decision, carried out at
// at, into its state (cooldowns, backoff) and its config facts.
func (e *engine) record(vmid int, outcomes []Outcome, at time.Time) {
	if tr := e.tracked[vmid]; tr != nil && tr.facts.holdsFor(tr.last) {
		tr.facts.noteApplied(outcomes)
	}
	e.containerState(vmid).Record(outcomes, at, DefaultBackoff)
}

// trainDue reports whether the model is to be (re)trained at now.
func (e *engine) trainDue(now time.Time) bool {
	return e.opts.Model.Enabled && (e.model == nil || now.Sub(e.modelTrainedAt) >= e.opts.Model.RetrainInterval)
}

// scoreAndDecide computes each listed container's features and score and,
// when scaling, its decision.
func (e *engine) scoreAndDecide(t tick, sel Selection) []Decision {
	now := t.end
	var out []Decision
	for i := range t.containers {
		ct := &t.containers[i]
		tr := e.tracked[ct.VMID]
		if tr == nil || tr.node != ct.Node {
			continue
		}
		e.protect(ct.VMID, func() {
			e.score(tr, now)
			if !e.opts.Scale {
				return
			}
			policy, rules, excluded := sel.Select(tr.vmid, tr.tags, tr.pool)
			if st := e.state.Containers[tr.vmid]; excluded != "" || (st != nil && st.Paused) {
				return
			}
			if d, ok := e.decide(tr, policy, rules, now); ok {
				out = append(out, d)
			}
		})
	}
	return out
}

// protect runs f for one container and turns a panic into a report: one
// container never stops the pass.
func (e *engine) protect(vmid int, f func()) {
	defer func() {
		if r := recover(); r != nil {
			buf := make([]byte, 4096)
			buf = buf[:runtime.Stack(buf, false)]
			if e.hooks.panicked != nil {
				e.hooks.panicked(vmid, r, buf)
			}
		}
	}()
	f()
}

// score computes the container's features and, with a model, its score.
func (e *engine) score(tr *tracked, now time.Time) {
	w := tr.window
	if w.Len() == 0 {
		return
	}
	tr.features = computeFeatures(w, w.Len(), now, e.opts.ShortPeriod, e.opts.Window, &e.scratch)
	if e.model == nil {
		return
	}
	e.vector = tr.features.ModelVector(e.vector)
	tr.score = e.model.Score(e.vector)
	if tr.score >= e.opts.Model.Threshold {
		if tr.anomalousSince.IsZero() {
			tr.anomalousSince = now
		}
	} else {
		tr.anomalousSince = time.Time{}
	}
	if e.hooks.scored != nil {
		e.hooks.scored(tr.vmid, tr.score)
	}
}

// decide builds the container's signals and runs Decide.
func (e *engine) decide(tr *tracked, policy string, rules Rules, now time.Time) (Decision, bool) {
	st := e.state.Containers[tr.vmid]
	if st == nil {
		st = &ContainerState{}
	}
	sig := e.signals(tr, rules, now)
	d := Decide(sig, policy, rules, st.CooldownsFor(rules.Mode), now, e.anomalyRise())
	if tr.lock != "" && len(d.Changes) > 0 {
		// The listing already shows a lock: do not even read the config.
		for _, ch := range d.Changes {
			d.Holds = append(d.Holds, Hold{Resource: ch.Resource, Reason: SkipLocked, Detail: "locked (" + tr.lock + ")"})
		}
		d.Changes = nil
	}
	if st.Failures > 0 && now.Before(st.RetryAfter) && len(d.Changes) > 0 {
		for _, ch := range d.Changes {
			d.Holds = append(d.Holds, Hold{Resource: ch.Resource, Reason: SkipBackoff,
				Detail: fmt.Sprintf("%d failed writes; retrying after %s", st.Failures, st.RetryAfter.Format(time.RFC3339))})
		}
		d.Changes = nil
	}
	return d, true
}

// anomalyRise is how long a container must be anomalous, with utilisation
// past the up threshold all along, before it scales up without waiting for
// the stabilisation window: two ticks.
func (e *engine) anomalyRise() time.Duration { return 2 * e.opts.Interval }

// signals extracts what Decide needs from the container's window. The
// series reuse the engine's buffers: Decide does not keep them.
func (e *engine) signals(tr *tracked, r Rules, now time.Time) Signals {
	w := tr.window
	span := max(r.StabilizationUp, r.StabilizationDown, e.anomalyRise()) + 2*e.opts.Interval
	from := w.Since(now.Add(-span))
	e.cpuSeries, e.memSeries = e.cpuSeries[:0], e.memSeries[:0]
	for i := from; i < w.Len(); i++ {
		p := w.packedAt(i)
		t := w.timeAt(i)
		// Against the cores allocated now, not then: after a resize the
		// older samples no longer count as past the threshold, so a new
		// change needs new evidence.
		util := 0.0
		if tr.alloc.Cores > 0 {
			util = float64(p.cpu) / float64(tr.alloc.Cores)
		}
		e.cpuSeries = append(e.cpuSeries, Point{Time: t, Value: util})
		e.memSeries = append(e.memSeries, Point{Time: t, Value: float64(uint64(p.memKiB) << 10)})
	}
	var peak uint64
	var cpuPeak float64
	for i := range w.Len() {
		p := w.packedAt(i)
		peak = max(peak, uint64(p.memKiB)<<10)
		cpuPeak = max(cpuPeak, float64(p.cpu))
	}
	sig := Signals{
		VMID: tr.vmid, Node: tr.node, Running: tr.status == "running", Alloc: tr.alloc,
		CPU: e.cpuSeries, Memory: e.memSeries, MemoryPeak: peak, CPUPeak: cpuPeak,
		SwapUsed: tr.last.Swap, DiskUsed: tr.last.Disk, DiskSize: tr.last.MaxDisk,
		CoresMax: tr.coresMax(),
		Score:    tr.score, AnomalousSince: tr.anomalousSince,
	}
	if f := tr.facts; f.holdsFor(tr.last) {
		sig.CoresUnmanaged = f.coresUnmanaged
	}
	return sig
}

// admit orders the decisions that want a change by urgency and passes
// them through the guard, with the room of the tick's nodes. It returns
// the decisions that want nothing (idle) and the others as admitted, most
// urgent first, and puts the admitted ones back into all.
func (e *engine) admit(t tick, all []Decision, guard *Guard) (idle, admitted []Decision) {
	// Most containers need nothing: only decisions with changes go
	// through the ordering and the guard.
	for i := range all {
		if len(all[i].Changes) > 0 {
			admitted = append(admitted, all[i])
		} else {
			idle = append(idle, all[i])
		}
	}
	SortByUrgency(admitted, func(d Decision) float64 {
		last, _ := e.tracked[d.VMID].window.Last()
		return max(last.CPUUtilisation(), last.MemoryUtilisation())
	})
	capacity := make([]NodeCapacity, 0, len(t.nodes))
	for _, n := range t.nodes {
		capacity = append(capacity, NodeCapacity{Node: n.Name, CPUs: n.CPUs, MemoryBytes: n.MemoryBytes})
	}
	allocated := map[string]Allocated{}
	for _, ct := range t.containers {
		if ct.Status != "running" {
			continue
		}
		a := allocated[ct.Node]
		a.Cores += ct.CPUs
		a.MemoryBytes += ct.MaxMem
		allocated[ct.Node] = a
	}
	pass := guard.NewPass(capacity, allocated)
	byVMID := make(map[int]int, len(admitted))
	for i := range admitted {
		admitted[i] = pass.Admit(admitted[i])
		byVMID[admitted[i].VMID] = i
	}
	// The snapshot shows what the guard made of each decision.
	for i := range all {
		if j, ok := byVMID[all[i].VMID]; ok {
			all[i] = admitted[j]
		}
	}
	return idle, admitted
}
