package manual

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// Operations carries out manual operations. Safe for concurrent use.
type Operations struct {
	opts  Options
	log   zerolog.Logger
	now   func() time.Time
	tasks *taskRegistry

	// The background work (task watchers, RecoverTasks): bgCtx ends with
	// Close, which then waits for bg. bgMu orders bg.Add before Close's
	// Wait.
	bgMu     sync.Mutex
	bgClosed bool
	bgCtx    context.Context
	bgStop   context.CancelFunc
	bg       sync.WaitGroup
}

// New builds Operations.
func New(o Options) *Operations {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	if o.TaskTimeout <= 0 {
		o.TaskTimeout = DefaultTaskTimeout
	}
	ops := &Operations{opts: o, log: o.Logger, now: now, tasks: newTaskRegistry(maxTrackedTasks, maxTaskAge)}
	ops.bgCtx, ops.bgStop = context.WithCancel(context.Background())
	return ops
}

// Close stops the task watchers and a RecoverTasks in progress, and waits
// for them. Tasks still running stay audited as started; RecoverTasks at
// the next start records how they ended. Operations go on working after
// Close, without watchers.
func (o *Operations) Close() {
	o.bgMu.Lock()
	o.bgClosed = true
	o.bgMu.Unlock()
	o.bgStop()
	o.bg.Wait()
}

// enterBackground counts one piece of background work for Close, unless
// Close has begun; the caller calls o.bg.Done when it ends.
func (o *Operations) enterBackground() bool {
	o.bgMu.Lock()
	defer o.bgMu.Unlock()
	if o.bgClosed {
		return false
	}
	o.bg.Add(1)
	return true
}

// Locate returns the container's node, or an error wrapping
// proxmox.ErrNotFound.
func (o *Operations) Locate(ctx context.Context, vmid int) (proxmox.Ref, error) {
	ref, err := o.locate(ctx, vmid)
	if err != nil {
		return ref, fmt.Errorf("locate container %d: %w", vmid, err)
	}
	return ref, nil
}

// locate is Locate with errors that do not name the container: each
// operation's own prefix does.
func (o *Operations) locate(ctx context.Context, vmid int) (proxmox.Ref, error) {
	if err := checkVMID(vmid); err != nil {
		return proxmox.Ref{}, err
	}
	if o.opts.Locate != nil {
		if node, ok := o.opts.Locate(vmid); ok {
			return proxmox.Ref{Node: node, VMID: vmid}, nil
		}
	}
	return o.locateInCluster(ctx, vmid)
}

// errNotInCluster is a VMID /cluster/resources does not list.
var errNotInCluster = notFound("no such container in the cluster")

// locateInCluster asks /cluster/resources where vmid is.
func (o *Operations) locateInCluster(ctx context.Context, vmid int) (proxmox.Ref, error) {
	cts, err := o.opts.Cluster.ClusterContainers(ctx)
	if err != nil {
		return proxmox.Ref{}, fmt.Errorf("list the cluster's containers: %w", err)
	}
	for _, ct := range cts {
		if ct.VMID == vmid {
			return ct.Ref(), nil
		}
	}
	return proxmox.Ref{}, errNotInCluster
}

// onContainer locates vmid and runs fn on it. When fn finds no container
// on the node the loop's snapshot named (migrated since), it looks the
// container up in the cluster and, if it lives elsewhere now, runs fn
// once more there.
func (o *Operations) onContainer(ctx context.Context, vmid int, fn func(proxmox.Ref) error) (proxmox.Ref, error) {
	ref, err := o.locate(ctx, vmid)
	if err != nil {
		return ref, err
	}
	err = fn(ref)
	if !errors.Is(err, proxmox.ErrNotFound) || o.opts.Locate == nil {
		return ref, err
	}
	fresh, lerr := o.locateInCluster(ctx, vmid)
	if lerr != nil || fresh == ref {
		return ref, err
	}
	return fresh, fn(fresh)
}

// readContainer is onContainer for the calls that read one thing of the
// container (its config, its snapshots): the read follows a migration the
// same way and hands back where it was made.
func readContainer[T any](ctx context.Context, o *Operations, vmid int, read func(context.Context, proxmox.Ref) (T, error)) (proxmox.Ref, T, error) {
	var got T
	ref, err := o.onContainer(ctx, vmid, func(ref proxmox.Ref) error {
		var err error
		got, err = read(ctx, ref)
		return err
	})
	return ref, got, err
}

// Container reads a container's live status, config and snapshots.
func (o *Operations) Container(ctx context.Context, vmid int) (ContainerDetail, error) {
	var d ContainerDetail
	ref, err := o.onContainer(ctx, vmid, func(ref proxmox.Ref) error {
		st, err := o.opts.Cluster.ContainerStatus(ctx, ref)
		if err != nil {
			return fmt.Errorf("status: %w", err)
		}
		cfg, err := o.opts.Cluster.Config(ctx, ref)
		if err != nil {
			return fmt.Errorf("config: %w", err)
		}
		snaps, err := o.opts.Cluster.Snapshots(ctx, ref)
		if err != nil {
			return fmt.Errorf("snapshots: %w", err)
		}
		d = ContainerDetail{Status: st, Config: cfg, Snapshots: snapshotInfos(snaps)}
		return nil
	})
	if err != nil {
		return ContainerDetail{}, fmt.Errorf("read container %d: %w", vmid, err)
	}
	d.Ref = ref
	return d, nil
}

// Containers lists every container of the cluster with one
// /cluster/resources call, ordered by VMID.
func (o *Operations) Containers(ctx context.Context) ([]ContainerSummary, error) {
	cts, err := o.opts.Cluster.ClusterContainers(ctx)
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	slices.SortFunc(cts, func(a, b ContainerSummary) int { return a.VMID - b.VMID })
	return cts, nil
}

// Nodes lists the nodes of the cluster.
func (o *Operations) Nodes(ctx context.Context) ([]NodeSummary, error) {
	nodes, err := o.opts.Cluster.Nodes(ctx)
	if err != nil {
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	return nodes, nil
}
