package proxmox

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// Ref addresses a container: the node it lives on and its VMID.
type Ref struct {
	Node string
	VMID int
}

func (r Ref) String() string { return r.Node + "/" + strconv.Itoa(r.VMID) }

// Version is GET /version.
type Version struct {
	Version string // e.g. 9.1.1
	Release string // e.g. 9.1
	RepoID  string
}

// Node is one entry of GET /nodes. An offline node keeps its capacity from
// its last report but has no usage.
type Node struct {
	Name          string
	Status        string // online, offline, unknown
	Online        bool
	CPUs          int    // threads
	MemoryBytes   uint64 // total
	CPU           float64
	MemUsedBytes  uint64
	DiskBytes     uint64 // root filesystem size
	DiskUsedBytes uint64
	Uptime        time.Duration
	Level         string // subscription level
	// SSLFingerprint is the node's certificate fingerprint as PVE reports it.
	SSLFingerprint string
}

// NodeStatus is GET /nodes/{node}/status.
type NodeStatus struct {
	Name            string
	CPUs            int // threads
	Cores           int
	Sockets         int
	CPUModel        string
	CPU             float64 // fraction of all threads
	IOWait          float64
	LoadAvg         [3]float64
	MemoryTotal     uint64
	MemoryUsed      uint64
	MemoryFree      uint64
	MemoryAvailable uint64
	SwapTotal       uint64
	SwapUsed        uint64
	RootFSTotal     uint64
	RootFSUsed      uint64
	Uptime          time.Duration
	KernelVersion   string
	PVEVersion      string
}

// Pressure is the PSI of a container as PVE 9 reports it: avg10 percentages.
type Pressure struct {
	CPUSome, CPUFull       float64
	IOSome, IOFull         float64
	MemorySome, MemoryFull float64
}

// Container is one container with its live usage, from GET /nodes/{n}/lxc,
// status/current or /cluster/resources.
type Container struct {
	VMID     int
	Node     string
	Name     string
	Status   string // running, stopped
	Template bool
	Lock     string
	Tags     []string
	Pool     string // only from ClusterContainers
	CPUs     float64
	CPU      float64 // fraction of CPUs in use, 0..1
	Mem      uint64
	MaxMem   uint64
	Swap     uint64 // not reported by ClusterContainers
	MaxSwap  uint64
	Disk     uint64
	MaxDisk  uint64
	// Counters since the container started (bytes).
	NetIn, NetOut, DiskRead, DiskWrite uint64
	Uptime                             time.Duration
	// Pressure is nil when PVE did not send PSI (PVE < 9, stopped container).
	Pressure *Pressure
}

// Ref returns the container's address.
func (c Container) Ref() Ref { return Ref{Node: c.Node, VMID: c.VMID} }

// Volume is a parsed rootfs or mount point specification.
type Volume struct {
	Spec      string // the raw value, e.g. local-lvm:vm-101-disk-0,size=8G
	Storage   string // local-lvm
	Volume    string // vm-101-disk-0
	SizeBytes uint64 // 0 when the spec has no size
}

// Config is GET /nodes/{n}/lxc/{vmid}/config. Raw holds every key as text,
// including the ones without a field here.
type Config struct {
	Digest      string
	Cores       int     // 0 = unset (all host CPUs)
	CPULimit    float64 // 0 = unlimited
	CPUUnits    int     // 0 = unset (PVE default)
	MemoryMiB   int
	SwapMiB     int
	RootFS      Volume
	MountPoints map[string]Volume // mp0…
	Tags        []string
	Lock        string
	Protection  bool
	Hostname    string
	Raw         map[string]string
}

// ConfigUpdate changes a container's config (PUT …/config). Nil fields stay
// as they are. Digest is required: every write is a compare-and-set on the
// digest read right before it, so a concurrent change fails with
// ErrDigestMismatch instead of being overwritten.
type ConfigUpdate struct {
	Cores    *int
	CPULimit *float64
	CPUUnits *int
	Memory   *int // MiB
	Swap     *int // MiB
	Digest   string
	Delete   []string // keys to remove, e.g. cpulimit
}

