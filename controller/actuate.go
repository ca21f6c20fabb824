package controller

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/controller/audit"
	"github.com/lxc-autoscale/lxc-autoscale/controller/manual"
	"github.com/lxc-autoscale/lxc-autoscale/controller/notify"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// Defaults of ActuatorOptions.
const (
	// DefaultTaskTimeout bounds the wait for a resize task. An LVM or Ceph
	// grow of a few GiB takes seconds; minutes mean something is wrong.
	DefaultTaskTimeout = 2 * time.Minute
	// DefaultWriteTimeout bounds one config read plus its write. The
	// proxmox client retries each call within it.
	DefaultWriteTimeout = 30 * time.Second
)

// skipLabelShuttingDown labels lxc_autoscale_skipped_actions_total for
// changes not started because the controller was stopping. It is not a
// SkipReason: nothing about the container held the change back, so
// Outcome.Skip stays empty and Outcome.Err is the context's error. The
// metrics label and the audit record's Skip say "shutting_down".
const skipLabelShuttingDown = "shutting_down"

// auditSourceController is the Source of the audit records the actuator
// writes for the reconcile loop.
const auditSourceController = "controller"

// ActuatorOptions configure an Actuator.
type ActuatorOptions struct {
	Cluster ConfigWriter
	Logger  zerolog.Logger
	// Metrics may be nil: nothing is counted.
	Metrics *Metrics
	// Audit may be nil: nothing is audited. Notify, when set, is told of
	// every outcome but skips; it must not block.
	Audit  *audit.Log
	Notify func(notify.Event)
	// TaskTimeout bounds the wait for a resize task; 0 means
	// DefaultTaskTimeout.
	TaskTimeout time.Duration
	// WriteTimeout bounds one write including its config read, once
	// started; 0 means DefaultWriteTimeout. A disk resize gets WriteTimeout
	// plus TaskTimeout.
	WriteTimeout time.Duration
}

// Actuator carries out decisions: it writes them to Proxmox as
// compare-and-set updates on the config digest (enforce), or only reports
// them (dry-run, recommend). Every outcome is logged, counted and audited.
// It is safe for concurrent use on different containers.
type Actuator struct {
	cluster      ConfigWriter
	log          zerolog.Logger
	metrics      *Metrics
	audit        *audit.Log
	notify       func(notify.Event)
	taskTimeout  time.Duration
	writeTimeout time.Duration
}

// NewActuator returns an Actuator with o's settings, defaults filled in.
func NewActuator(o ActuatorOptions) *Actuator {
	a := &Actuator{
		cluster:      o.Cluster,
		log:          o.Logger,
		metrics:      o.Metrics,
		audit:        o.Audit,
		notify:       o.Notify,
		taskTimeout:  o.TaskTimeout,
		writeTimeout: o.WriteTimeout,
	}
	if a.taskTimeout <= 0 {
		a.taskTimeout = DefaultTaskTimeout
	}
	if a.writeTimeout <= 0 {
		a.writeTimeout = DefaultWriteTimeout
	}
	return a
}

// Apply carries out d according to d.Mode. observed is the allocation d was
// decided from (from the listing of this tick). It returns one Outcome per
// Change of d, in order. It never panics on Proxmox errors and never writes
// on stale state: every write is preceded by a fresh config read, compared
// with observed, and sent with the digest of that read.
//
// In ModeRecommend and ModeDryRun it sends no request at all: dry-run does
// not even read the config, so that it stays as cheap as the O(nodes)
// steady state and a dry run can never disturb the cluster. Its outcomes
// are therefore what enforce would have attempted, not what it would have
// achieved (a lock or a concurrent change would only show in enforce).
//
// In ModeEnforce the cores, memory and swap changes go together in one PUT
// of the config; a disk change is a resize task on the root filesystem,
// with its own config read, after it. A write not yet started when ctx is
// cancelled is skipped; one started (its config read sent) is finished under
// context.WithoutCancel, bounded by WriteTimeout (plus TaskTimeout for a
// disk), so that a SIGTERM never leaves a resize half-observed.
func (a *Actuator) Apply(ctx context.Context, d scaling.Decision, observed scaling.Allocation) []scaling.Outcome {
	return a.apply(ctx, d, observed, applyExtras{})
}

