package controller

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/forest"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// Options configure a Controller. cmd maps the configuration into them.
type Options struct {
	Cluster Cluster
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

	Backfill            bool
	BackfillConcurrency int

	ExportFile        string // "" disables lxc_metrics.json
	ExportInterval    time.Duration
	MaxMetricsEntries int

	Model ModelOptions

	// Scale false makes a monitor: collect, score and export, never decide.
	Scale     bool
	Selection Selection
	Guard     GuardOptions
	// PoolRefresh is how often pool membership is read (one
	// /cluster/resources call) when a policy selects by pool; 0 means 5
	// minutes.
	PoolRefresh time.Duration

	StateFile   string // "" keeps state in memory only
	Audit       *Audit // nil: no audit record
	TaskTimeout time.Duration
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
	exporter *Exporter
	journal  *Journal // nil without a state file

	// The policies are swapped by Reload and read by the loop; pauses and
	// manual changes are handed over by SetPaused and RecordManual and
	// applied by the next pass.
	policyMu  sync.Mutex
	selection Selection
	guard     *Guard
	pauses    map[int]bool
	manual    []manualChange

	// Owned by the loop goroutine.
	tracked        map[int]*tracked
	pools          map[int]string
	poolsAt        time.Time
	state          *State
	stateDirty     bool
	journalSeq     uint64 // the last journal record the state holds
	model          *forest.Forest
	modelTrainedAt time.Time
	lastExport     time.Time
	backfilled     bool
	// failingNodes are the nodes whose listing failed last pass, so that a
	// node that stays unreachable is logged when it starts and stops
	// failing, not every pass (the metric counts every failure).
	failingNodes map[string]bool
	exporting    sync.WaitGroup
	scratch      featureScratch
	vector       []float64
	cpuSeries    Series
	memSeries    Series

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
		log:       o.Logger,
		metrics:   o.Metrics,
		now:       o.Now,
		selection: o.Selection,
		guard:     NewGuard(o.Guard),
		tracked:   map[int]*tracked{},
		pools:     map[int]string{},
		state:     &State{Containers: map[int]*ContainerState{}},
	}
	c.actuator = NewActuator(ActuatorOptions{
		Cluster:      o.Cluster,
		Logger:       o.Logger,
		Metrics:      o.Metrics,
		Audit:        o.Audit,
		TaskTimeout:  o.TaskTimeout,
		WriteTimeout: max(o.Interval, 30*time.Second),
	})
	if o.StateFile != "" {
		c.journal = NewJournal(journalPath(o.StateFile))
	}
	if o.ExportFile != "" {
		c.exporter = NewExporter(ExporterOptions{
			Path: o.ExportFile, MaxEntries: o.MaxMetricsEntries, Logger: o.Logger, Metrics: o.Metrics, Now: o.Now,
		})
	}
	return c, nil
}

// Reload replaces the policies and guards, for SIGHUP. The next pass uses
// them; a pass in progress finishes with the old ones.
func (c *Controller) Reload(sel Selection, guard GuardOptions) {
	c.policyMu.Lock()
	defer c.policyMu.Unlock()
	c.selection, c.guard = sel, NewGuard(guard)
}

// SetPaused pauses or resumes autoscaling of a container from the next
// pass on; the pause is kept in the state file. Safe from any goroutine.
func (c *Controller) SetPaused(vmid int, paused bool) {
	c.policyMu.Lock()
	defer c.policyMu.Unlock()
	if c.pauses == nil {
		c.pauses = map[int]bool{}
	}
	c.pauses[vmid] = paused
}

// manualChange is a resource change an operator made through the API.
type manualChange struct {
	vmid     int
	outcomes []Outcome
	at       time.Time
	seq      uint64 // of its journal record; 0 when not journaled
}

// RecordManual notes resource changes made through the API, so that their
// cooldowns hold for the loop too: a manual increase is not undone by the
// next pass. Safe from any goroutine; applied at the next pass.
func (c *Controller) RecordManual(vmid int, outcomes []Outcome) {
	c.policyMu.Lock()
	defer c.policyMu.Unlock()
	at := c.now()
	c.manual = append(c.manual, manualChange{vmid: vmid, outcomes: outcomes, at: at, seq: c.journalManual(vmid, outcomes, at)})
}

