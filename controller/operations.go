package controller

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// Manual operations: what the REST API does on an operator's request. They
// go through the same client, the same compare-and-set rules and the same
// audit as the loop's own changes; the API never calls proxmox directly.
//
// Errors: every error matches one proxmox sentinel that Classify maps to
// an ErrorClass. Input refused before any request is sent is an
// *InvalidRequestError (proxmox.ErrValidation, ClassInvalid) naming every
// bad field.

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
// allocation as /cluster/resources reports them.
type ContainerSummary struct {
	VMID     int
	Node     string
	Name     string
	Status   string // running, stopped
	Template bool
	Lock     string
	Tags     []string
	Pool     string
	CPUs     float64 // allocated CPUs (cores, or cpulimit when lower)
	CPU      float64 // fraction of CPUs in use, 0..1
	Mem      uint64  // bytes
	MaxMem   uint64
	Disk     uint64 // bytes of the root filesystem
	MaxDisk  uint64
	Uptime   time.Duration
}

// NodeSummary is one node of the cluster.
type NodeSummary struct {
	Name          string
	Status        string // online, offline, unknown
	Online        bool
	CPUs          int     // threads
	CPU           float64 // fraction of all threads in use, 0..1
	MemoryBytes   uint64
	MemUsedBytes  uint64
	DiskBytes     uint64 // root filesystem
	DiskUsedBytes uint64
	Uptime        time.Duration
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

// OperationsOptions configure Operations.
type OperationsOptions struct {
	Cluster     OperationsCluster
	Actuator    *Actuator // for resource changes: same digest rules and audit
	Audit       *Audit    // nil: no audit
	Logger      zerolog.Logger
	TaskTimeout time.Duration // the longest Task waits; 0 means DefaultTaskTimeout
	// Locate resolves a VMID to its node quickly (the loop's snapshot);
	// nil or a miss falls back to one /cluster/resources call.
	Locate func(vmid int) (node string, ok bool)
	// Bounds gives the policy (name and rules) that applies to a container,
	// so that manual values stay within its bounds; nil or !ok: only the
	// absolute limits apply (the api command without the loop).
	Bounds func(vmid int) (policy string, rules Rules, ok bool)
	// Pause is called by Pause/Resume; nil means pausing is unavailable
	// (the api command without the loop).
	Pause func(vmid int, paused bool)
	// Applied, when set, is called after SetResources wrote a change, with
	// the outcomes of the write, so that the loop can start its cooldowns
	// from it (ContainerState.Record). Without it the loop only sees the
	// new allocation at its next pass and decides from there: a manual
	// increase on an idle container may then be taken back after the
	// down-stabilisation time.
	Applied func(vmid int, outcomes []Outcome)
	// Now is the clock of the task registry; nil means time.Now.
	Now func() time.Time
	// WatchTasks follows every task an operation starts, in the
	// background, until it ends, and audits its outcome (a second record
	// with the same UPID). Whoever sets it must call Close before closing
	// the Audit. Without it a task's end is audited only by RecoverTasks,
	// at the next start.
	WatchTasks bool
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
	StartContainer(ctx context.Context, ref proxmox.Ref) (proxmox.Task, error)
	Task(ctx context.Context, upid string) (proxmox.Task, error)
}

var _ OperationsCluster = (*proxmox.Client)(nil)

// Limits of the values an operation accepts, checked before anything is
// sent.
const (
	MinVMID         = 100
	MaxVMID         = 999999999
	MaxCores        = 8192
	MinMemoryMiB    = 16
	MaxMemoryMiB    = 4 << 20 // 4 TiB
	MaxSwapMiB      = 4 << 20 // 4 TiB
	MinGrowBytes    = 1 << 20 // 1 MiB
	MaxGrowBytes    = 16 << 40
	maxHostnameLen  = 253
	maxTaskAge      = time.Hour
	maxTrackedTasks = 10000
)

var (
	// PVE's snapshot names (pve-configid, at most 40 characters); the
	// proxmox client requires two characters or more.
	snapshotNameRe = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_-]{1,39}$`)
	diskNameRe     = regexp.MustCompile(`^(rootfs|mp[0-9]{1,3})$`)
	// An RFC 1123 label; a hostname is one or more separated by dots.
	hostLabelRe = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$`)
)