// ApplyManual is Apply for a change made through the API: the caller's
// digest (if any) must still be the config's, and the audit names the
// client and the mode in force. It makes the Actuator a manual.Applier.
func (a *Actuator) ApplyManual(ctx context.Context, d scaling.Decision, observed scaling.Allocation, w manual.Write) []scaling.Outcome {
	return a.apply(ctx, d, observed, applyExtras{digest: w.Digest, client: w.Client, auditMode: w.AuditMode})
}

// applyExtras is what a manual operation adds to a decision.
type applyExtras struct {
	// digest, when set, is the digest the operator's request named (an
	// HTTP If-Match): the fresh read before the write must have it, else
	// the write is skipped as SkipDigestMismatch. The loop never sets it:
	// it compares the values it decided from, not the digest.
	digest string
	// client is the address the request came from, for the audit.
	client string
	// auditMode, when set, is the mode logged and audited instead of
	// d.Mode: the mode in force for a manual write, which goes out in
	// every mode.
	auditMode scaling.Mode
}

// apply is Apply with the extras of a manual operation.
func (a *Actuator) apply(ctx context.Context, d scaling.Decision, observed scaling.Allocation, x applyExtras) []scaling.Outcome {
	outcomes := make([]scaling.Outcome, len(d.Changes))
	for i, c := range d.Changes {
		outcomes[i].Change = c
	}
	switch d.Mode {
	case scaling.ModeRecommend:
		setResult(outcomes, scaling.ResultRecommended)
	case scaling.ModeDryRun:
		setResult(outcomes, scaling.ResultDryRun)
	case scaling.ModeEnforce:
		a.enforce(ctx, d, observed, x.digest, outcomes)
	default:
		for i := range outcomes {
			outcomes[i].Result = scaling.ResultFailed
			outcomes[i].Err = fmt.Errorf("unknown mode %q", d.Mode)
		}
	}
	for _, o := range outcomes {
		a.report(d, o, x)
	}
	return outcomes
}

func setResult(outcomes []scaling.Outcome, result string) {
	for i := range outcomes {
		outcomes[i].Result = result
	}
}

// enforce writes the changes: first the config resources in one PUT, then
// each disk change.
func (a *Actuator) enforce(ctx context.Context, d scaling.Decision, observed scaling.Allocation, wantDigest string, outcomes []scaling.Outcome) {
	var configChanges, diskChanges []*scaling.Outcome
	for i := range outcomes {
		switch outcomes[i].Change.Resource {
		case scaling.ResourceCores, scaling.ResourceMemory, scaling.ResourceSwap:
			configChanges = append(configChanges, &outcomes[i])
		case scaling.ResourceDisk:
			diskChanges = append(diskChanges, &outcomes[i])
		default:
			outcomes[i].Result = scaling.ResultFailed
			outcomes[i].Err = fmt.Errorf("unknown resource %q", outcomes[i].Change.Resource)
		}
	}
	ref := proxmox.Ref{Node: d.Node, VMID: d.VMID}
	if len(configChanges) > 0 {
		a.writeConfig(ctx, ref, observed, wantDigest, byOperator(d), configChanges)
	}
	for _, o := range diskChanges {
		a.resizeDisk(ctx, ref, observed, wantDigest, o)
	}
}

// skipAll marks every outcome skipped for reason.
func skipAll(outcomes []*scaling.Outcome, reason scaling.SkipReason) {
	for _, o := range outcomes {
		o.Result, o.Skip = scaling.ResultSkipped, reason
	}
}

// failAll marks every outcome failed with err.
func failAll(outcomes []*scaling.Outcome, err error) {
	for _, o := range outcomes {
		o.Result, o.Err = scaling.ResultFailed, err
	}
}

// shuttingDown marks the outcomes skipped when ctx is already done and
// reports whether it was.
func shuttingDown(ctx context.Context, outcomes []*scaling.Outcome) bool {
	err := ctx.Err()
	if err == nil {
		return false
	}
	for _, o := range outcomes {
		o.Result, o.Err = scaling.ResultSkipped, err
	}
	return true
}

