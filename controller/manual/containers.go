package manual

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/lxc-autoscale/lxc-autoscale/controller/audit"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

func snapshotInfos(snaps []proxmox.Snapshot) []SnapshotInfo {
	out := make([]SnapshotInfo, 0, len(snaps))
	for _, s := range snaps {
		if s.Name == "current" { // the client drops it; never show it anyway
			continue
		}
		out = append(out, SnapshotInfo{Name: s.Name, Description: s.Description, Parent: s.Parent, Time: s.Time})
	}
	return out
}

// Snapshots lists a container's snapshots (without "current").
func (o *Operations) Snapshots(ctx context.Context, vmid int) ([]SnapshotInfo, error) {
	_, snaps, err := readContainer(ctx, o, vmid, o.opts.Cluster.Snapshots)
	if err != nil {
		return nil, fmt.Errorf("snapshots of container %d: %w", vmid, err)
	}
	return snapshotInfos(snaps), nil
}

// snapshotTask validates, locates the container, checks the snapshot
// against the list (present for rollback and delete, absent for create),
// starts the task with start and audits it.
func (o *Operations) snapshotTask(ctx context.Context, c Caller, vmid int, name, op string, mustExist bool,
	start func(proxmox.Ref) (proxmox.Task, error),
) (TaskInfo, error) {
	var fc fieldCheck
	fc.vmid("vmid", vmid)
	fc.snapshot("snapshot", name)
	if err := fc.err(); err != nil {
		return TaskInfo{}, err
	}
	ref, snaps, err := readContainer(ctx, o, vmid, o.opts.Cluster.Snapshots)
	if err != nil {
		return TaskInfo{}, fmt.Errorf("%s %q of container %d: %w", op, name, vmid, err)
	}
	// Checked here so that the API answers 404 or 409 at once instead of a
	// task that fails a moment later.
	exists := slices.ContainsFunc(snaps, func(s proxmox.Snapshot) bool { return s.Name == name })
	switch {
	case mustExist && !exists:
		return TaskInfo{}, fmt.Errorf("%s %q of container %d: %w", op, name, vmid, notFound("no such snapshot"))
	case !mustExist && exists:
		return TaskInfo{}, fmt.Errorf("%s %q of container %d: %w", op, name, vmid, conflict("a snapshot of that name exists"))
	}
	rec := audit.Record{Resource: "snapshot", Operation: op, Reason: name}
	task, err := start(ref)
	return o.started(c, ref, op, rec, task, 0, err, fmt.Sprintf("%s %q of container %d", op, name, vmid))
}

// CreateSnapshot starts a snapshot task.
func (o *Operations) CreateSnapshot(ctx context.Context, c Caller, vmid int, name, description string) (TaskInfo, error) {
	return o.snapshotTask(ctx, c, vmid, name, OpSnapshot, false, func(ref proxmox.Ref) (proxmox.Task, error) {
		return o.opts.Cluster.CreateSnapshot(ctx, ref, name, description)
	})
}

// RollbackSnapshot starts a rollback task; start restarts the container
// afterwards.
func (o *Operations) RollbackSnapshot(ctx context.Context, c Caller, vmid int, name string, start bool) (TaskInfo, error) {
	return o.snapshotTask(ctx, c, vmid, name, OpRollback, true, func(ref proxmox.Ref) (proxmox.Task, error) {
		return o.opts.Cluster.RollbackSnapshot(ctx, ref, name, start)
	})
}

// DeleteSnapshot starts a snapshot deletion task.
func (o *Operations) DeleteSnapshot(ctx context.Context, c Caller, vmid int, name string) (TaskInfo, error) {
	return o.snapshotTask(ctx, c, vmid, name, OpSnapshotDelete, true, func(ref proxmox.Ref) (proxmox.Task, error) {
		return o.opts.Cluster.DeleteSnapshot(ctx, ref, name)
	})
}

