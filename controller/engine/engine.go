package engine

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine/admission"
	"github.com/lxc-autoscale/lxc-autoscale/controller/engine/listing"
	"github.com/lxc-autoscale/lxc-autoscale/controller/engine/trainrows"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/policies"
	"github.com/lxc-autoscale/lxc-autoscale/controller/takeover"
	"github.com/lxc-autoscale/lxc-autoscale/forest"
)

// Engine is the decision part of a pass, without I/O and without the wall
// clock: it folds a collected Tick into the containers' windows, trains the
// model when due, scores every listed container, selects its policy and
// decides, orders the decisions by urgency and guards them, and records
// the outcomes it is told back into the state. The loop (Controller.pass)
// and the simulator (Simulate's ours) both run it through Step, so that
// simulate measures the code that runs; what differs is only where the
// tick comes from (a cluster listing or a trace) and what carries out the
// admitted changes (the Actuator or the replay).
//
// It reports what the loop logs and counts through hooks; it never logs,
// reads the clock or calls Proxmox itself. Its time is the tick's.
type Engine struct {
	opts  Options
	hooks Hooks

	// Tracked are the containers followed, by VMID.
	Tracked map[int]*Container
	// Pools is the pool membership the loop reads every few minutes.
	Pools map[int]string
	// States are the cooldowns, pauses and backoffs decided from: the
	// loop's State.Containers, shared.
	States map[int]*scaling.ContainerState
	// Model is the anomaly model in use (nil: none yet), trained at
	// ModelTrainedAt.
	Model          *forest.Forest
	ModelTrainedAt time.Time

	// training is what the next training fits on, kept as passes score.
	training trainrows.Set

	// observes numbers the calls of Observe (Container.observed).
	observes uint64

	listed listing.VMIDs // a listing's VMIDs, for fusable
	// sorted is the latest SortedTracked (sortedHolds).
	sorted []*Container

	// Buffers reused from pass to pass: the walk's and shards' (shard.go).
	walk   walker
	shards []walker
	trs    []*Container
	// decides numbers the calls of scoreAndDecide (Container.decidedIn).
	decides uint64

	// pressures are the newest pressures of the decisions scoreAndDecide
	// made (same index), for Step's ordering.
	pressures []float64

	// Following says this replica does not hold the lease (set by the loop
	// before Step; followed is the previous Step's): wants are then the
	// changes it saw the leader leave unmade (controller/takeover).
	Following, followed bool
	wants               takeover.Runs
}

// Options are the parts of the loop's options the decisions depend on.
type Options struct {
	Interval, Window, ShortPeriod time.Duration
	Model                         ModelOptions
	// Scale false scores without deciding (monitor mode).
	Scale bool
	// NoteResizes starts cooldowns from allocation changes the listings
	// show and the engine did not make (resizes.go); the loop sets it,
	// a replayed trace has no one else's changes.
	NoteResizes bool
	// Workers walk a pass (shard.go; 0: one per CPU and 1,000 containers).
	Workers int
}

// Hooks receive what the loop logs and counts, on Step's goroutine (a
// sharded walk's after it, in listing order); nil ones are not called.
type Hooks struct {
	Migrated  func(vmid int, from, to string)
	Forgotten func(vmid int, node string)
	// Anomalous is called when a container's score reaches the threshold
	// after being below it (or none).
	Anomalous func(vmid int, score float64)
	// Runaway is called when Decide starts holding a container's cores as
	// pinned by a runaway process (scaling/runaway.go), with the hold's
	// detail.
	Runaway  func(vmid int, score float64, detail string)
	Panicked func(vmid int, recovered any, stack []byte)
	// Trained is called after a new model is made current, with how long
	// fitting took by Elapsed (the loop's wall clock; nil: not measured).
	Trained func(rows, trees int, took time.Duration, at time.Time)
	Elapsed func(fit func()) time.Duration
}

func New(o Options, h Hooks) *Engine {
	e := &Engine{
		opts:    o,
		hooks:   h,
		Tracked: map[int]*Container{},
		Pools:   map[int]string{},
		States:  map[int]*scaling.ContainerState{},
	}
	e.wants.Interval = o.Interval
	// Enough rows per pass for maxTrainingRows over the training window.
	e.training.Width, e.training.MaxRows = NumModelFeatures, maxTrainingRows
	if passes := int(e.trainingWindow() / max(o.Interval, 1)); passes > 0 {
		e.training.PerPass = (maxTrainingRows + passes - 1) / passes
	}
	return e
}