// FieldError is one field of a request that failed validation.
type FieldError struct {
	Field   string // vmid, cores, memory, swap, disk, size, snapshot, hostname, newid, target
	Problem string // what is wrong and what is allowed
}

// InvalidRequestError lists every field of a request that failed
// validation. Nothing was sent to Proxmox. It matches
// proxmox.ErrValidation (ClassInvalid).
type InvalidRequestError struct {
	Fields []FieldError
}

func (e *InvalidRequestError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Problem
	}
	return "invalid request: " + strings.Join(parts, "; ")
}

// Unwrap makes the error match proxmox.ErrValidation.
func (e *InvalidRequestError) Unwrap() error { return proxmox.ErrValidation }

// kindError is a refusal of ours that matches a proxmox sentinel (kind) for
// Classify, with a text that says it all: wrapping the sentinel with %w
// would append its own words ("container 999 not found: not found").
type kindError struct {
	msg  string
	kind error
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

// notFound is an error matching proxmox.ErrNotFound with the text
// fmt.Sprintf(format, args...).
func notFound(format string, args ...any) error {
	return &kindError{msg: fmt.Sprintf(format, args...), kind: proxmox.ErrNotFound}
}

// conflict is an error matching proxmox.ErrConflict with the text
// fmt.Sprintf(format, args...).
func conflict(format string, args ...any) error {
	return &kindError{msg: fmt.Sprintf(format, args...), kind: proxmox.ErrConflict}
}

// fieldCheck collects field errors.
type fieldCheck struct{ fields []FieldError }

func (c *fieldCheck) addf(field, format string, args ...any) {
	c.fields = append(c.fields, FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
}

func (c *fieldCheck) vmid(field string, v int) {
	if v < MinVMID || v > MaxVMID {
		c.addf(field, "%d is not a VMID: allowed %d to %d", v, MinVMID, MaxVMID)
	}
}

func (c *fieldCheck) snapshot(field, name string) {
	switch {
	case name == "current" || name == "vzdump":
		c.addf(field, "%q is reserved by Proxmox", name)
	case !snapshotNameRe.MatchString(name):
		c.addf(field, "%q: 2 to 40 letters, digits, - or _, starting with a letter", name)
	}
}

func (c *fieldCheck) err() error {
	if len(c.fields) == 0 {
		return nil
	}
	return &InvalidRequestError{Fields: c.fields}
}

func checkVMID(vmid int) error {
	var c fieldCheck
	c.vmid("vmid", vmid)
	return c.err()
}

// validHostname reports whether h is an RFC 1123 host name (labels of
// letters, digits and inner hyphens, separated by dots), as PVE's dns-name.
func validHostname(h string) bool {
	if h == "" || len(h) > maxHostnameLen {
		return false
	}
	for label := range strings.SplitSeq(h, ".") {
		if !hostLabelRe.MatchString(label) {
			return false
		}
	}
	return true
}

// Operations carries out manual operations. Safe for concurrent use.
type Operations struct {
	opts  OperationsOptions
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

// NewOperations builds Operations.
func NewOperations(o OperationsOptions) *Operations {
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
	out := make([]ContainerSummary, len(cts))
	for i, ct := range cts {
		out[i] = ContainerSummary{
			VMID: ct.VMID, Node: ct.Node, Name: ct.Name, Status: ct.Status, Template: ct.Template,
			Lock: ct.Lock, Tags: ct.Tags, Pool: ct.Pool, CPUs: ct.CPUs, CPU: ct.CPU,
			Mem: ct.Mem, MaxMem: ct.MaxMem, Disk: ct.Disk, MaxDisk: ct.MaxDisk, Uptime: ct.Uptime,
		}
	}
	slices.SortFunc(out, func(a, b ContainerSummary) int { return a.VMID - b.VMID })
	return out, nil
}

// Nodes lists the nodes of the cluster.
func (o *Operations) Nodes(ctx context.Context) ([]NodeSummary, error) {
	nodes, err := o.opts.Cluster.Nodes(ctx)
	if err != nil {
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	out := make([]NodeSummary, len(nodes))
	for i, n := range nodes {
		out[i] = NodeSummary{
			Name: n.Name, Status: n.Status, Online: n.Online, CPUs: n.CPUs, CPU: n.CPU,
			MemoryBytes: n.MemoryBytes, MemUsedBytes: n.MemUsedBytes,
			DiskBytes: n.DiskBytes, DiskUsedBytes: n.DiskUsedBytes, Uptime: n.Uptime,
		}
	}
	return out, nil
}

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
func resourceChange(res Resource, from int, to *int) (Change, bool) {
	if to == nil || *to == from {
		return Change{}, false
	}
	dir := Up
	if *to < from {
		dir = Down
	}
	return Change{Resource: res, Direction: dir, From: int64(from), To: int64(*to), Reason: reasonManual}, true
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
func (o *Operations) fromUnsetCores(ctx context.Context, ref proxmox.Ref, cfg proxmox.Config, ch *Change) {
	st, err := o.opts.Cluster.ContainerStatus(ctx, ref)
	if err != nil || st.CPUs <= 0 {
		o.log.Warn().Err(err).Int("vmid", ref.VMID).Msg("reading the CPUs of a container without cores failed")
		ch.Reason = reasonManual + "; cores were unset"
		return
	}
	source := "all threads of the node"
	if cfg.CPULimit > 0 {
		source = "cpulimit"
	}
	ch.From = int64(math.Ceil(st.CPUs))
	ch.Direction = Up
	if ch.To < ch.From {
		ch.Direction = Down
	}
	ch.Reason = fmt.Sprintf("%s; cores were unset: %s CPUs (%s)", reasonManual, strconv.FormatFloat(st.CPUs, 'f', -1, 64), source)
}

// modeInForce is the mode of the container's policy when the loop knows it
// (Bounds), else "" (the api command, monitor, a container the loop has
// not seen or excludes). Manual operations are carried out in every mode;
// their audit records say which one the autoscaler was in.
func (o *Operations) modeInForce(vmid int) Mode {
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
// Cooldowns: see OperationsOptions.Applied.
func (o *Operations) SetResources(ctx context.Context, c Caller, vmid int, r ResourceRequest) (digest string, err error) {
	if err := checkResources(vmid, r); err != nil {
		return "", err
	}
	if err := o.checkPolicyBounds(vmid, r); err != nil {
		return "", err
	}
	var cfg proxmox.Config
	ref, err := o.onContainer(ctx, vmid, func(ref proxmox.Ref) error {
		var err error
		cfg, err = o.opts.Cluster.Config(ctx, ref)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("set resources of container %d: %w", vmid, err)
	}
	var changes []Change
	for _, rc := range []struct {
		res  Resource
		from int
		to   *int
	}{{ResourceCores, cfg.Cores, r.Cores}, {ResourceMemory, cfg.MemoryMiB, r.MemoryMiB}, {ResourceSwap, cfg.SwapMiB, r.SwapMiB}} {
		if ch, ok := resourceChange(rc.res, rc.from, rc.to); ok {
			if ch.Resource == ResourceCores && rc.from == 0 {
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
		mode = ModeEnforce
	}
	var refused error
	var skip SkipReason
	switch {
	case r.Digest != "" && r.Digest != cfg.Digest:
		refused = fmt.Errorf("set resources of container %d: %w", vmid,
			&kindError{msg: fmt.Sprintf("config digest is %s, not %s", cfg.Digest, r.Digest), kind: proxmox.ErrDigestMismatch})
		skip = SkipDigestMismatch
	case cfg.Lock != "":
		refused = fmt.Errorf("set resources of container %d: %w", vmid, &proxmox.LockedError{Lock: cfg.Lock})
		skip = SkipLocked
	}
	if refused != nil {
		for _, ch := range changes {
			o.audit(c, ref, AuditRecord{
				Resource: string(ch.Resource), Direction: string(ch.Direction), From: ch.From, To: ch.To,
				Reason: ch.Reason, Mode: string(mode), Result: ResultSkipped, Skip: string(skip),
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
	d := Decision{Source: c.source(), VMID: vmid, Node: ref.Node, Mode: ModeEnforce, Changes: changes, Score: math.NaN()}
	observed := Allocation{Cores: cfg.Cores, MemoryMiB: cfg.MemoryMiB, SwapMiB: cfg.SwapMiB, DiskBytes: cfg.RootFS.SizeBytes}
	outcomes := o.opts.Actuator.apply(ctx, d, observed, applyExtras{digest: r.Digest, client: c.Address, auditMode: mode})
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
func outcomesError(outcomes []Outcome) error {
	for _, o := range outcomes {
		if o.Result == ResultFailed || o.Result == ResultUnknown {
			return o.Err
		}
	}
	for _, o := range outcomes {
		if o.Result == ResultApplied {
			continue
		}
		switch o.Skip {
		case SkipLocked:
			return &kindError{msg: "locked since it was read", kind: proxmox.ErrLocked}
		case SkipDigestMismatch, SkipChanged:
			return &kindError{msg: "config changed since it was read", kind: proxmox.ErrDigestMismatch}
		case SkipMoved:
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
	if !diskNameRe.MatchString(disk) {
		fc.addf("disk", "%q: rootfs or mp0 to mp255", disk)
	}
	if growBytes < MinGrowBytes || growBytes > MaxGrowBytes {
		fc.addf("size", "grow by %d bytes: allowed %d (1 MiB) to %d (16 TiB)", growBytes, uint64(MinGrowBytes), uint64(MaxGrowBytes))
	}
	if err := fc.err(); err != nil {
		return TaskInfo{}, err
	}
	var cfg proxmox.Config
	ref, err := o.onContainer(ctx, vmid, func(ref proxmox.Ref) error {
		var err error
		cfg, err = o.opts.Cluster.Config(ctx, ref)
		return err
	})
	rec := AuditRecord{Resource: string(ResourceDisk), Direction: string(Up), Operation: OpResize, Reason: disk}
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
	var snaps []proxmox.Snapshot
	_, err := o.onContainer(ctx, vmid, func(ref proxmox.Ref) error {
		var err error
		snaps, err = o.opts.Cluster.Snapshots(ctx, ref)
		return err
	})
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
	var snaps []proxmox.Snapshot
	ref, err := o.onContainer(ctx, vmid, func(ref proxmox.Ref) error {
		var err error
		snaps, err = o.opts.Cluster.Snapshots(ctx, ref)
		return err
	})
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
	rec := AuditRecord{Resource: "snapshot", Operation: op, Reason: name}
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
	if r.Hostname != "" && !validHostname(r.Hostname) {
		fc.addf("hostname", "%q is not an RFC 1123 host name (letters, digits and inner hyphens, labels of 1 to 63, 253 in all)", r.Hostname)
	}
	if r.Target != "" && !hostLabelRe.MatchString(r.Target) {
		fc.addf("target", "%q is not a node name", r.Target)
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
	rec := AuditRecord{Resource: "container", Operation: OpClone, To: int64(r.NewID), Reason: cloneReason(r)}
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
	var cfg proxmox.Config
	ref, err := o.onContainer(ctx, vmid, func(ref proxmox.Ref) error {
		var err error
		cfg, err = o.opts.Cluster.Config(ctx, ref)
		return err
	})
	if err != nil {
		return TaskInfo{}, fmt.Errorf("delete container %d: %w", vmid, err)
	}
	rec := AuditRecord{Resource: "container", Operation: OpDelete}
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
	rec := AuditRecord{Resource: "container", Operation: OpStart}
	task, err := o.opts.Cluster.StartContainer(ctx, ref)
	return o.started(c, ref, OpStart, rec, task, 0, err, fmt.Sprintf("start container %d", vmid))
}

// started finishes an operation that asked Proxmox for a task: a failure
// is wrapped with what and audited; a started task is tracked (newID: a
// clone's VMID) and audited with its UPID.
func (o *Operations) started(c Caller, ref proxmox.Ref, op string, rec AuditRecord, task proxmox.Task, newID int, err error, what string) (TaskInfo, error) {
	if err != nil {
		err = fmt.Errorf("%s: %w", what, err)
		o.audit(c, ref, rec, err)
		return TaskInfo{}, err
	}
	entry := o.track(ref, op, task, newID)
	rec.Task = task.UPID
	rec = o.audit(c, ref, rec, nil)
	o.startWatch(entry, rec)
	return entry.info, nil
}

// newEnded is the channel of a registry entry that a watcher closes when
// it stops; nil without WatchTasks.
func (o *Operations) newEnded() chan struct{} {
	if !o.opts.WatchTasks {
		return nil
	}
	return make(chan struct{})
}

// startWatch runs watchTask for entry in the background when it has an
// ended channel, and closes that channel when the watcher stops (at once
// when Close has begun).
func (o *Operations) startWatch(entry taskEntry, start AuditRecord) {
	if entry.ended == nil {
		return
	}
	if !o.enterBackground() {
		close(entry.ended)
		return
	}
	go func() {
		defer o.bg.Done()
		defer close(entry.ended)
		o.watchTask(o.bgCtx, entry, start)
	}()
}

// watchTask waits for a task to end and audits its outcome under start,
// the record of its start. Stopped by ctx (Close) or maxTaskWatch, or
// when its status cannot be read (a non-retryable error), it audits
// nothing: RecoverTasks looks the task up again at the next start.
func (o *Operations) watchTask(ctx context.Context, entry taskEntry, start AuditRecord) {
	wctx, cancel := context.WithTimeout(ctx, maxTaskWatch)
	defer cancel()
	cur, err := o.opts.Cluster.WaitTask(wctx, entry.task, 0)
	var taskErr *proxmox.TaskError
	if err != nil && !errors.As(err, &taskErr) {
		if ctx.Err() == nil {
			o.log.Warn().Err(err).Str("upid", entry.task.UPID).Int("vmid", start.VMID).
				Msg("the end of a task was not seen; it is looked up again at the next start")
		}
		return
	}
	o.tasks.update(entry, cur, o.now())
	o.auditEnd(start, cur.ExitStatus, ResultApplied)
}

// auditEnd appends the record of a task's end: start's record with result
// (ResultApplied turns into ResultFailed for an exit status PVE counts as
// an error) and the exit status.
func (o *Operations) auditEnd(start AuditRecord, exit, result string) {
	r := start
	r.Time = o.now()
	r.ExitStatus, r.Result, r.Error, r.Skip = exit, result, "", ""
	if result == ResultApplied && (TaskInfo{Done: true, ExitStatus: exit}).Failed() {
		r.Result, r.Error = ResultFailed, exit
	}
	ev := o.log.Info()
	if r.Result != ResultApplied {
		ev = o.log.Warn()
	}
	ev.Str("source", r.Source).Int("vmid", r.VMID).Str("node", r.Node).Str("operation", r.Operation).
		Str("resource", r.Resource).Str("result", r.Result).Str("exit_status", exit).Str("upid", r.Task).
		Msg("manual operation ended")
	if o.opts.Audit == nil {
		return
	}
	if err := o.opts.Audit.Append(r); err != nil {
		o.log.Error().Err(err).Int("vmid", r.VMID).Str("operation", r.Operation).Msg("append audit record")
	}
}

// RecoverTasks audits the end of the tasks the audit (with its rotated
// files) shows started and never ended: a previous run stopped, or was
// killed, before they did. Each is looked up once (GET its status): the
// outcome of one that has ended is audited now; one still running is
// watched like a new one when WatchTasks is set (else left for the next
// start); one Proxmox no longer knows ("no such task") is audited
// ResultTaskUnknown. A task whose status cannot be read now is left for the
// next start. It runs until done or until ctx ends or Close is called
// (then it returns nil: what is left is for the next start), and may run
// while operations start tasks: no task's end is audited twice by one
// process.
func (o *Operations) RecoverTasks(ctx context.Context) error {
	if o.opts.Audit == nil || !o.enterBackground() {
		return nil
	}
	defer o.bg.Done()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(o.bgCtx, cancel)()

	records, err := ReadAudit(o.opts.Audit.Path(), 0)
	if err != nil {
		return fmt.Errorf("recover tasks: %w", err)
	}
	var failed []error
	for _, start := range unendedTasks(records) {
		if o.bgCtx.Err() != nil {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("recover tasks: %w", err)
		}
		if err := o.recoverTask(ctx, start); err != nil {
			failed = append(failed, err)
		}
	}
	if err := errors.Join(failed...); err != nil && o.bgCtx.Err() == nil {
		return fmt.Errorf("recover tasks: %w", err)
	}
	return nil
}

// unendedTasks picks, from records newest first, the records of task
// starts that no later record ends, oldest first.
func unendedTasks(records []AuditRecord) []AuditRecord {
	seen := map[string]bool{}
	var out []AuditRecord
	for _, r := range records {
		if r.Task == "" || r.Operation == "" || seen[r.Task] {
			continue
		}
		seen[r.Task] = true
		if r.Result == ResultStarted {
			out = append(out, r)
		}
	}
	slices.Reverse(out)
	return out
}

// recoverTask looks up one task audited as started and audits its end, or
// hands it to a watcher. A task this process already follows is left
// alone.
func (o *Operations) recoverTask(ctx context.Context, start AuditRecord) error {
	task, err := proxmox.ParseUPID(start.Task)
	if err != nil {
		// Not a task of PVE's: there is nothing to ask about it.
		o.auditEnd(start, "", ResultTaskUnknown)
		return nil
	}
	info := TaskInfo{ID: task.UPID, Node: task.Node, VMID: start.VMID, Operation: start.Operation, StartedAt: task.StartTime}
	if start.Operation == OpClone {
		info.NewVMID = int(start.To)
	}
	entry, claimed := o.tasks.claim(taskEntry{info: info, task: task, ended: o.newEnded()}, o.now())
	if !claimed {
		return nil
	}
	cur, err := o.opts.Cluster.Task(ctx, task.UPID)
	switch {
	case isUnknownTask(err):
		o.auditEnd(start, "", ResultTaskUnknown)
		o.tasks.remove(task.UPID) // nothing to answer about it
		endedWithoutWatch(entry)
		return nil
	case err == nil && cur.Done():
		o.tasks.update(entry, cur, o.now())
		o.auditEnd(start, cur.ExitStatus, ResultApplied)
		endedWithoutWatch(entry)
		return nil
	case ctx.Err() == nil && entry.ended != nil:
		o.startWatch(entry, start)
		return nil
	}
	endedWithoutWatch(entry)
	if err != nil {
		return fmt.Errorf("task %s: %w", task.UPID, err)
	}
	return nil
}

// endedWithoutWatch closes the ended channel of an entry no watcher
// follows, so that Task waits on it no longer.
func endedWithoutWatch(e taskEntry) {
	if e.ended != nil {
		close(e.ended)
	}
}

// isUnknownTask reports whether err is PVE's answer for a UPID it has no
// task of: 400 with {"upid":"no such task"} (pve-manager
// PVE/API2/Tasks.pm; proxmox-api.md, GET /nodes/{node}/tasks/{upid}/status).
func isUnknownTask(err error) bool {
	var apiErr *proxmox.APIError
	return errors.As(err, &apiErr) && strings.Contains(apiErr.Params["upid"], "no such task")
}

// Task returns the state of a task started by an operation; wait > 0
// waits up to that long for it to finish (at most TaskTimeout): on the
// task's watcher when one follows it (WatchTasks), so that any number of
// callers cost no more polls than the watcher's own. A task
// that ended with an error is not an error of Task: Done and ExitStatus
// say so (TaskInfo.Failed). An ID this Operations did not start, or has
// forgotten (finished more than an hour ago), is proxmox.ErrNotFound.
func (o *Operations) Task(ctx context.Context, id string, wait time.Duration) (TaskInfo, error) {
	entry, ok := o.tasks.get(id, o.now())
	if !ok {
		return TaskInfo{}, notFound("task %s: not started by this process, or forgotten an hour after it ended", id)
	}
	if entry.info.Done {
		return entry.info, nil
	}
	if wait > 0 && entry.ended != nil {
		// A watcher polls the task already: wait for it rather than poll
		// once more per caller.
		if info, done, err := o.waitWatcher(ctx, entry, min(wait, o.opts.TaskTimeout)); done || err != nil {
			return info, err
		}
	}
	var (
		cur proxmox.Task
		err error
	)
	if wait > 0 {
		cur, err = o.opts.Cluster.WaitTask(ctx, entry.task, min(wait, o.opts.TaskTimeout))
		var taskErr *proxmox.TaskError
		switch {
		case errors.As(err, &taskErr):
			err = nil // the task failed; its exit status says how
		case errors.Is(err, proxmox.ErrTimeout) && ctx.Err() == nil:
			err = nil // still running when the wait ended
		}
		if err != nil {
			return TaskInfo{}, err // "wait task <UPID>: …" already
		}
	} else {
		cur, err = o.opts.Cluster.Task(ctx, entry.task.UPID)
		if err != nil {
			return TaskInfo{}, fmt.Errorf("task %s: %w", id, err)
		}
	}
	return o.tasks.update(entry, cur, o.now()), nil
}

// waitWatcher waits up to wait for the watcher of entry to stop. done is
// true when the answer is final: the task ended, or it is still running
// when the wait ran out (the watcher polls it). false means the watcher
// stopped without seeing the end: the caller polls itself.
func (o *Operations) waitWatcher(ctx context.Context, entry taskEntry, wait time.Duration) (info TaskInfo, done bool, err error) {
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return TaskInfo{}, true, fmt.Errorf("task %s: %w", entry.info.ID, ctx.Err())
	case <-timer.C:
		if e, ok := o.tasks.get(entry.info.ID, o.now()); ok {
			return e.info, true, nil
		}
		return entry.info, true, nil
	case <-entry.ended:
	}
	if e, ok := o.tasks.get(entry.info.ID, o.now()); ok && e.info.Done {
		return e.info, true, nil
	}
	return TaskInfo{}, false, nil
}

// SetPaused pauses or resumes autoscaling of a container and audits it.
func (o *Operations) SetPaused(ctx context.Context, c Caller, vmid int, paused bool) error {
	if err := checkVMID(vmid); err != nil {
		return err
	}
	if o.opts.Pause == nil {
		return conflict("pause or resume container %d: autoscaling is not running in this process", vmid)
	}
	// The loop's snapshot names the node when it can; a container it does
	// not know yet may still be paused ahead of time.
	ref := proxmox.Ref{VMID: vmid}
	if o.opts.Locate != nil {
		ref.Node, _ = o.opts.Locate(vmid)
	}
	o.opts.Pause(vmid, paused)
	op := OpResume
	if paused {
		op = OpPause
	}
	o.audit(c, ref, AuditRecord{Resource: "autoscaling", Direction: op, Operation: op, Result: ResultApplied}, nil)
	return nil
}

// audit writes one record of an operation (not of a resource change: the
// Actuator audits those): err nil means started (or applied when
// r.Result is set), else failed with err's text. It returns the record.
func (o *Operations) audit(c Caller, ref proxmox.Ref, r AuditRecord, err error) AuditRecord {
	r.Time = o.now()
	r.Source, r.Client, r.VMID, r.Node = c.source(), c.Address, ref.VMID, ref.Node
	r.Score = math.NaN()
	if r.Mode == "" {
		r.Mode = string(o.modeInForce(ref.VMID))
	}
	if r.Result == "" {
		r.Result = ResultStarted
	}
	ev := o.log.Info()
	if err != nil {
		r.Result, r.Error = ResultFailed, err.Error()
		ev = o.log.Warn().Err(err)
	}
	ev.Str("source", r.Source).Int("vmid", r.VMID).Str("node", r.Node).Str("operation", r.Operation).
		Str("resource", r.Resource).Str("result", r.Result).Str("upid", r.Task).Msg("manual operation")
	if o.opts.Audit == nil {
		return r
	}
	if aerr := o.opts.Audit.Append(r); aerr != nil {
		o.log.Error().Err(aerr).Int("vmid", r.VMID).Str("operation", r.Operation).Msg("append audit record")
	}
	return r
}

// track registers a started task and returns its entry.
func (o *Operations) track(ref proxmox.Ref, op string, t proxmox.Task, newVMID int) taskEntry {
	started := t.StartTime
	if started.IsZero() {
		started = o.now()
	}
	info := TaskInfo{ID: t.UPID, Node: t.Node, VMID: ref.VMID, Operation: op, StartedAt: started, NewVMID: newVMID}
	if info.Node == "" {
		info.Node = ref.Node
	}
	e := taskEntry{info: info, task: t, ended: o.newEnded()}
	o.tasks.add(e, o.now())
	return e
}

// taskRegistry remembers the tasks Operations started, so that the API
// answers about those and only those. It is bounded: finished tasks are
// forgotten maxAge after they were seen finished, and past capacity the
// oldest tasks go first.
type taskRegistry struct {
	capacity int
	maxAge   time.Duration

	mu      sync.Mutex
	entries map[string]*taskEntry
}

type taskEntry struct {
	info     TaskInfo
	task     proxmox.Task
	finished time.Time // when it was first seen done; zero while running
	// ended is closed when the task's watcher stops (WatchTasks); nil
	// when no watcher follows the task.
	ended chan struct{}
}

func newTaskRegistry(capacity int, maxAge time.Duration) *taskRegistry {
	return &taskRegistry{capacity: capacity, maxAge: maxAge, entries: map[string]*taskEntry{}}
}

func (r *taskRegistry) get(id string, now time.Time) (taskEntry, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.entries[id]
	if !ok || r.expired(e, now) {
		return taskEntry{}, false
	}
	return *e, true
}

// expired reports whether e finished more than maxAge before now.
func (r *taskRegistry) expired(e *taskEntry, now time.Time) bool {
	return !e.finished.IsZero() && now.Sub(e.finished) > r.maxAge
}

func (r *taskRegistry) add(e taskEntry, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.entries[e.info.ID] = &e
	r.pruneLocked(now)
}

// remove forgets a task.
func (r *taskRegistry) remove(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.entries, id)
}

// claim adds e unless its task is registered already, and reports whether
// it did: the registry entry is what makes one process audit a task's end
// once.
func (r *taskRegistry) claim(e taskEntry, now time.Time) (taskEntry, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.entries[e.info.ID]; ok {
		return taskEntry{}, false
	}
	r.entries[e.info.ID] = &e
	r.pruneLocked(now)
	return e, true
}

// update records a poll of the task got from the registry as polled, and
// returns its TaskInfo.
func (r *taskRegistry) update(polled taskEntry, t proxmox.Task, now time.Time) TaskInfo {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.entries[polled.info.ID]
	if !ok { // pruned while it was polled: answer this once more
		e = &polled
	}
	e.task = t
	if t.Done() && !e.info.Done {
		e.info.Done, e.info.ExitStatus, e.finished = true, t.ExitStatus, now
	}
	return e.info
}

// pruneLocked drops the finished tasks older than maxAge and, past
// capacity, the oldest tasks down to 90 % of it so that a full registry
// does not sort on every add. It scans the registry: it runs once per
// started task, and manual operations are rare.
func (r *taskRegistry) pruneLocked(now time.Time) {
	for id, e := range r.entries {
		if r.expired(e, now) {
			delete(r.entries, id)
		}
	}
	if len(r.entries) <= r.capacity {
		return
	}
	all := make([]*taskEntry, 0, len(r.entries))
	for _, e := range r.entries {
		all = append(all, e)
	}
	slices.SortFunc(all, func(a, b *taskEntry) int { return a.info.StartedAt.Compare(b.info.StartedAt) })
	for _, e := range all[:len(all)-r.capacity*9/10] {
		delete(r.entries, e.info.ID)
	}
}
