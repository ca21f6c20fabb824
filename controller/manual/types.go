package manual

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/controller/audit"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// ErrNotImplemented was returned by operations not built yet. No operation
// returns it any more; it stays for callers that still check for it.
var ErrNotImplemented = errors.New("not implemented")

// Caller is who asked for an operation, for the audit: a token name (never
// the token) and the client address.
type Caller struct {
	Token   string
	Address string
}

// source is the audit Source of the caller's operations.
func (c Caller) source() string { return "api:" + c.Token }

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

// ContainerSummary is one container of the cluster listing: usage and
// allocation as /cluster/resources reports them (no swap, no PSI; CPUs are
// the allocated CPUs, cores or cpulimit when lower). It is the client's
// own type, named here for the API, which does not import proxmox.
type ContainerSummary = proxmox.Container

// NodeSummary is one node of the cluster, as GET /nodes reports it: the
// client's own type, named here for the API.
type NodeSummary = proxmox.Node

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

// Failed reports whether the task has ended with an error (anything but OK
// or WARNINGS, as PVE counts it).
func (t TaskInfo) Failed() bool {
	return t.Done && t.ExitStatus != "OK" && !strings.HasPrefix(t.ExitStatus, "WARNINGS")
}

// Operations of TaskInfo.Operation and AuditRecord.Operation.
const (
	OpResize         = "resize"
	OpSnapshot       = "snapshot"
	OpRollback       = "rollback"
	OpSnapshotDelete = "snapshot-delete"
	OpClone          = "clone"
	OpDelete         = "delete"
	OpStart          = "start"
	OpPause          = "pause"
	OpResume         = "resume"
)

// ResultStarted is the audit Result of an operation that started a
// Proxmox task. Its end is audited in a second record with the same Task:
// ResultApplied or ResultFailed with the ExitStatus, or ResultTaskUnknown.
const ResultStarted = "started"

// ResultTaskUnknown is the audit Result of the end of a task that Proxmox
// no longer knows when it is looked up after a restart (its node was
// reinstalled, its log rotated away): how it ended cannot be learnt.
const ResultTaskUnknown = "unknown"

// maxTaskWatch bounds how long one watcher follows a task; a task still
// running then is looked up again at the next start (RecoverTasks).
const maxTaskWatch = 24 * time.Hour

// Options configure Operations.
type Options struct {
	Cluster     Cluster
	Actuator    Applier    // for resource changes: same digest rules and audit
	Audit       *audit.Log // nil: no audit
	Logger      zerolog.Logger
	TaskTimeout time.Duration // the longest Task waits; 0 means DefaultTaskTimeout
	// Locate resolves a VMID to its node quickly (the loop's snapshot);
	// nil or a miss falls back to one /cluster/resources call.
	Locate func(vmid int) (node string, ok bool)
	// Bounds gives the policy (name and rules) that applies to a container,
	// so that manual values stay within its bounds; nil or !ok: only the
	// absolute limits apply (the api command without the loop).
	Bounds func(vmid int) (policy string, rules scaling.Rules, ok bool)
	// Pause is called by Pause/Resume; nil means pausing is unavailable
	// (the api command without the loop).
	Pause func(vmid int, paused bool)
	// Applied, when set, is called after SetResources wrote a change, with
	// the outcomes of the write, so that the loop can start its cooldowns
	// from it (ContainerState.Record). Without it the loop only sees the
	// new allocation at its next pass and decides from there: a manual
	// increase on an idle container may then be taken back after the
	// down-stabilisation time.
	Applied func(vmid int, outcomes []scaling.Outcome)
	// Recorded, when set, is given every record the operations write
	// themselves (not the Actuator's), audited or not: a task started,
	// its end, a refusal. cmd notifies a disk grown from it. It is called
	// from the request's goroutine or a task watcher and must not block.
	Recorded func(audit.Record)
	// Now is the clock of the task registry; nil means time.Now.
	Now func() time.Time
	// WatchTasks follows every task an operation starts, in the
	// background, until it ends, and audits its outcome (a second record
	// with the same UPID). Whoever sets it must call Close before closing
	// the Audit. Without it a task's end is audited only by RecoverTasks,
	// at the next start.
	WatchTasks bool
}

// Cluster is what the manual operations need of Proxmox VE.
// *proxmox.Client satisfies it (cmd checks); its errors are classified with
// the proxmox sentinels.
type Cluster interface {
	Nodes(ctx context.Context) ([]proxmox.Node, error)
	ClusterContainers(ctx context.Context) ([]proxmox.Container, error)
	Config(ctx context.Context, ref proxmox.Ref) (proxmox.Config, error)
	ContainerStatus(ctx context.Context, ref proxmox.Ref) (proxmox.Container, error)
	ResizeDisk(ctx context.Context, ref proxmox.Ref, disk string, growBytes uint64, digest string) (proxmox.Task, error)
	Snapshots(ctx context.Context, ref proxmox.Ref) ([]proxmox.Snapshot, error)
	CreateSnapshot(ctx context.Context, ref proxmox.Ref, name, description string) (proxmox.Task, error)
	RollbackSnapshot(ctx context.Context, ref proxmox.Ref, name string, start bool) (proxmox.Task, error)
	DeleteSnapshot(ctx context.Context, ref proxmox.Ref, name string) (proxmox.Task, error)
	Clone(ctx context.Context, ref proxmox.Ref, o proxmox.CloneOptions) (int, proxmox.Task, error)
	DeleteContainer(ctx context.Context, ref proxmox.Ref, o proxmox.DeleteOptions) (proxmox.Task, error)
	StartContainer(ctx context.Context, ref proxmox.Ref) (proxmox.Task, error)
	Task(ctx context.Context, upid string) (proxmox.Task, error)
	WaitTask(ctx context.Context, t proxmox.Task, timeout time.Duration) (proxmox.Task, error)
}

// Applier writes a resource change the way the loop writes its own: a
// fresh config read compared with observed, a write carrying that read's
// digest, every outcome logged, counted and audited. controller's Actuator
// is the one Applier.
type Applier interface {
	ApplyManual(ctx context.Context, d scaling.Decision, observed scaling.Allocation, w Write) []scaling.Outcome
}

// Write is what a manual change adds to a decision for the Applier.
type Write struct {
	// Digest, when set, is the config digest the caller read: the write is
	// refused unless the config still has it.
	Digest string
	// Client is the address the request came from, for the audit.
	Client string
	// AuditMode is the mode in force for the container, logged and audited
	// instead of the decision's (always enforce: a manual change is made).
	AuditMode scaling.Mode
}

// DefaultTaskTimeout is the longest Task waits for a task to end when
// Options.TaskTimeout is not set.
const DefaultTaskTimeout = 2 * time.Minute