// StepResult is what one step decided.
type StepResult struct {
	// All holds every decision made, in listing order, as the guard left
	// them (for the snapshot).
	All []scaling.Decision
	// Idle are the decisions that wanted no change; Admitted those that
	// did, most urgent first, as the guard admitted them (a change the
	// guard held back is a Hold).
	Idle, Admitted []scaling.Decision
	// TrainErr is why a training that was due failed; the previous model
	// (or none) stays.
	TrainErr error
	Trained  bool
	// Inherited is how many containers a replica that starts to lead gave
	// backoffs from what it saw while following.
	Inherited int
}

// Step is one pass of the decision code on tick t with the policies sel
// and guard. learn, when set, is called with the decisions before they are
// guarded, to complete what only a config read tells (the loop's
// learnConfigs; a replayed trace has nothing to learn: its configs are
// what its listings say).
func (e *Engine) Step(t Tick, sel policies.Selection, guard *scaling.Guard, learn func(decisions []scaling.Decision)) StepResult {
	var r StepResult
	// One walk (doc.go: 10,000 histories are 160 MB) unless a training or
	// a new leader's inheritance reads every window first, or the listing.
	fused := !e.trainDue(t.End) && (!e.followed || e.Following) && e.fusable(t)
	if !fused {
		e.Observe(t)
		if e.followed && !e.Following { // after Observe: a write that landed shows
			r.Inherited = e.wants.Inherit(t.End, e.containerState)
		}
		if e.trainDue(t.End) {
			r.TrainErr = e.train(t.End)
			r.Trained = r.TrainErr == nil
		}
	}
	e.followed = e.Following
	r.All = e.scoreAndDecide(t, sel, true, fused)
	if !e.opts.Scale {
		return r
	}
	if learn != nil {
		// learn decides again only from the same windows: the pressures
		// read while deciding still hold.
		learn(r.All)
	}
	r.Idle, r.Admitted = admission.Admit(t.Nodes, t.Containers, r.All, guard, e.workers(len(t.Containers)), func(i int, _ *scaling.Decision) float64 { return e.pressures[i] })
	return r
}

// fusable reports whether t allows Step's one walk (listing.Fusable).
func (e *Engine) fusable(t Tick) bool {
	return e.listed.Fusable(t.Containers, func(vmid int) bool { return e.Tracked[vmid] != nil })
}

// NewWindow sizes a window for the interval, with room for a backfill at a
// finer resolution than the interval.
func (e *Engine) NewWindow() *window {
	return newWindow(e.opts.Window, int(e.opts.Window/e.opts.Interval)+8)
}

// SortedTracked returns the tracked containers by VMID, so that every walk
// over them is deterministic.
func (e *Engine) SortedTracked() []*Container {
	if !e.sortedHolds() {
		e.sorted = e.sorted[:0]
		for _, tr := range e.Tracked {
			e.sorted = append(e.sorted, tr)
		}
		slices.SortFunc(e.sorted, func(a, b *Container) int { return cmp.Compare(a.VMID, b.VMID) })
	}
	return slices.Clone(e.sorted)
}

// sortedHolds reports whether the order kept from the last SortedTracked
// is still Tracked's: the same number of containers, each still tracked
// under its VMID (and so the same set, the VMIDs kept being distinct).
// Tracked is changed from outside the engine too (a backfill, a restore),
// so the check looks rather than trusting a flag; it costs a lookup per
// container instead of sorting them all every pass.
func (e *Engine) sortedHolds() bool {
	if len(e.sorted) != len(e.Tracked) || len(e.sorted) == 0 {
		return false
	}
	for _, tr := range e.sorted {
		if e.Tracked[tr.VMID] != tr {
			return false
		}
	}
	return true
}

// Forget drops a container.
func (e *Engine) Forget(vmid int) {
	tr := e.Tracked[vmid]
	if tr == nil {
		return
	}
	delete(e.Tracked, vmid)
	if e.hooks.Forgotten != nil {
		e.hooks.Forgotten(vmid, tr.Node)
	}
}

// containerState is the container's remembered actions, created when
// missing.
func (e *Engine) containerState(vmid int) *scaling.ContainerState {
	st := e.States[vmid]
	if st == nil {
		st = &scaling.ContainerState{}
		e.States[vmid] = st
	}
	return st
}