// OptFloat is a value that may be absent: PVE leaves undefined RRD data
// sources out of a row rather than sending 0.
type OptFloat struct {
	Value float64
	Valid bool
}

// Get returns the value and whether it was present.
func (o OptFloat) Get() (float64, bool) { return o.Value, o.Valid }

// RRDPoint is one row of GET …/rrddata: averages (or maxima) over one step.
// Net and disk I/O are rates in bytes per second; CPU is a fraction of MaxCPU;
// pressure fields are PSI avg10 percentages (PVE 9 only).
type RRDPoint struct {
	Time                             time.Time
	CPU, MaxCPU                      OptFloat
	Mem, MaxMem                      OptFloat
	Disk, MaxDisk                    OptFloat
	NetIn, NetOut                    OptFloat
	DiskRead, DiskWrite              OptFloat
	PressureCPUSome, PressureCPUFull OptFloat
	PressureIOSome, PressureIOFull   OptFloat
	PressureMemSome, PressureMemFull OptFloat
}

// Timeframe and ConsolidationFunction select RRD data.
type (
	Timeframe             string
	ConsolidationFunction string
)

const (
	TimeframeHour  Timeframe = "hour"
	TimeframeDay   Timeframe = "day"
	TimeframeWeek  Timeframe = "week"
	TimeframeMonth Timeframe = "month"
	TimeframeYear  Timeframe = "year"

	CFAverage ConsolidationFunction = "AVERAGE"
	CFMax     ConsolidationFunction = "MAX"
)

// Task is a PVE worker task (UPID) and, once polled, its state.
type Task struct {
	UPID       string
	Node       string
	Type       string // vzsnapshot, resize, vzclone, …
	ID         string // usually the vmid
	User       string
	Status     string // running, stopped ("" before the first poll)
	ExitStatus string // OK, WARNINGS: n, or the error
	Running    bool
	StartTime  time.Time
}

// Done reports whether the task has stopped.
func (t Task) Done() bool { return t.Status == "stopped" }

// Err returns nil while the task runs or when it ended well (OK or
// WARNINGS: n, as PVE counts it), and a *TaskError (ErrTaskFailed) otherwise.
func (t Task) Err() error {
	if !t.Done() {
		return nil
	}
	if t.ExitStatus == "OK" || strings.HasPrefix(t.ExitStatus, "WARNINGS") {
		return nil
	}
	return newTaskError(t)
}

// TaskLogLine is one line of a task log.
type TaskLogLine struct {
	N    int
	Text string
}

// Snapshot is one snapshot of a container (never PVE's "current" entry).
type Snapshot struct {
	Name        string
	Description string
	Parent      string
	Time        time.Time // zero when PVE has none (snapshot still being prepared)
}

// CloneOptions for Clone. NewID 0 takes the next free VMID of the cluster.
type CloneOptions struct {
	NewID    int
	Hostname string
	Full     bool
	Target   string
	Storage  string
	Pool     string
	SnapName string
}

// DeleteOptions for DeleteContainer.
type DeleteOptions struct {
	// Purge also removes the container from backup, replication and HA jobs.
	Purge bool
	// StopFirst stops a running container (stop task, wait) before destroying;
	// without it, destroying a running container fails with ErrConflict.
	StopFirst bool
}

var errBadUPID = errors.New("malformed upid")

// ParseUPID splits a UPID (UPID:node:pid:pstart:starttime:type:id:user:)
// into a Task. It never panics; a malformed UPID is an error.
func ParseUPID(upid string) (Task, error) {
	parts := strings.Split(upid, ":")
	// 9 fields with the canonical trailing colon; tolerate its absence.
	if len(parts) < 8 || len(parts) > 9 || parts[0] != "UPID" || (len(parts) == 9 && parts[8] != "") {
		return Task{}, errBadUPID
	}
	if parts[1] == "" || parts[5] == "" || parts[7] == "" {
		return Task{}, errBadUPID
	}
	t := Task{UPID: upid, Node: parts[1], Type: parts[5], ID: parts[6], User: parts[7]}
	if sec, err := strconv.ParseInt(parts[4], 16, 64); err == nil {
		t.StartTime = time.Unix(sec, 0)
	} else {
		return Task{}, errBadUPID
	}
	return t, nil
}