// classifyWriteError turns a write's error into a skip when it means "the
// container is not as observed, look again next tick", into an unknown
// outcome when the write was sent and no answer came, and into a failure
// otherwise.
func classifyWriteError(outcomes []*scaling.Outcome, err error) {
	switch {
	case proxmox.MaybeApplied(err):
		for _, o := range outcomes {
			o.Result, o.Err = scaling.ResultUnknown, err
		}
	case errors.Is(err, proxmox.ErrDigestMismatch):
		skipAll(outcomes, scaling.SkipDigestMismatch)
	case errors.Is(err, proxmox.ErrLocked):
		skipAll(outcomes, scaling.SkipLocked)
	case errors.Is(err, proxmox.ErrNotFound):
		// migrated or destroyed between the read and the write
		skipAll(outcomes, scaling.SkipMoved)
	case errors.Is(err, proxmox.ErrFenced): // not sent: the lease ended or moved
		skipAll(outcomes, scaling.SkipNotLeader)
	default:
		failAll(outcomes, err)
	}
}

// byOperator reports whether d is an operator's request rather than the loop's.
func byOperator(d scaling.Decision) bool { return d.Source != "" }

// readConfig reads the config right before a write and reports whether the
// write may go on; when not, the outcomes say why. wantDigest, when set,
// must be the digest read.
func (a *Actuator) readConfig(ctx context.Context, ref proxmox.Ref, wantDigest string, outcomes []*scaling.Outcome) (proxmox.Config, bool) {
	cfg, err := a.cluster.Config(ctx, ref)
	switch {
	case errors.Is(err, proxmox.ErrNotFound):
		skipAll(outcomes, scaling.SkipMoved)
		return cfg, false
	case err != nil:
		failAll(outcomes, fmt.Errorf("read config before write: %w", err))
		return cfg, false
	case cfg.Lock != "":
		skipAll(outcomes, scaling.SkipLocked)
		return cfg, false
	case wantDigest != "" && cfg.Digest != wantDigest:
		skipAll(outcomes, scaling.SkipDigestMismatch)
		return cfg, false
	}
	return cfg, true
}

// writeConfig applies the cores, memory and swap changes in one PUT with
// the digest of a fresh read.
//
// A cores change on a container whose cores are unset (all host CPUs) or
// capped lower by cpulimit is skipped as unmanaged: the administrator chose
// that CPU setting and cores alone would not change what the container
// gets. The memory and swap changes still go ahead. An operator's request
// (byOperator) is that administrator's choice, so it sets cores regardless.
// If any resource being
// changed differs from observed, the whole write is skipped: the decision
// was made on a state that no longer holds (swap follows memory, capacity
// checks counted the old values), so it is decided again next tick.
func (a *Actuator) writeConfig(ctx context.Context, ref proxmox.Ref, observed scaling.Allocation, wantDigest string, byOperator bool, outcomes []*scaling.Outcome) {
	if shuttingDown(ctx, outcomes) {
		return
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.writeTimeout)
	defer cancel()
	cfg, ok := a.readConfig(wctx, ref, wantDigest, outcomes)
	if !ok {
		return
	}

	var update proxmox.ConfigUpdate
	var writing []*scaling.Outcome
	stale := false
	for _, o := range outcomes {
		to := int(o.Change.To)
		switch o.Change.Resource {
		case scaling.ResourceCores:
			if !byOperator && (cfg.Cores == 0 || (cfg.CPULimit > 0 && cfg.CPULimit < float64(cfg.Cores))) {
				o.Result, o.Skip = scaling.ResultSkipped, scaling.SkipUnmanaged
				continue
			}
			stale = stale || cfg.Cores != observed.Cores
			update.Cores = &to
		case scaling.ResourceMemory:
			stale = stale || cfg.MemoryMiB != observed.MemoryMiB
			update.Memory = &to
		case scaling.ResourceSwap:
			stale = stale || cfg.SwapMiB != observed.SwapMiB
			update.Swap = &to
		}
		writing = append(writing, o)
	}
	if len(writing) == 0 {
		return
	}
	if stale {
		skipAll(writing, scaling.SkipChanged)
		return
	}
	update.Digest = cfg.Digest
	if err := a.cluster.UpdateConfig(wctx, ref, update); err != nil {
		classifyWriteError(writing, err)
		return
	}
	for _, o := range writing {
		o.Result = scaling.ResultApplied
	}
}