// Record folds the outcomes of one container's decision, carried out at
// at, into its state (cooldowns, backoff) and its config facts.
func (e *Engine) Record(vmid int, outcomes []scaling.Outcome, at time.Time) {
	if tr := e.Tracked[vmid]; tr != nil && tr.Facts.HoldsFor(tr.Last) {
		tr.Facts.NoteApplied(outcomes)
	}
	e.containerState(vmid).Record(outcomes, at, scaling.DefaultBackoff)
}

// trainingWindow is how far back training rows come from: the model's
// training window, within the history the windows keep.
func (e *Engine) trainingWindow() time.Duration {
	return min(e.opts.Model.TrainingWindow, e.opts.Window)
}

// trainDue reports whether the model is to be (re)trained at now.
func (e *Engine) trainDue(now time.Time) bool {
	return e.opts.Model.Enabled && (e.Model == nil || now.Sub(e.ModelTrainedAt) >= e.opts.Model.RetrainInterval)
}

// ScoreAndDecide computes each listed container's features and score and,
// when scaling, its decision.
func (e *Engine) ScoreAndDecide(t Tick, sel policies.Selection) []scaling.Decision {
	return e.scoreAndDecide(t, sel, false, false)
}

// scoreAndDecide is ScoreAndDecide; with pressures it keeps each
// decision's newest pressure in e.pressures, read while the container's
// newest sample is at hand rather than looked up again when ordering.
// fused observes t too, each container just before its turn.
func (e *Engine) scoreAndDecide(t Tick, sel policies.Selection, pressures, fused bool) []scaling.Decision {
	now := t.End
	keep := e.opts.Model.Enabled && e.training.PerPass > 0
	if keep {
		e.training.Begin(now, e.opts.Model.Seed)
		defer e.training.End(now, e.trainingWindow())
	}
	e.pressures = e.pressures[:0]
	e.decides++
	one := func(k *walker, i int, tr *Container) {
		if ct := &t.Containers[i]; tr == nil || tr.Node != ct.Node {
			return
		}
		e.protect(k, tr.VMID, func() {
			e.score(k, tr, now, keep)
			if w := tr.Window; tr.Status == "running" && tr.SeenAt.Equal(now) && w.Len() > 0 {
				tr.Usage.Observe(now, busyCores(w, w.Len()-1), float64(memoryBytes(w, w.Len()-1)), e.opts.Interval, !tr.AnomalousSince.IsZero())
			}
			if !e.opts.Scale {
				return
			}
			policy, rules, excluded := sel.Select(tr.VMID, tr.Tags, tr.Pool)
			if st := e.States[tr.VMID]; excluded != "" || (st != nil && st.Paused) {
				return
			}
			if d, ok := e.decide(k, tr, policy, rules, now, k.slab); ok {
				k.out = append(k.out, d)
				tr.decided, tr.decidedIn = len(k.out)-1, e.decides
				if pressures {
					k.pressures = append(k.pressures, tr.Window.LastPressure())
				}
				if k.deferred {
					k.decided = append(k.decided, tr)
				}
			}
		})
	}
	if w := e.workers(len(t.Containers)); fused && w > 1 {
		return e.walkSharded(t, w, one)
	}
	// Sized for a decision per container (doubling copied 10,000 twice);
	// a new slab each pass: the decisions of the last are still read.
	k := &e.walk
	k.out, k.slab, k.pressures = make([]scaling.Decision, 0, len(t.Containers)), scaling.NewSlab(len(t.Containers)), e.pressures
	if fused {
		e.observe(t, k, one)
	} else {
		for i := range t.Containers {
			one(k, i, e.Tracked[t.Containers[i].VMID])
		}
	}
	out := k.out
	e.pressures, k.out, k.slab, k.pressures = k.pressures, nil, nil, nil
	return out
}

// DecisionIn returns tr's decision in all, what the latest Step or
// ScoreAndDecide returned (as learning and the guard left it there), or
// nil when that made none for tr: a look at the index the container kept
// instead of a map of the pass's decisions by VMID.
func (e *Engine) DecisionIn(tr *Container, all []scaling.Decision) *scaling.Decision {
	if tr.decidedIn != e.decides || tr.decided >= len(all) || all[tr.decided].VMID != tr.VMID {
		return nil
	}
	return &all[tr.decided]
}

// Protect runs f for one container and turns a panic into a report: one
// container never stops the pass.
func (e *Engine) Protect(vmid int, f func()) { e.protect(&e.walk, vmid, f) }

// protect is Protect reporting through k.
func (e *Engine) protect(k *walker, vmid int, f func()) {
	defer func() {
		if r := recover(); r != nil {
			buf := make([]byte, 4096)
			buf = buf[:runtime.Stack(buf, false)]
			if e.hooks.Panicked != nil {
				e.call(k, vmid, func() { e.hooks.Panicked(vmid, r, buf) })
			}
		}
	}()
	f()
}