// Bounds returns the policy and rules that apply to a container as of the
// latest pass, for the API's manual operations; ok is false for a
// container the loop has not seen or does not manage (ignored, opted
// out). The rules' CPU max is at most what can help the container (its
// node's threads, ceil(cpulimit)), as in the loop's own decisions. Safe
// from any goroutine.
func (c *Controller) Bounds(vmid int) (policy string, rules Rules, ok bool) {
	snap := c.Snapshot()
	i, found := slices.BinarySearchFunc(snap.Containers, vmid, func(v ContainerView, id int) int { return cmp.Compare(v.VMID, id) })
	if !found {
		return "", Rules{}, false
	}
	v := snap.Containers[i]
	sel, _ := c.policies()
	policy, rules, excluded := sel.Select(vmid, v.Tags, v.Pool)
	if v.CoresMax > 0 && v.CoresMax < rules.CPU.Max {
		rules.CPU.Max = v.CoresMax
		rules.CPU.Min = min(rules.CPU.Min, v.CoresMax)
	}
	return policy, rules, excluded == ""
}

// applyRequests moves the pause requests and the manual changes into the
// state.
func (c *Controller) applyRequests() {
	c.policyMu.Lock()
	pauses, manual := c.pauses, c.manual
	c.pauses, c.manual = nil, nil
	c.policyMu.Unlock()
	for _, m := range manual {
		st := c.state.Containers[m.vmid]
		if st == nil {
			st = &ContainerState{}
			c.state.Containers[m.vmid] = st
		}
		st.Record(m.outcomes, m.at, DefaultBackoff)
		c.journalSeq = max(c.journalSeq, m.seq)
		c.stateDirty = true
	}
	for vmid, paused := range pauses {
		st := c.state.Containers[vmid]
		if st == nil {
			st = &ContainerState{}
			c.state.Containers[vmid] = st
		}
		if st.Paused != paused {
			st.Paused = paused
			c.stateDirty = true
			c.log.Info().Int("vmid", vmid).Bool("paused", paused).Msg("autoscaling of a container paused or resumed")
		}
	}
}

func (c *Controller) policies() (Selection, *Guard) {
	c.policyMu.Lock()
	defer c.policyMu.Unlock()
	return c.selection, c.guard
}

// newWindow sizes a window for the interval, with room for a backfill at a
// finer resolution than the interval.
func (c *Controller) newWindow() *window {
	return newWindow(c.opts.Window, int(c.opts.Window/c.opts.Interval)+8)
}

// Run loads the state and the export, then runs passes every Interval until
// ctx is cancelled. A write in progress when ctx is cancelled is finished;
// the state is saved before Run returns. It returns nil on cancellation.
func (c *Controller) Run(ctx context.Context) error {
	c.loadState()
	c.loadExport()
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
		timer := time.NewTimer(max(0, next.Sub(c.now())))
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-timer.C:
		}
	}
}

func (c *Controller) shutdown() {
	c.exporting.Wait()
	if c.exporter != nil && len(c.tracked) > 0 {
		if err := c.exporter.Write(); err != nil {
			c.log.Error().Err(err).Msg("writing lxc_metrics.json at shutdown failed")
		}
	}
	c.saveState(true)
	c.closeJournal()
}

// pass is one tick: collect, observe, (once, on the first pass that
// collects) backfill, score, decide, act, export, save. The pass has a
// deadline of PassTimeout; the backfill, which reads every container once,
// runs outside it and only stops for ctx.
func (c *Controller) pass(ctx context.Context) {
	started := time.Now()
	deadline := started.Add(c.opts.PassTimeout)
	collectCtx, cancelCollect := context.WithDeadline(ctx, deadline)
	defer cancelCollect()
	t, err := c.collect(collectCtx)
	if err != nil {
		c.metrics.passes.WithLabelValues("failed").Inc()
		c.log.Error().Err(err).Msg("listing the cluster's nodes failed; nothing collected this tick")
		return
	}
	c.applyRequests()
	c.refreshPools(collectCtx, t)
	if c.opts.Backfill && !c.backfilled {
		c.backfill(ctx, t)
		c.backfilled = true
		deadline = time.Now().Add(c.opts.PassTimeout)
	}
	passCtx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	c.observe(t)
	c.countContainers(t)
	if c.opts.Model.Enabled && (c.model == nil || t.end.Sub(c.modelTrainedAt) >= c.opts.Model.RetrainInterval) {
		if err := c.train(t.end); err != nil {
			c.log.Warn().Err(err).Msg("training the anomaly model failed; scoring with the previous one")
		} else if c.state != nil {
			c.stateDirty = true
		}
	}
	decisions := c.scoreAndDecide(t)
	if c.opts.Scale {
		c.learnConfigs(passCtx, t, decisions)
		c.act(passCtx, t, decisions)
	}
	c.export(t)
	c.saveState(false)
	c.publish(t, decisions)

	c.metrics.passDuration.Observe(time.Since(started).Seconds())
	if len(t.failed) == 0 {
		c.metrics.passes.WithLabelValues("ok").Inc()
		c.metrics.lastPass.Set(float64(c.now().Unix()))
		c.snapMu.Lock()
		c.snap.LastSuccess = t.end
		c.snapMu.Unlock()
	} else {
		c.metrics.passes.WithLabelValues("partial").Inc()
	}
	c.log.Debug().Int("containers", len(t.containers)).Int("failed_nodes", len(t.failed)).
		Dur("took", time.Since(started)).Msg("pass done")
}

