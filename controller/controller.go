package controller

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/controller/audit"
	"github.com/lxc-autoscale/lxc-autoscale/controller/ctview"
	"github.com/lxc-autoscale/lxc-autoscale/controller/engine"
	"github.com/lxc-autoscale/lxc-autoscale/controller/export"
	"github.com/lxc-autoscale/lxc-autoscale/controller/journal"
	"github.com/lxc-autoscale/lxc-autoscale/controller/notify"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/policies"
)

// Options configure a Controller. cmd maps the configuration into them.
type Options struct {
	Cluster Cluster
	// Logger has no component yet: the loop's lines get "controller",
	// the exporter's "exporter" (one key each, never two).
	Logger  zerolog.Logger
	Metrics *Metrics // nil: unregistered collectors
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	Interval time.Duration
	Jitter   float64 // fraction of Interval
	// Window is the history kept per container; ShortPeriod the recent part
	// of it that short-term features summarise (default 5 minutes).
	Window, ShortPeriod time.Duration
	// PassTimeout bounds one pass; 0 means max(3 x Interval, 1 minute).
	PassTimeout time.Duration
	// Workers shard a pass's walk over the containers (engine.Options).
	Workers int

	// Backfill reads each container's RRD hour once, in the background,
	// BackfillConcurrency at a time (backfill.go).
	Backfill            bool
	BackfillConcurrency int

	ExportFile        string // "" disables lxc_metrics.json
	ExportInterval    time.Duration
	MaxMetricsEntries int

	Model engine.ModelOptions

	// Scale false makes a monitor: collect, score and export, never decide.
	Scale     bool
	Selection policies.Selection
	Guard     scaling.GuardOptions
	// PoolRefresh is how often pool membership is read (one
	// /cluster/resources call) when a policy selects by pool; 0 means 5
	// minutes.
	PoolRefresh time.Duration

	// Leading says whether this replica holds the lease (nil: always);
	// a follower observes and decides, never acts. Successor, with it,
	// says whether its leadership followed an earlier leader's (nil: it
	// did), whose last changes it may not have seen (noteUnseen).
	Leading, Successor func() bool

	StateFile   string     // "" keeps state in memory only
	Audit       *audit.Log // nil: no audit record
	TaskTimeout time.Duration
	// Notify is told of changes, anomalies and unreachable nodes (notices.go),
	// from the loop goroutine; it must not block. nil: nobody is told.
	Notify func(notify.Event)
}

// Controller is the reconcile loop. Run owns it; Reload, Snapshot, Bounds,
// SetPaused and RecordManual may be called from other goroutines (the API).
type Controller struct {
	opts    Options
	cluster Cluster
	log     zerolog.Logger
	metrics *Metrics
	now     func() time.Time

	actuator *Actuator
	exporter *export.File
	journal  *journal.Journal // nil without a state file

	// The policies are swapped by Reload and read by the loop; pauses and
	// manual changes are handed over by SetPaused and RecordManual and
	// applied by the next pass.
	policyMu  sync.Mutex
	selection policies.Selection
	guard     *scaling.Guard
	pauses    map[int]bool
	manual    []manualChange

	// Owned by the loop goroutine. The engine holds what the decisions
	// are made from (the tracked containers, the model, the state).
	*engine.Engine
	state      *State
	poolsAt    time.Time
	stateDirty bool
	journalSeq uint64 // the last journal record the state holds
	lastExport time.Time
	historyAt  time.Time // window_bytes was last summed
	// recommendedAt is when publish last read the recommendations, which
	// move with a day's half-life: once a minute, not every pass.
	recommendedAt time.Time
	views         []ctview.Values // publish's, reused
	// recommending are the containers whose Recommended is set (apply).
	recommending map[int]bool
	backfill     backfillRun

	led, historyGrew bool // the last pass led; history folded since a scan for resizes
	// failingNodes are the nodes whose listing failed last pass, so that a
	// node that stays unreachable is logged when it starts and stops
	// failing, not every pass (the metric counts every failure).
	failingNodes map[string]bool
	anomalies    int // turned anomalous this pass (notices.go)
	// The export: cycles handed to its writer, and the read of the file at
	// start (persist.go).
	exporting     sync.WaitGroup
	exportQueue   exportQueue
	exportLoading sync.WaitGroup
	exportLoaded  <-chan exportedWindows

	selfCPU time.Duration // this process's CPU time at selfAt
	selfAt  time.Time

	snapMu sync.RWMutex
	snap   Snapshot
}