// score computes the container's features and, with a model, its score;
// a running container's vector is offered to the training set (keep).
func (e *Engine) score(k *walker, tr *Container, now time.Time, keep bool) {
	w := tr.Window
	if w.Len() == 0 {
		return
	}
	tr.Features = computeFeatures(w, w.Len(), now, e.opts.ShortPeriod, e.opts.Window, &k.scratch)
	// Sampled this tick (Observe added it): its features are a row, unless
	// its cores are held as a runaway: the model would learn as normal the
	// anomaly it flagged (in a small cluster two runaways taught it a third's).
	st := e.States[tr.VMID]
	keep = keep && tr.Status == "running" && tr.SeenAt.Equal(now) && (st == nil || st.Runaway.IsZero())
	if e.Model == nil && !keep {
		return
	}
	if k.vector = tr.Features.ModelVector(k.vector); keep && k.deferred {
		k.offers.Add(k.vector) // offered after the shards (shard.go)
	} else if keep {
		e.training.Offer(k.vector)
	}
	if e.Model == nil {
		return
	}
	tr.Score = e.Model.Score(k.vector)
	if tr.Score >= e.opts.Model.Threshold {
		if tr.AnomalousSince.IsZero() {
			tr.AnomalousSince = now
			if vmid, score := tr.VMID, tr.Score; e.hooks.Anomalous != nil {
				e.call(k, vmid, func() { e.hooks.Anomalous(vmid, score) })
			}
		}
	} else {
		tr.AnomalousSince = time.Time{}
	}
}

// Decide builds the container's signals and runs Decide.
func (e *Engine) Decide(tr *Container, policy string, rules scaling.Rules, now time.Time) (scaling.Decision, bool) {
	return e.decide(&e.walk, tr, policy, rules, now, nil)
}

// decide is Decide with the changes and holds cut from slab (nil:
// allocated).
func (e *Engine) decide(k *walker, tr *Container, policy string, rules scaling.Rules, now time.Time, slab *scaling.Slab) (scaling.Decision, bool) {
	st := e.States[tr.VMID]
	if st == nil {
		st = &scaling.ContainerState{}
	}
	sig := e.signals(&k.history, tr, rules, now)
	d := slab.Decide(sig, policy, rules, st.CooldownsFor(rules.Mode), now)
	if !d.Runaway.Equal(st.Runaway) { // scaling/runaway.go's hold starts or ends
		if vmid, at := tr.VMID, d.Runaway; e.States[vmid] != nil {
			e.States[vmid].Runaway = at // the container's own: no shard shares it
		} else {
			e.call(k, vmid, func() { e.containerState(vmid).Runaway = at })
		}
		e.runawayStarted(k, &d, tr.Score)
	}
	if tr.Lock != "" && len(d.Changes) > 0 {
		// The listing already shows a lock: do not even read the config.
		for _, ch := range d.Changes {
			d.Holds = append(d.Holds, scaling.Hold{Resource: ch.Resource, Reason: scaling.SkipLocked, Text: "locked (" + tr.Lock + ")"})
		}
		d.Changes = nil
	}
	if vmid, mode, changes := tr.VMID, rules.Mode, d.Changes; e.Following && k.deferred {
		e.call(k, vmid, func() { e.wants.Note(vmid, mode, changes, now) })
	} else if e.Following {
		e.wants.Note(vmid, mode, changes, now)
	}
	if st.Failures > 0 && now.Before(st.RetryAfter) && len(d.Changes) > 0 {
		for _, ch := range d.Changes {
			d.Holds = append(d.Holds, scaling.Hold{Resource: ch.Resource, Reason: scaling.SkipBackoff,
				Text: fmt.Sprintf("%d failed writes; retrying after %s", st.Failures, st.RetryAfter.Format(time.RFC3339))})
		}
		d.Changes = nil
	}
	return d, true
}

// runawayStarted tells Hooks.Runaway of a runaway hold that d starts.
func (e *Engine) runawayStarted(k *walker, d *scaling.Decision, score float64) {
	if d.Runaway.IsZero() || e.hooks.Runaway == nil {
		return
	}
	for _, h := range d.Holds {
		if h.Resource == scaling.ResourceCores {
			vmid, detail := d.VMID, h.Detail()
			e.call(k, vmid, func() { e.hooks.Runaway(vmid, score, detail) })
		}
	}
}
