package replay

import (
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/policies"
)

// Replay runs the loop's own pass (engine.Engine.Step: observe, train when
// due, score, select, Decide, order, guard) on observations a replay
// supplies instead of a cluster listing, for controller/sim. It holds
// everything the loop would: the windows, the model, the cooldowns. Not
// safe for concurrent use.
type Replay struct {
	engine *engine.Engine
	sel    policies.Selection
	guard  *scaling.Guard
	node   scaling.NodeCapacity
}

// Options configure a Replay as engine.Options configure the loop.
type Options struct {
	Interval, Window, ShortPeriod time.Duration
	Selection                     policies.Selection
	Model                         engine.ModelOptions
	Guard                         scaling.GuardOptions
	// Node is the one node every container runs on: its name and room for
	// the guard.
	Node scaling.NodeCapacity
}

// New builds a Replay; the options are taken as they are (Simulate fills
// in its defaults).
func New(o Options) *Replay {
	e := engine.New(engine.Options{
		Interval: o.Interval, Window: o.Window, ShortPeriod: o.ShortPeriod, Model: o.Model, Scale: true,
	}, engine.Hooks{})
	return &Replay{engine: e, sel: o.Selection, guard: scaling.NewGuard(o.Guard), node: o.Node}
}

// Step is one pass of the loop at now over the containers observed (in
// VMID order, as a listing is walked): it returns the decisions the guard
// admitted, most urgent first. A training that fails leaves the previous
// model (or none), as in the loop.
func (r *Replay) Step(now time.Time, observed []engine.Observed) []scaling.Decision {
	return r.engine.Step(engine.TickOf(now, r.node, observed), r.sel, r.guard, nil).Admitted
}

// StepTick is Step on a tick a loop collected, so that a test can feed
// the loop and the replay the same listing.
func (r *Replay) StepTick(t engine.Tick) engine.StepResult {
	return r.engine.Step(t, r.sel, r.guard, nil)
}

// Record folds the outcomes of a decision carried out at at into the
// state its later decisions see (cooldowns, backoff).
func (r *Replay) Record(vmid int, outcomes []scaling.Outcome, at time.Time) {
	r.engine.Record(vmid, outcomes, at)
}

// Model reports whether a model is in use and when it was trained.
func (r *Replay) Model() (trained bool, at time.Time) {
	return r.engine.Model != nil, r.engine.ModelTrainedAt
}

// Score is the container's latest anomaly score; NaN when it has none.
func (r *Replay) Score(vmid int) (float64, bool) {
	tr := r.engine.Tracked[vmid]
	if tr == nil {
		return 0, false
	}
	return tr.Score, true
}