// New checks the options and builds a Controller.
func New(o Options) (*Controller, error) {
	if o.Cluster == nil {
		return nil, errors.New("controller: no cluster")
	}
	if o.Interval <= 0 || o.Window < o.Interval {
		return nil, fmt.Errorf("controller: interval %s and window %s: want 0 < interval <= window", o.Interval, o.Window)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ShortPeriod <= 0 {
		o.ShortPeriod = min(5*time.Minute, o.Window)
	}
	if o.PassTimeout <= 0 {
		o.PassTimeout = max(3*o.Interval, time.Minute)
	}
	if o.PoolRefresh <= 0 {
		o.PoolRefresh = 5 * time.Minute
	}
	if o.BackfillConcurrency <= 0 {
		o.BackfillConcurrency = 4
	}
	if o.Metrics == nil {
		m, err := NewMetrics(nil)
		if err != nil {
			return nil, err
		}
		o.Metrics = m
	}
	c := &Controller{
		opts:      o,
		cluster:   o.Cluster,
		log:       o.Logger.With().Str("component", "controller").Logger(),
		metrics:   o.Metrics,
		now:       o.Now,
		selection: o.Selection,
		guard:     scaling.NewGuard(o.Guard),
		backfill:  backfillRun{rest: 10 * time.Second, timeout: max(o.Interval, 30*time.Second)},
	}
	c.Engine = engine.New(engine.Options{
		Interval: o.Interval, Window: o.Window, ShortPeriod: o.ShortPeriod, Model: o.Model, Scale: o.Scale, NoteResizes: true,
		Workers: o.Workers,
	}, c.engineHooks())
	c.useState(NewState())
	c.actuator = NewActuator(ActuatorOptions{
		Cluster:      o.Cluster,
		Logger:       c.log,
		Metrics:      o.Metrics,
		Audit:        o.Audit,
		Notify:       c.tell,
		TaskTimeout:  o.TaskTimeout,
		WriteTimeout: max(o.Interval, 30*time.Second),
	})
	if o.StateFile != "" {
		c.journal = journal.New(journalPath(o.StateFile))
	}
	if o.ExportFile != "" {
		c.exporter = NewExporter(ExporterOptions{
			Path: o.ExportFile, MaxEntries: o.MaxMetricsEntries, Logger: o.Logger, Metrics: o.Metrics, Now: o.Now,
		})
	}
	return c, nil
}

// Run loads the state, opens the export (its newest cycles are read in the
// background), then runs passes every Interval until ctx is cancelled,
// the first at once: the RRD backfill runs beside them, stops with ctx, and
// what it read is folded between passes. A write in progress when ctx is
// cancelled is finished (a compaction is stopped); the state is saved
// before Run returns. It returns nil on cancellation.
func (c *Controller) Run(ctx context.Context) error {
	c.loadState()
	c.loadExport(ctx)
	defer c.shutdown()

	for {
		started := c.now()
		c.pass(ctx)
		if ctx.Err() != nil {
			return nil
		}
		jitter := 0.0
		if c.opts.Jitter > 0 {
			jitter = (rand.Float64()*2 - 1) * c.opts.Jitter
		}
		next := started.Add(time.Duration(float64(c.opts.Interval) * (1 + jitter)))
		if !c.sleep(ctx, max(0, next.Sub(c.now()))) {
			return nil
		}
	}
}

func (c *Controller) shutdown() {
	c.stopBackfill()
	c.closeExport()
	c.saveState(true)
	c.closeJournal()
}

// pass is one tick: collect, (once, when its background read is done)
// fold lxc_metrics.json into the windows, fold the RRD histories the
// backfill read and ask it for the containers newly listed running,
// observe, score, decide, act, export, save. The pass has a deadline of
// PassTimeout; the backfill runs beside it (started by the first pass that
// collects, with ctx) and never delays it: from the fold to the end of the
// pass it dispatches no new read (pauseBackfill).
func (c *Controller) pass(ctx context.Context) {
	phases := newPhaseClock(c.metrics.phases)
	passCtx, cancel := context.WithDeadline(ctx, phases.start.Add(c.opts.PassTimeout))
	defer cancel()
	// before the listing: a new leader's is made after the old one stopped
	leading := c.opts.Leading == nil || c.opts.Leading()
	t, err := c.collect(passCtx)
	if err != nil {
		c.metrics.passes.WithLabelValues("failed").Inc()
		c.log.Error().Err(err).Msg("listing the cluster's nodes failed; nothing collected this tick")
		return
	}
	c.applyRequests()
	c.refreshPools(passCtx, t)
	phases.done("collect")
	c.foldExport(t)
	c.foldBackfill()
	c.askBackfill(ctx, t)
	defer c.pauseBackfill()()
	phases.done("backfill")
	sel, guard := c.policies()
	if leading && (!c.led || c.historyGrew) { // resizes from before it watched
		c.Engine.NoteResizesFromWindows()
		if c.opts.Leading != nil && (c.opts.Successor == nil || c.opts.Successor()) {
			c.noteUnseen(t, sel) // it may take over from a leader it did not watch
		}
		c.historyGrew = false
	}
	c.led = leading
	c.Engine.Following = !leading // a follower notes the changes the leader leaves unmade
	step := c.Engine.Step(t, sel, guard, phases.configReads(func(d []scaling.Decision) { c.learnConfigs(passCtx, t, d) }))
	c.countContainers(t)
	c.endAnomalies()
	switch {
	case step.TrainErr != nil:
		c.log.Warn().Err(step.TrainErr).Msg("training the anomaly model failed; scoring with the previous one")
	case step.Trained:
		c.stateDirty = true
	}
	if step.Inherited > 0 {
		c.stateDirty = true
		c.log.Info().Int("containers", step.Inherited).Msg("took over write backoffs from changes the previous leader left unmade")
	}
	phases.done("decide")
	decisions := step.All
	if c.opts.Scale && leading {
		c.apply(passCtx, step.Idle, step.Admitted)
	}
	phases.done("act")
	c.export(t)
	phases.done("export")
	c.saveState(false)
	phases.done("save")
	c.publish(t, decisions)
	phases.done("publish")

	c.metrics.passDuration.Observe(time.Since(phases.start).Seconds())
	if len(t.Failed) == 0 {
		c.metrics.passes.WithLabelValues("ok").Inc()
		c.metrics.lastPass.Set(float64(c.now().Unix()))
		c.snapMu.Lock()
		c.snap.LastSuccess = t.End
		c.snapMu.Unlock()
	} else {
		c.metrics.passes.WithLabelValues("partial").Inc()
	}
	c.log.Debug().Int("containers", len(t.Containers)).Int("failed_nodes", len(t.Failed)).
		Dur("took", time.Since(phases.start)).Msg("pass done")
}

// refreshPools reads pool membership when a policy selects by pool and the
// last read is older than PoolRefresh. The per-node listings do not carry
// pools, so this is the one extra call a tick may make, every few minutes.
func (c *Controller) refreshPools(ctx context.Context, t engine.Tick) {
	sel, _ := c.policies()
	if !slices.ContainsFunc(sel.Policies, func(p policies.Policy) bool { return len(p.Match.Pools) > 0 }) {
		return
	}
	if !c.poolsAt.IsZero() && t.End.Sub(c.poolsAt) < c.opts.PoolRefresh {
		return
	}
	all, err := c.cluster.ClusterContainers(ctx)
	if err != nil {
		c.log.Warn().Err(err).Msg("reading pool membership failed; keeping the previous one")
		return
	}
	pools := make(map[int]string, len(all))
	for _, ct := range all {
		if ct.Pool != "" {
			pools[ct.VMID] = ct.Pool
		}
	}
	c.Pools, c.poolsAt = pools, t.End
}

// engineHooks log and count what the engine reports.
func (c *Controller) engineHooks() engine.Hooks {
	return engine.Hooks{
		Migrated: func(vmid int, from, to string) {
			c.log.Info().Int("vmid", vmid).Str("from", from).Str("to", to).Msg("container migrated; keeping its history")
		},
		Forgotten: func(vmid int, node string) {
			c.log.Info().Int("vmid", vmid).Str("node", node).Msg("container gone; forgetting it")
			c.backfill.forget(vmid)
			delete(c.recommending, vmid)
			c.metrics.perContainer.Forget(vmid)
		},
		Anomalous: c.notifyAnomalous,
		Runaway: func(vmid int, score float64, detail string) {
			c.log.Warn().Int("vmid", vmid).Float64("score", score).Str("detail", detail).Msg("cores held: a runaway process?")
			c.tell(notify.RunawayEvent(vmid, score, detail))
		},
		Panicked: func(vmid int, recovered any, stack []byte) {
			c.metrics.panics.Inc()
			c.log.Error().Int("vmid", vmid).Interface("panic", recovered).Bytes("stack", stack).Msg("handling a container panicked; going on with the others")
		},
		Elapsed: func(f func()) time.Duration {
			started := time.Now()
			f()
			return time.Since(started)
		},
		Trained: func(rows, trees int, took time.Duration, at time.Time) {
			c.metrics.training.Observe(took.Seconds())
			c.metrics.modelTrainedAt.Set(float64(at.Unix()))
			c.log.Info().Int("rows", rows).Int("trees", trees).Dur("took", took).Msg("trained anomaly model")
		},
	}
}

// useState makes st the state the loop saves and the engine decides from.
func (c *Controller) useState(st *State) {
	if st.Containers == nil {
		st.Containers = map[int]*scaling.ContainerState{}
	}
	c.state = st
	c.Engine.States = st.Containers
}
