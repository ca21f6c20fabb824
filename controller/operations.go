package controller

import (
	"context"
	"errors"
	"time"

	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// Manual operations: what the REST API does on an operator's request. They
// go through the same client, the same compare-and-set rules and the same
// audit as the loop's own changes; the API never calls proxmox directly.

// ErrNotImplemented is returned by operations not built yet.
var ErrNotImplemented = errors.New("not implemented")

// Caller is who asked for an operation, for the audit: a token name (never
// the token) and the client address.
type Caller struct {
	Token   string
	Address string
}

// ResourceRequest sets a container's resources to absolute values; nil
// leaves a resource alone. Digest, when set, must equal the config's digest
// (an HTTP If-Match), else the operation fails with proxmox.ErrDigestMismatch.
type ResourceRequest struct {
	Cores     *int
	MemoryMiB *int
	SwapMiB   *int
	Digest    string
}

// CloneRequest describes a clone. NewID 0 takes the next free VMID.
type CloneRequest struct {
	NewID    int
	Hostname string
	Full     bool
	Target   string // node; "" keeps the source's node
	Snapshot string // clone from this snapshot; "" clones the current state
}

// SnapshotInfo is one snapshot of a container.
type SnapshotInfo struct {
	Name        string
	Description string
	Parent      string
	Time        time.Time // zero while PVE is still preparing it
}

// ContainerDetail is the live state of one container, read from Proxmox
// when asked (not from the loop's snapshot).
type ContainerDetail struct {
	Ref       proxmox.Ref
	Status    proxmox.Container
	Config    proxmox.Config
	Snapshots []SnapshotInfo
}

// TaskInfo is an asynchronous operation: a Proxmox task the API can be
// asked about by ID.
type TaskInfo struct {
	ID         string // the UPID
	Node       string
	VMID       int
	Operation  string // resize, snapshot, rollback, snapshot-delete, clone, delete
	Done       bool
	ExitStatus string // OK, WARNINGS: n, or PVE's error; "" while running
	StartedAt  time.Time
	// NewVMID is the clone's VMID for a clone.
	NewVMID int
}

// OperationsOptions configure Operations.
type OperationsOptions struct {
	Cluster     OperationsCluster
	Actuator    *Actuator // for resource changes: same digest rules and audit
	Audit       *Audit    // nil: no audit
	Logger      zerolog.Logger
	TaskTimeout time.Duration
	// Locate resolves a VMID to its node quickly (the loop's snapshot);
	// nil or a miss falls back to one /cluster/resources call.
	Locate func(vmid int) (node string, ok bool)
	// Pause is called by Pause/Resume; nil means pausing is unavailable
	// (the api command without the loop).
	Pause func(vmid int, paused bool)
}

// OperationsCluster is what manual operations need of Proxmox VE beyond
// Cluster. *proxmox.Client satisfies it.
type OperationsCluster interface {
	Cluster
	ContainerStatus(ctx context.Context, ref proxmox.Ref) (proxmox.Container, error)
	Snapshots(ctx context.Context, ref proxmox.Ref) ([]proxmox.Snapshot, error)
	CreateSnapshot(ctx context.Context, ref proxmox.Ref, name, description string) (proxmox.Task, error)
	RollbackSnapshot(ctx context.Context, ref proxmox.Ref, name string, start bool) (proxmox.Task, error)
	DeleteSnapshot(ctx context.Context, ref proxmox.Ref, name string) (proxmox.Task, error)
	Clone(ctx context.Context, ref proxmox.Ref, o proxmox.CloneOptions) (int, proxmox.Task, error)
	DeleteContainer(ctx context.Context, ref proxmox.Ref, o proxmox.DeleteOptions) (proxmox.Task, error)
	Task(ctx context.Context, upid string) (proxmox.Task, error)
}

var _ OperationsCluster = (*proxmox.Client)(nil)

// Operations carries out manual operations. Safe for concurrent use.
type Operations struct {
	opts OperationsOptions
}

// NewOperations builds Operations.
func NewOperations(o OperationsOptions) *Operations { return &Operations{opts: o} }

// Locate returns the container's node, or an error wrapping
// proxmox.ErrNotFound.
func (o *Operations) Locate(ctx context.Context, vmid int) (proxmox.Ref, error) {
	return proxmox.Ref{}, ErrNotImplemented
}

// Container reads a container's live status, config and snapshots.
func (o *Operations) Container(ctx context.Context, vmid int) (ContainerDetail, error) {
	return ContainerDetail{}, ErrNotImplemented
}

// SetResources sets cores, memory and swap in one compare-and-set write and
// audits it. It returns the config digest after the write.
func (o *Operations) SetResources(ctx context.Context, c Caller, vmid int, r ResourceRequest) (digest string, err error) {
	return "", ErrNotImplemented
}

// GrowDisk grows a disk (rootfs, mp0…) by growBytes; disks never shrink.
func (o *Operations) GrowDisk(ctx context.Context, c Caller, vmid int, disk string, growBytes uint64) (TaskInfo, error) {
	return TaskInfo{}, ErrNotImplemented
}

// Snapshots lists a container's snapshots (without "current").
func (o *Operations) Snapshots(ctx context.Context, vmid int) ([]SnapshotInfo, error) {
	return nil, ErrNotImplemented
}

// CreateSnapshot starts a snapshot task.
func (o *Operations) CreateSnapshot(ctx context.Context, c Caller, vmid int, name, description string) (TaskInfo, error) {
	return TaskInfo{}, ErrNotImplemented
}

// RollbackSnapshot starts a rollback task; start restarts the container
// afterwards.
func (o *Operations) RollbackSnapshot(ctx context.Context, c Caller, vmid int, name string, start bool) (TaskInfo, error) {
	return TaskInfo{}, ErrNotImplemented
}

// DeleteSnapshot starts a snapshot deletion task.
func (o *Operations) DeleteSnapshot(ctx context.Context, c Caller, vmid int, name string) (TaskInfo, error) {
	return TaskInfo{}, ErrNotImplemented
}

// Clone starts a clone task.
func (o *Operations) Clone(ctx context.Context, c Caller, vmid int, r CloneRequest) (TaskInfo, error) {
	return TaskInfo{}, ErrNotImplemented
}

// Delete destroys a container (stopping it first). Protected containers
// are refused by Proxmox with its reason.
func (o *Operations) Delete(ctx context.Context, c Caller, vmid int, purge bool) (TaskInfo, error) {
	return TaskInfo{}, ErrNotImplemented
}

// Task returns the state of a task started by an operation; wait > 0
// waits up to that long for it to finish.
func (o *Operations) Task(ctx context.Context, id string, wait time.Duration) (TaskInfo, error) {
	return TaskInfo{}, ErrNotImplemented
}

// SetPaused pauses or resumes autoscaling of a container and audits it.
func (o *Operations) SetPaused(ctx context.Context, c Caller, vmid int, paused bool) error {
	return ErrNotImplemented
}