// resizeDisk grows the root filesystem by the change's difference, with the
// digest of a fresh read, and waits for the resize task.
func (a *Actuator) resizeDisk(ctx context.Context, ref proxmox.Ref, observed scaling.Allocation, wantDigest string, o *scaling.Outcome) {
	one := []*scaling.Outcome{o}
	c := o.Change
	if c.Direction != scaling.Up || c.To <= c.From || c.From < 0 {
		// Decide never asks for this; refuse rather than send a shrink PVE
		// would reject anyway.
		o.Result, o.Err = scaling.ResultFailed, fmt.Errorf("disk change %d -> %d: disks only grow", c.From, c.To)
		return
	}
	if shuttingDown(ctx, one) {
		return
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.writeTimeout+a.taskTimeout)
	defer cancel()
	cfg, ok := a.readConfig(wctx, ref, wantDigest, one)
	if !ok {
		return
	}
	size := cfg.RootFS.SizeBytes
	if size != observed.DiskBytes {
		o.Result, o.Skip = scaling.ResultSkipped, scaling.SkipChanged
		return
	}
	task, err := a.cluster.ResizeDisk(wctx, ref, "rootfs", uint64(c.To)-size, cfg.Digest)
	if err != nil {
		classifyWriteError(one, err)
		return
	}
	o.Task = task.UPID
	if _, err := a.cluster.WaitTask(wctx, task, a.taskTimeout); err != nil {
		o.Result, o.Err = scaling.ResultFailed, fmt.Errorf("resize rootfs: %w", err)
		if !errors.Is(err, proxmox.ErrTaskFailed) {
			// The task started and its end was not seen: it may finish.
			o.Result = scaling.ResultUnknown
		}
		return
	}
	o.Result = scaling.ResultApplied
}

// report logs, counts and audits one outcome.
func (a *Actuator) report(d scaling.Decision, o scaling.Outcome, x applyExtras) {
	c := o.Change
	if x.auditMode != "" {
		d.Mode = x.auditMode
	}
	skipLabel := string(o.Skip)
	if o.Result == scaling.ResultSkipped && o.Skip == "" {
		skipLabel = skipLabelShuttingDown
	}

	ev := a.log.Info()
	if o.Result == scaling.ResultFailed || o.Result == scaling.ResultUnknown {
		ev = a.log.Warn()
	}
	ev = ev.Int("vmid", d.VMID).Str("node", d.Node).
		Str("resource", string(c.Resource)).Str("direction", string(c.Direction)).
		Int64("from", c.From).Int64("to", c.To).Str("reason", c.Reason()).
		Str("mode", string(d.Mode)).Str("result", o.Result)
	if !math.IsNaN(d.Score) {
		ev = ev.Float64("score", d.Score)
	}
	if d.Policy != "" {
		ev = ev.Str("policy", d.Policy)
	}
	if o.Result == scaling.ResultSkipped {
		ev = ev.Str("skip_reason", skipLabel)
	}
	if o.Task != "" {
		ev = ev.Str("upid", o.Task)
	}
	if d.Source != "" {
		ev = ev.Str("source", d.Source)
	}
	if o.Err != nil {
		ev = ev.Err(o.Err)
	}
	ev.Msg("resource change")

	if a.metrics != nil {
		a.metrics.actions.WithLabelValues(string(c.Resource), string(c.Direction), o.Result).Inc()
		if o.Result == scaling.ResultSkipped {
			a.metrics.skipped.WithLabelValues(string(c.Resource), skipLabel).Inc()
		}
	}

	if a.audit == nil && a.notify == nil {
		return
	}
	r := audit.Record{
		Source: cmp.Or(d.Source, auditSourceController), Client: x.client, VMID: d.VMID, Node: d.Node,
		Resource: string(c.Resource), Direction: string(c.Direction), From: c.From, To: c.To, Reason: c.Reason(),
		Score: d.Score, Mode: string(d.Mode), Result: o.Result, Policy: d.Policy, Task: o.Task,
	}
	if o.Result == scaling.ResultSkipped {
		r.Skip = skipLabel
	}
	if o.Err != nil {
		r.Error = o.Err.Error()
	}
	if ev, ok := ChangeEvent(r); ok && a.notify != nil {
		a.notify(ev)
	}
	if a.audit != nil {
		if err := a.audit.Append(r); err != nil {
			a.log.Error().Err(err).Int("vmid", d.VMID).Str("resource", string(c.Resource)).Msg("append audit record")
		}
	}
}
