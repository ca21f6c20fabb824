package manual

import (
	"context"
	"fmt"
	"math"
	"strconv"

	"github.com/lxc-autoscale/lxc-autoscale/controller/audit"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// checkResources validates a ResourceRequest.
func checkResources(vmid int, r ResourceRequest) error {
	var c fieldCheck
	c.vmid("vmid", vmid)
	if r.Cores == nil && r.MemoryMiB == nil && r.SwapMiB == nil {
		c.addf("resources", "set at least one of cores, memory and swap")
	}
	if r.Cores != nil && (*r.Cores < 1 || *r.Cores > MaxCores) {
		c.addf("cores", "%d: allowed 1 to %d", *r.Cores, MaxCores)
	}
	if r.MemoryMiB != nil && (*r.MemoryMiB < MinMemoryMiB || *r.MemoryMiB > MaxMemoryMiB) {
		c.addf("memory", "%d MiB: allowed %d to %d", *r.MemoryMiB, MinMemoryMiB, MaxMemoryMiB)
	}
	if r.SwapMiB != nil && (*r.SwapMiB < 0 || *r.SwapMiB > MaxSwapMiB) {
		c.addf("swap", "%d MiB: allowed 0 to %d", *r.SwapMiB, MaxSwapMiB)
	}
	return c.err()
}

// resourceChange is the change from the config's value to the requested
// one; ok is false when there is nothing to change.
func resourceChange(res scaling.Resource, from int, to *int) (scaling.Change, bool) {
	if to == nil || *to == from {
		return scaling.Change{}, false
	}
	dir := scaling.Up
	if *to < from {
		dir = scaling.Down
	}
	return scaling.Change{Resource: res, Direction: dir, From: int64(from), To: int64(*to), Text: reasonManual}, true
}

// reasonManual is the Reason of an operator's resource change.
const reasonManual = "manual"

// fromUnsetCores completes a cores change on a container whose config has
// no cores (ch.From 0) with what the container had: PVE's cpus, which is
// cpulimit when set, else every thread of the node, read from the
// container's status (one GET, only in this case). From is that number
// rounded up (a cpulimit may be fractional), Direction follows from it and
// Reason says that cores were unset, with the exact figure. When the status
// cannot be read, From stays 0 and Reason still says cores were unset.
func (o *Operations) fromUnsetCores(ctx context.Context, ref proxmox.Ref, cfg proxmox.Config, ch *scaling.Change) {
	st, err := o.opts.Cluster.ContainerStatus(ctx, ref)
	if err != nil || st.CPUs <= 0 {
		o.log.Warn().Err(err).Int("vmid", ref.VMID).Msg("reading the CPUs of a container without cores failed")
		ch.Text = reasonManual + "; cores were unset"
		return
	}
	source := "all threads of the node"
	if cfg.CPULimit > 0 {
		source = "cpulimit"
	}
	ch.From = int64(math.Ceil(st.CPUs))
	ch.Direction = scaling.Up
	if ch.To < ch.From {
		ch.Direction = scaling.Down
	}
	ch.Text = fmt.Sprintf("%s; cores were unset: %s CPUs (%s)", reasonManual, strconv.FormatFloat(st.CPUs, 'f', -1, 64), source)
}

// modeInForce is the mode of the container's policy when the loop knows it
// (Bounds), else "" (the api command, monitor, a container the loop has
// not seen or excludes). Manual operations are carried out in every mode;
// their audit records say which one the autoscaler was in.
func (o *Operations) modeInForce(vmid int) scaling.Mode {
	if o.opts.Bounds == nil {
		return ""
	}
	if _, rules, ok := o.opts.Bounds(vmid); ok {
		return rules.Mode
	}
	return ""
}

// checkPolicyBounds refuses manual values outside the bounds of the
// container's policy, when the loop knows them (Bounds): an operator
// cannot set what the autoscaler would immediately undo or is forbidden to
// allow.
func (o *Operations) checkPolicyBounds(vmid int, r ResourceRequest) error {
	if o.opts.Bounds == nil {
		return nil
	}
	policy, rules, ok := o.opts.Bounds(vmid)
	if !ok {
		return nil
	}
	name := "the default rules"
	if policy != "" {
		name = fmt.Sprintf("policy %q", policy)
	}
	var bad []FieldError
	check := func(field string, v *int, lo, hi int64) {
		if v != nil && (int64(*v) < lo || int64(*v) > hi) {
			bad = append(bad, FieldError{Field: field, Problem: fmt.Sprintf("must be %d..%d under %s, got %d", lo, hi, name, *v)})
		}
	}
	check("cores", r.Cores, int64(rules.CPU.Min), int64(rules.CPU.Max))
	check("memory", r.MemoryMiB, int64((rules.Memory.Min+(1<<20)-1)>>20), int64(rules.Memory.Max>>20))
	if rules.Swap.Enabled {
		check("swap", r.SwapMiB, int64((rules.Swap.Min+(1<<20)-1)>>20), int64(rules.Swap.Max>>20))
	}
	if len(bad) > 0 {
		return &InvalidRequestError{Fields: bad}
	}
	return nil
}

// SetResources sets cores, memory and swap in one compare-and-set write and
// audits it. It returns the config digest after the write.
//
// The write goes through the Actuator the loop uses, as a decision with
// Source "api:<token>" in ModeEnforce (audited with the mode of the
// container's policy when the loop knows it: a manual write goes out in
// dry-run too, and its record says it was made while the autoscaler only
// pretended), observed from a config read made
// here: a change of those values between this read and the Actuator's own
// fresh read, or a different digest there when r.Digest was given, fails
// with proxmox.ErrDigestMismatch; nothing is overwritten. Cores are set
// even where the loop leaves them alone (unset, or capped by cpulimit):
// the operator's request is the administrator's choice. Values already in
// place are not written; when none changes, nothing is sent and the
// current digest is returned.
//
// Cooldowns: see Options.Applied.
func (o *Operations) SetResources(ctx context.Context, c Caller, vmid int, r ResourceRequest) (digest string, err error) {
	if err := checkResources(vmid, r); err != nil {
		return "", err
	}
	if err := o.checkPolicyBounds(vmid, r); err != nil {
		return "", err
	}
	ref, cfg, err := readContainer(ctx, o, vmid, o.opts.Cluster.Config)
	if err != nil {
		return "", fmt.Errorf("set resources of container %d: %w", vmid, err)
	}
	var changes []scaling.Change
	for _, rc := range []struct {
		res  scaling.Resource
		from int
		to   *int
	}{{scaling.ResourceCores, cfg.Cores, r.Cores}, {scaling.ResourceMemory, cfg.MemoryMiB, r.MemoryMiB}, {scaling.ResourceSwap, cfg.SwapMiB, r.SwapMiB}} {
		if ch, ok := resourceChange(rc.res, rc.from, rc.to); ok {
			if ch.Resource == scaling.ResourceCores && rc.from == 0 {
				o.fromUnsetCores(ctx, ref, cfg, &ch)
			}
			changes = append(changes, ch)
		}
	}
	// What the audit says of the mode: the write below goes out in every
	// mode (it is the operator's own request), so enforce when no policy
	// mode is known.
	mode := o.modeInForce(vmid)
	if mode == "" {
		mode = scaling.ModeEnforce
	}
	var refused error
	var skip scaling.SkipReason
	switch {
	case r.Digest != "" && r.Digest != cfg.Digest:
		refused = fmt.Errorf("set resources of container %d: %w", vmid,
			&kindError{msg: fmt.Sprintf("config digest is %s, not %s", cfg.Digest, r.Digest), kind: proxmox.ErrDigestMismatch})
		skip = scaling.SkipDigestMismatch
	case cfg.Lock != "":
		refused = fmt.Errorf("set resources of container %d: %w", vmid, &proxmox.LockedError{Lock: cfg.Lock})
		skip = scaling.SkipLocked
	}
	if refused != nil {
		for _, ch := range changes {
			o.audit(c, ref, audit.Record{
				Resource: string(ch.Resource), Direction: string(ch.Direction), From: ch.From, To: ch.To,
				Reason: ch.Reason(), Mode: string(mode), Result: scaling.ResultSkipped, Skip: string(skip),
			}, nil)
		}
		return "", refused
	}
	if len(changes) == 0 {
		return cfg.Digest, nil
	}
	if o.opts.Actuator == nil {
		return "", fmt.Errorf("set resources of container %d: no actuator configured", vmid)
	}
	d := scaling.Decision{Source: c.source(), VMID: vmid, Node: ref.Node, Mode: scaling.ModeEnforce, Changes: changes, Score: math.NaN()}
	observed := scaling.Allocation{Cores: cfg.Cores, MemoryMiB: cfg.MemoryMiB, SwapMiB: cfg.SwapMiB, DiskBytes: cfg.RootFS.SizeBytes}
	outcomes := o.opts.Actuator.ApplyManual(ctx, d, observed, Write{Digest: r.Digest, Client: c.Address, AuditMode: mode})
	if err := outcomesError(outcomes); err != nil {
		return "", fmt.Errorf("set resources of container %d: %w", vmid, err)
	}
	if o.opts.Applied != nil {
		o.opts.Applied(vmid, outcomes)
	}
	after, err := o.opts.Cluster.Config(ctx, ref)
	if err != nil {
		// The write is done; only the new digest is unknown.
		return "", fmt.Errorf("set resources of container %d: written, but reading the new digest: %w", vmid, err)
	}
	return after.Digest, nil
}

// outcomesError is nil when every outcome was applied, else the error
// saying why not, matching the proxmox sentinel the API maps.
func outcomesError(outcomes []scaling.Outcome) error {
	for _, o := range outcomes {
		if o.Result == scaling.ResultFailed || o.Result == scaling.ResultUnknown {
			return o.Err
		}
	}
	for _, o := range outcomes {
		if o.Result == scaling.ResultApplied {
			continue
		}
		switch o.Skip {
		case scaling.SkipLocked:
			return &kindError{msg: "locked since it was read", kind: proxmox.ErrLocked}
		case scaling.SkipDigestMismatch, scaling.SkipChanged:
			return &kindError{msg: "config changed since it was read", kind: proxmox.ErrDigestMismatch}
		case scaling.SkipMoved:
			return notFound("gone from its node since it was read")
		case "":
			if o.Err != nil {
				return o.Err // cancelled before the write started
			}
		}
		return fmt.Errorf("%s not changed (%s, %s)", o.Change.Resource, o.Result, o.Skip)
	}
	return nil
}

// GrowDisk grows a disk (rootfs, mp0…) by growBytes; disks never shrink.
// It returns as soon as the resize task is started.
func (o *Operations) GrowDisk(ctx context.Context, c Caller, vmid int, disk string, growBytes uint64) (TaskInfo, error) {
	var fc fieldCheck
	fc.vmid("vmid", vmid)
	if !ValidDiskName(disk) {
		fc.addf("disk", "%q: rootfs or mp0 to mp255", disk)
	}
	if growBytes < MinGrowBytes || growBytes > MaxGrowBytes {
		fc.addf("size", "grow by %d bytes: allowed %d (1 MiB) to %d (16 TiB)", growBytes, uint64(MinGrowBytes), uint64(MaxGrowBytes))
	}
	if err := fc.err(); err != nil {
		return TaskInfo{}, err
	}
	ref, cfg, err := readContainer(ctx, o, vmid, o.opts.Cluster.Config)
	rec := audit.Record{Resource: string(scaling.ResourceDisk), Direction: string(scaling.Up), Operation: OpResize, Reason: disk}
	if err != nil {
		return TaskInfo{}, fmt.Errorf("grow %s of container %d: %w", disk, vmid, err)
	}
	if cfg.Lock != "" {
		err := fmt.Errorf("grow %s of container %d: %w", disk, vmid, &proxmox.LockedError{Lock: cfg.Lock})
		o.audit(c, ref, rec, err)
		return TaskInfo{}, err
	}
	vol, ok := cfg.RootFS, disk == "rootfs"
	if !ok {
		vol, ok = cfg.MountPoints[disk]
	}
	if !ok {
		return TaskInfo{}, fmt.Errorf("grow %s of container %d: %w", disk, vmid, notFound("no such disk"))
	}
	if vol.SizeBytes > 0 {
		rec.From, rec.To = int64(vol.SizeBytes), int64(vol.SizeBytes+growBytes)
	}
	task, err := o.opts.Cluster.ResizeDisk(ctx, ref, disk, growBytes, cfg.Digest)
	return o.started(c, ref, OpResize, rec, task, 0, err, fmt.Sprintf("grow %s of container %d", disk, vmid))
}