// Clone starts a clone task. The target node, when given, must be a node
// of the cluster (checked with one /nodes call).
func (o *Operations) Clone(ctx context.Context, c Caller, vmid int, r CloneRequest) (TaskInfo, error) {
	var fc fieldCheck
	fc.vmid("vmid", vmid)
	if r.NewID != 0 {
		fc.vmid("newid", r.NewID)
		if r.NewID == vmid {
			fc.addf("newid", "%d is the container being cloned", r.NewID)
		}
	}
	if r.Hostname != "" && !ValidHostname(r.Hostname) {
		fc.addf("hostname", "%q is not %s", r.Hostname, HostnameRule)
	}
	if r.Target != "" && !ValidNodeName(r.Target) {
		fc.addf("target", "%q is not %s", r.Target, NodeNameRule)
	}
	if r.Snapshot != "" {
		fc.snapshot("snapshot", r.Snapshot)
	}
	if err := fc.err(); err != nil {
		return TaskInfo{}, err
	}
	if r.Target != "" {
		if err := o.checkNode(ctx, r.Target); err != nil {
			return TaskInfo{}, fmt.Errorf("clone container %d: %w", vmid, err)
		}
	}
	ref, err := o.locate(ctx, vmid)
	if err != nil {
		return TaskInfo{}, fmt.Errorf("clone container %d: %w", vmid, err)
	}
	rec := audit.Record{Resource: "container", Operation: OpClone, To: int64(r.NewID), Reason: cloneReason(r)}
	newID, task, err := o.opts.Cluster.Clone(ctx, ref, proxmox.CloneOptions{
		NewID: r.NewID, Hostname: r.Hostname, Full: r.Full, Target: r.Target, SnapName: r.Snapshot,
	})
	if err == nil {
		rec.To = int64(newID)
	}
	return o.started(c, ref, OpClone, rec, task, newID, err, fmt.Sprintf("clone container %d", vmid))
}

// cloneReason says what the clone was asked for, for the audit.
func cloneReason(r CloneRequest) string {
	// Without full, PVE makes a linked clone of a template and a full
	// clone of anything else.
	parts := []string{"pve default copy"}
	if r.Full {
		parts[0] = "full copy"
	}
	if r.Hostname != "" {
		parts = append(parts, "hostname "+r.Hostname)
	}
	if r.Target != "" {
		parts = append(parts, "target "+r.Target)
	}
	if r.Snapshot != "" {
		parts = append(parts, "from snapshot "+r.Snapshot)
	}
	return strings.Join(parts, ", ")
}

// checkNode fails with ErrValidation when node is not a node of the
// cluster: PVE's own answer ("no such cluster node") is a bare 500.
func (o *Operations) checkNode(ctx context.Context, node string) error {
	nodes, err := o.opts.Cluster.Nodes(ctx)
	if err != nil {
		return fmt.Errorf("list nodes: %w", err)
	}
	if slices.ContainsFunc(nodes, func(n proxmox.Node) bool { return n.Name == node }) {
		return nil
	}
	return &InvalidRequestError{Fields: []FieldError{{Field: "target", Problem: fmt.Sprintf("%q is not a node of the cluster", node)}}}
}

// Delete destroys a container (stopping it first). Protected containers
// are refused by Proxmox with its reason.
//
// The config is read first: a protected container is sent the destroy
// without the stop, so that PVE refuses it (proxmox.ErrConflict, PVE's
// "protection mode enabled" in the message) before anything happened to
// it; a running protected container is never stopped for nothing.
func (o *Operations) Delete(ctx context.Context, c Caller, vmid int, purge bool) (TaskInfo, error) {
	ref, cfg, err := readContainer(ctx, o, vmid, o.opts.Cluster.Config)
	if err != nil {
		return TaskInfo{}, fmt.Errorf("delete container %d: %w", vmid, err)
	}
	rec := audit.Record{Resource: "container", Operation: OpDelete}
	if purge {
		rec.Reason = "purge"
	}
	if cfg.Lock != "" {
		// Refused before the stop rather than after it.
		err := fmt.Errorf("delete container %d: %w", vmid, &proxmox.LockedError{Lock: cfg.Lock})
		o.audit(c, ref, rec, err)
		return TaskInfo{}, err
	}
	task, err := o.opts.Cluster.DeleteContainer(ctx, ref, proxmox.DeleteOptions{Purge: purge, StopFirst: !cfg.Protection})
	return o.started(c, ref, OpDelete, rec, task, 0, err, fmt.Sprintf("delete container %d", vmid))
}

// Start starts a stopped container (the original's /clone/create starts
// the clone it made).
func (o *Operations) Start(ctx context.Context, c Caller, vmid int) (TaskInfo, error) {
	ref, err := o.locate(ctx, vmid)
	if err != nil {
		return TaskInfo{}, fmt.Errorf("start container %d: %w", vmid, err)
	}
	rec := audit.Record{Resource: "container", Operation: OpStart}
	task, err := o.opts.Cluster.StartContainer(ctx, ref)
	return o.started(c, ref, OpStart, rec, task, 0, err, fmt.Sprintf("start container %d", vmid))
}
