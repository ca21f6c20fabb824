package controller

import "github.com/lxc-autoscale/lxc-autoscale/controller/manual"

// Forwarders: the manual operations moved to package manual; run `go fix`
// to inline them at the call sites (httpapi, cmd).

//go:fix inline
type (
	Operations          = manual.Operations
	OperationsOptions   = manual.Options
	OperationsCluster   = manual.Cluster
	Caller              = manual.Caller
	ResourceRequest     = manual.ResourceRequest
	CloneRequest        = manual.CloneRequest
	SnapshotInfo        = manual.SnapshotInfo
	ContainerDetail     = manual.ContainerDetail
	ContainerSummary    = manual.ContainerSummary
	NodeSummary         = manual.NodeSummary
	TaskInfo            = manual.TaskInfo
	FieldError          = manual.FieldError
	InvalidRequestError = manual.InvalidRequestError
)

//go:fix inline
const (
	MinVMID           = manual.MinVMID
	MaxVMID           = manual.MaxVMID
	MaxCores          = manual.MaxCores
	MinMemoryMiB      = manual.MinMemoryMiB
	MaxMemoryMiB      = manual.MaxMemoryMiB
	MaxSwapMiB        = manual.MaxSwapMiB
	MinGrowBytes      = manual.MinGrowBytes
	MaxGrowBytes      = manual.MaxGrowBytes
	OpResize          = manual.OpResize
	OpSnapshot        = manual.OpSnapshot
	OpRollback        = manual.OpRollback
	OpSnapshotDelete  = manual.OpSnapshotDelete
	OpClone           = manual.OpClone
	OpDelete          = manual.OpDelete
	OpStart           = manual.OpStart
	OpPause           = manual.OpPause
	OpResume          = manual.OpResume
	ResultStarted     = manual.ResultStarted
	ResultTaskUnknown = manual.ResultTaskUnknown
)

// ErrNotImplemented is manual.ErrNotImplemented (the same value, for
// errors.Is).
var ErrNotImplemented = manual.ErrNotImplemented

// NewOperations builds the manual operations.
//
//go:fix inline
func NewOperations(o OperationsOptions) *Operations { return manual.New(o) }