// refreshPools reads pool membership when a policy selects by pool and the
// last read is older than PoolRefresh. The per-node listings do not carry
// pools, so this is the one extra call a tick may make, every few minutes.
func (c *Controller) refreshPools(ctx context.Context, t tick) {
	sel, _ := c.policies()
	if !slices.ContainsFunc(sel.Policies, func(p Policy) bool { return len(p.Match.Pools) > 0 }) {
		return
	}
	if !c.poolsAt.IsZero() && t.end.Sub(c.poolsAt) < c.opts.PoolRefresh {
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
	c.pools, c.poolsAt = pools, t.end
}

func (c *Controller) countContainers(t tick) {
	c.metrics.containers.Reset()
	for _, ct := range t.containers {
		state := ct.Status
		if state != "running" && state != "stopped" {
			state = "other"
		}
		c.metrics.containers.WithLabelValues(ct.Node, state).Inc()
	}
	bytes := 0
	for _, tr := range c.tracked {
		bytes += tr.window.Bytes()
	}
	c.metrics.windowBytes.Set(float64(bytes))
}

// sortedTracked returns the tracked containers by VMID, so that every walk
// over them is deterministic.
func (c *Controller) sortedTracked() []*tracked {
	out := make([]*tracked, 0, len(c.tracked))
	for _, tr := range c.tracked {
		out = append(out, tr)
	}
	slices.SortFunc(out, func(a, b *tracked) int { return cmp.Compare(a.vmid, b.vmid) })
	return out
}

// forget drops a container and its metrics.
func (c *Controller) forget(vmid int) {
	delete(c.tracked, vmid)
	id := strconv.Itoa(vmid)
	c.metrics.score.DeleteLabelValues(id)
	for _, r := range Resources {
		c.metrics.recommendation.DeleteLabelValues(id, string(r))
	}
}

// scoreAndDecide computes each listed container's features and score and,
// when scaling, its decision.
func (c *Controller) scoreAndDecide(t tick) []Decision {
	sel, _ := c.policies()
	now := t.end
	var out []Decision
	for i := range t.containers {
		ct := &t.containers[i]
		tr := c.tracked[ct.VMID]
		if tr == nil || tr.node != ct.Node {
			continue
		}
		c.protect(ct.VMID, func() {
			c.score(tr, now)
			if !c.opts.Scale {
				return
			}
			policy, rules, excluded := sel.Select(tr.vmid, tr.tags, tr.pool)
			if st := c.state.Containers[tr.vmid]; excluded != "" || (st != nil && st.Paused) {
				return
			}
			if d, ok := c.decide(tr, policy, rules, now); ok {
				out = append(out, d)
			}
		})
	}
	return out
}

// protect runs f for one container and turns a panic into a log line and a
// metric: one container never stops the pass.
func (c *Controller) protect(vmid int, f func()) {
	defer func() {
		if r := recover(); r != nil {
			c.metrics.panics.Inc()
			buf := make([]byte, 4096)
			buf = buf[:runtime.Stack(buf, false)]
			c.log.Error().Int("vmid", vmid).Interface("panic", r).Bytes("stack", buf).Msg("handling a container panicked; going on with the others")
		}
	}()
	f()
}

// score computes the container's features and, with a model, its score.
func (c *Controller) score(tr *tracked, now time.Time) {
	w := tr.window
	if w.Len() == 0 {
		return
	}
	tr.features = computeFeatures(w, w.Len(), now, c.opts.ShortPeriod, c.opts.Window, &c.scratch)
	if c.model == nil {
		return
	}
	c.vector = tr.features.ModelVector(c.vector)
	tr.score = c.model.Score(c.vector)
	if tr.score >= c.opts.Model.Threshold {
		if tr.anomalousSince.IsZero() {
			tr.anomalousSince = now
		}
	} else {
		tr.anomalousSince = time.Time{}
	}
	c.metrics.score.WithLabelValues(strconv.Itoa(tr.vmid)).Set(tr.score)
}

// decide builds the container's signals and runs Decide.
func (c *Controller) decide(tr *tracked, policy string, rules Rules, now time.Time) (Decision, bool) {
	st := c.state.Containers[tr.vmid]
	if st == nil {
		st = &ContainerState{}
	}
	sig := c.signals(tr, rules, now)
	d := Decide(sig, policy, rules, st.CooldownsFor(rules.Mode), now, c.anomalyRise())
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
func (c *Controller) anomalyRise() time.Duration { return 2 * c.opts.Interval }

// signals extracts what Decide needs from the container's window. The
// series reuse the controller's buffers: Decide does not keep them.
func (c *Controller) signals(tr *tracked, r Rules, now time.Time) Signals {
	w := tr.window
	span := max(r.StabilizationUp, r.StabilizationDown, c.anomalyRise()) + 2*c.opts.Interval
	from := w.Since(now.Add(-span))
	c.cpuSeries, c.memSeries = c.cpuSeries[:0], c.memSeries[:0]
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
		c.cpuSeries = append(c.cpuSeries, Point{Time: t, Value: util})
		c.memSeries = append(c.memSeries, Point{Time: t, Value: float64(uint64(p.memKiB) << 10)})
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
		CPU: c.cpuSeries, Memory: c.memSeries, MemoryPeak: peak, CPUPeak: cpuPeak,
		SwapUsed: tr.last.Swap, DiskUsed: tr.last.Disk, DiskSize: tr.last.MaxDisk,
		CoresMax: tr.coresMax(),
		Score:    tr.score, AnomalousSince: tr.anomalousSince,
	}
	if f := tr.facts; f.holdsFor(tr.last) {
		sig.CoresUnmanaged = f.coresUnmanaged
	}
	return sig
}

// act guards the pass's decisions and applies them, most urgent first.
func (c *Controller) act(ctx context.Context, t tick, all []Decision) {
	_, guard := c.policies()
	// Most containers need nothing: only decisions with changes go
	// through the ordering and the guard.
	var decisions []Decision
	for i := range all {
		if len(all[i].Changes) > 0 {
			decisions = append(decisions, all[i])
			continue
		}
		for _, h := range all[i].Holds {
			c.recordHold(all[i], h)
		}
		if tr := c.tracked[all[i].VMID]; tr != nil {
			tr.recommended = ""
		}
	}
	defer func() {
		// Put the admitted decisions back for the snapshot.
		byVMID := make(map[int]int, len(decisions))
		for i, d := range decisions {
			byVMID[d.VMID] = i
		}
		for i := range all {
			if j, ok := byVMID[all[i].VMID]; ok {
				all[i] = decisions[j]
			}
		}
	}()
	SortByUrgency(decisions, func(d Decision) float64 {
		last, _ := c.tracked[d.VMID].window.Last()
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
	for i := range decisions {
		d := &decisions[i]
		admitted := pass.Admit(*d)
		*d = admitted
		for _, h := range admitted.Holds {
			c.recordHold(admitted, h)
		}
		tr := c.tracked[d.VMID]
		if len(admitted.Changes) == 0 {
			tr.recommended = ""
			continue
		}
		if ctx.Err() != nil {
			c.log.Warn().Int("vmid", d.VMID).Msg("pass deadline reached or shutting down; leaving the remaining decisions to the next tick")
			return
		}
		if admitted.Mode == ModeRecommend {
			// A recommendation repeats every tick until acted on: report
			// it when it changes, not every tick.
			key := recommendationKey(admitted.Changes)
			if key == tr.recommended {
				continue
			}
			tr.recommended = key
		}
		c.protect(d.VMID, func() {
			intent := c.journalIntent(admitted)
			outcomes := c.actuator.Apply(ctx, admitted, tr.alloc)
			if tr.facts.holdsFor(tr.last) {
				tr.facts.noteApplied(outcomes)
			}
			st := c.state.Containers[d.VMID]
			if st == nil {
				st = &ContainerState{}
				c.state.Containers[d.VMID] = st
			}
			now := c.now()
			st.Record(outcomes, now, DefaultBackoff)
			c.journalOutcome(admitted, intent, outcomes, now)
			c.stateDirty = true
		})
	}
}

// recordHold counts a wanted change that was held back. Holds that are
// not a wanted change (disabled, no data) are not counted.
func (c *Controller) recordHold(d Decision, h Hold) {
	switch h.Reason {
	case SkipDisabled, SkipNoData, SkipNotRunning, SkipAtLimit:
		return
	}
	c.metrics.skipped.WithLabelValues(string(h.Resource), string(h.Reason)).Inc()
	c.log.Debug().Int("vmid", d.VMID).Str("node", d.Node).Str("resource", string(h.Resource)).
		Str("reason", string(h.Reason)).Str("detail", h.Detail).Msg("change held back")
}

// loadState reads the state file; a corrupt one is moved aside and the
// controller starts fresh.
func (c *Controller) loadState() {
	if c.opts.StateFile == "" {
		return
	}
	st, err := LoadState(c.opts.StateFile, c.now())
	var corrupt *CorruptFileError
	switch {
	case errors.As(err, &corrupt):
		c.log.Error().Err(err).Str("path", c.opts.StateFile).Str("moved_to", corrupt.MovedTo).
			Msg("state file unreadable; moved aside, starting with empty cooldowns")
	case err != nil:
		// The file is still there and could not be read: never save over it.
		c.log.Error().Err(err).Str("path", c.opts.StateFile).
			Msg("state file unreadable and could not be moved aside; running without saving state")
		c.opts.StateFile = ""
		return
	}
	if st == nil {
		return
	}
	c.state = st
	if c.state.Containers == nil {
		c.state.Containers = map[int]*ContainerState{}
	}
	if len(st.Model) > 0 && c.opts.Model.Enabled {
		f := new(forest.Forest)
		if err := f.UnmarshalBinary(st.Model); err != nil || f.NumFeatures() != NumModelFeatures {
			c.log.Warn().Err(err).Msg("saved anomaly model unusable; training a new one")
		} else {
			c.model, c.modelTrainedAt = f, st.ModelTrainedAt
		}
	}
	c.openJournal()
	c.log.Info().Int("containers", len(st.Containers)).Bool("model", c.model != nil).Msg("loaded state")
}

// saveState writes the state file when something changed (or always, with
// force).
func (c *Controller) saveState(force bool) {
	if c.opts.StateFile == "" || (!c.stateDirty && !force) {
		return
	}
	if c.model != nil && (c.state.Model == nil || !c.state.ModelTrainedAt.Equal(c.modelTrainedAt)) {
		b, err := c.model.MarshalBinary()
		if err == nil {
			c.state.Model, c.state.ModelTrainedAt = b, c.modelTrainedAt
		}
	}
	c.state.PruneGone(func(vmid int) bool { return c.tracked[vmid] != nil }, c.now().Add(-StateKeepGone))
	through := c.journalThrough()
	c.state.JournalSeq = through
	if err := c.state.Save(c.opts.StateFile); err != nil {
		c.metrics.stateSaves.WithLabelValues("failed").Inc()
		c.log.Error().Err(err).Str("path", c.opts.StateFile).Msg("saving the state file failed; will retry next tick")
		return
	}
	c.metrics.stateSaves.WithLabelValues("ok").Inc()
	c.stateDirty = false
	c.truncateJournal(through)
}

// export adds a cycle every ExportInterval and writes the file in the
// background, one write at a time.
func (c *Controller) export(t tick) {
	if c.exporter == nil || (!c.lastExport.IsZero() && t.end.Sub(c.lastExport) < c.opts.ExportInterval) {
		return
	}
	c.lastExport = t.end
	cycle := Cycle{Start: t.start, End: t.end, Total: len(t.containers)}
	cycle.MonitorCPUPercent, cycle.MonitorMemoryBytes = c.selfUsage(t.end)
	for _, ct := range t.containers {
		if ct.Status != "running" || ct.Template {
			continue
		}
		score := math.NaN()
		if tr := c.tracked[ct.VMID]; tr != nil {
			score = tr.score
		}
		cycle.Entries = append(cycle.Entries, ExportEntry{
			VMID: ct.VMID, Node: ct.Node, Time: t.end,
			CPUPercent: cpuFraction(ct.CPU) * 100, Cores: ct.CPUs,
			MemUsed: ct.Mem, MemLimit: ct.MaxMem, SwapUsed: ct.Swap, SwapLimit: ct.MaxSwap,
			DiskRead: ct.DiskRead, DiskWrite: ct.DiskWrite, NetIn: ct.NetIn, NetOut: ct.NetOut,
			DiskUsed: ct.Disk, DiskSize: ct.MaxDisk, Pressure: ct.Pressure, Score: score,
		})
	}
	c.exporter.Add(cycle)
	c.exporting.Wait()
	c.exporting.Go(func() {
		if err := c.exporter.Write(); err != nil {
			c.log.Error().Err(err).Str("path", c.opts.ExportFile).Msg("writing lxc_metrics.json failed; the data stays in memory for the next write")
		}
	})
}

// selfUsage is this process's CPU share since the previous call and its
// heap, for the export's summary.
func (c *Controller) selfUsage(now time.Time) (cpuPercent float64, memBytes uint64) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		if !c.selfAt.IsZero() {
			if wall := now.Sub(c.selfAt); wall > 0 {
				cpuPercent = 100 * float64(cpu-c.selfCPU) / float64(wall)
			}
		}
		c.selfCPU, c.selfAt = cpu, now
		memBytes = uint64(ru.Maxrss) << 10
	}
	return cpuPercent, memBytes
}

// loadExport reads an existing lxc_metrics.json into the windows.
func (c *Controller) loadExport() {
	if c.exporter == nil {
		return
	}
	cycles, err := c.exporter.Load()
	var corrupt *CorruptFileError
	switch {
	case errors.As(err, &corrupt):
		c.log.Error().Err(err).Str("path", c.opts.ExportFile).Str("moved_to", corrupt.MovedTo).
			Msg("existing lxc_metrics.json unreadable; moved aside, starting a new one")
		return
	case err != nil:
		// The exporter refuses to write until the file can be read.
		c.log.Error().Err(err).Str("path", c.opts.ExportFile).
			Msg("existing lxc_metrics.json unreadable and could not be moved aside; not exporting")
		return
	}
	n := c.fillFromCycles(cycles, c.now())
	c.log.Info().Int("cycles", len(cycles)).Int("samples", n).Msg("loaded lxc_metrics.json into the windows")
}

// fillFromCycles adds the exported samples within the window, turning the
// cumulative counters into rates.
func (c *Controller) fillFromCycles(cycles []Cycle, now time.Time) int {
	oldest := now.Add(-c.opts.Window)
	n := 0
	for _, cy := range cycles {
		for _, e := range cy.Entries {
			if e.Time.Before(oldest) || e.Time.After(now) {
				continue
			}
			tr := c.tracked[e.VMID]
			if tr == nil {
				tr = &tracked{vmid: e.VMID, node: e.Node, status: "running", score: math.NaN(), window: c.newWindow()}
				c.tracked[e.VMID] = tr
			}
			ct := proxmox.Container{
				VMID: e.VMID, Node: e.Node, Status: "running", CPUs: e.Cores, CPU: e.CPUPercent / 100,
				Mem: e.MemUsed, MaxMem: e.MemLimit, Swap: e.SwapUsed, MaxSwap: e.SwapLimit,
				Disk: e.DiskUsed, MaxDisk: e.DiskSize, NetIn: e.NetIn, NetOut: e.NetOut,
				DiskRead: e.DiskRead, DiskWrite: e.DiskWrite, Pressure: e.Pressure,
			}
			tr.window.Add(sampleFrom(ct, tr.last, tr.seenAt, e.Time))
			tr.last, tr.seenAt = ct, e.Time
			n++
		}
	}
	c.metrics.backfilled.Add(float64(n))
	return n
}

// recommendationKey identifies what a recommendation asks for, without its
// reason (whose durations change every tick).
func recommendationKey(changes []Change) string {
	var b strings.Builder
	for _, ch := range changes {
		fmt.Fprintf(&b, "%s %s %d>%d;", ch.Resource, ch.Direction, ch.From, ch.To)
	}
	return b.String()
}
