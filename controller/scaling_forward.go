package controller

import (
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// Forwarders: the names moved to package scaling; run `go fix` to inline them at the call sites.

//go:fix inline
type Action = scaling.Action

//go:fix inline
type Allocated = scaling.Allocated

//go:fix inline
type Allocation = scaling.Allocation

//go:fix inline
type CPURules = scaling.CPURules

//go:fix inline
type Change = scaling.Change

//go:fix inline
type ContainerState = scaling.ContainerState

//go:fix inline
type Decision = scaling.Decision

//go:fix inline
type Direction = scaling.Direction

//go:fix inline
type DiskRules = scaling.DiskRules

//go:fix inline
type Guard = scaling.Guard

//go:fix inline
type GuardOptions = scaling.GuardOptions

//go:fix inline
type Hold = scaling.Hold

//go:fix inline
type Match = scaling.Match

//go:fix inline
type MemoryRules = scaling.MemoryRules

//go:fix inline
type Mode = scaling.Mode

//go:fix inline
type NodeCapacity = scaling.NodeCapacity

//go:fix inline
type Outcome = scaling.Outcome

//go:fix inline
type Pass = scaling.Pass

//go:fix inline
type Point = scaling.Point

//go:fix inline
type Policy = scaling.Policy

//go:fix inline
type Resource = scaling.Resource

//go:fix inline
type Rules = scaling.Rules

//go:fix inline
type Selection = scaling.Selection

//go:fix inline
type Series = scaling.Series

//go:fix inline
type Signals = scaling.Signals

//go:fix inline
type SkipReason = scaling.SkipReason

//go:fix inline
type SwapRules = scaling.SwapRules

//go:fix inline
type Threshold = scaling.Threshold

//go:fix inline
const (
	Down               = scaling.Down
	ExcludedIgnored    = scaling.ExcludedIgnored
	ExcludedNotOptedIn = scaling.ExcludedNotOptedIn
	ExcludedOptOut     = scaling.ExcludedOptOut
	ModeDryRun         = scaling.ModeDryRun
	ModeEnforce        = scaling.ModeEnforce
	ModeRecommend      = scaling.ModeRecommend
	ResourceCores      = scaling.ResourceCores
	ResourceDisk       = scaling.ResourceDisk
	ResourceMemory     = scaling.ResourceMemory
	ResourceSwap       = scaling.ResourceSwap
	ResultApplied      = scaling.ResultApplied
	ResultDryRun       = scaling.ResultDryRun
	ResultFailed       = scaling.ResultFailed
	ResultRecommended  = scaling.ResultRecommended
	ResultSkipped      = scaling.ResultSkipped
	ResultUnknown      = scaling.ResultUnknown
	SkipAnomalous      = scaling.SkipAnomalous
	SkipAtLimit        = scaling.SkipAtLimit
	SkipBackoff        = scaling.SkipBackoff
	SkipCPUFloor       = scaling.SkipCPUFloor
	SkipCapacity       = scaling.SkipCapacity
	SkipChanged        = scaling.SkipChanged
	SkipCooldown       = scaling.SkipCooldown
	SkipDigestMismatch = scaling.SkipDigestMismatch
	SkipDisabled       = scaling.SkipDisabled
	SkipLocked         = scaling.SkipLocked
	SkipMemoryFloor    = scaling.SkipMemoryFloor
	SkipMoved          = scaling.SkipMoved
	SkipNoData         = scaling.SkipNoData
	SkipNotRunning     = scaling.SkipNotRunning
	SkipStabilizing    = scaling.SkipStabilizing
	SkipUnmanaged      = scaling.SkipUnmanaged
	SkipWriteLimit     = scaling.SkipWriteLimit
	Up                 = scaling.Up
)

var Resources = scaling.Resources

//go:fix inline
func DefaultBackoff(failures int) time.Duration { return scaling.DefaultBackoff(failures) }

//go:fix inline
func SortByUrgency(ds []Decision, pressure func(d Decision) float64) {
	scaling.SortByUrgency(ds, pressure)
}

//go:fix inline
func Decide(sig Signals, policy string, r Rules, st ContainerState, now time.Time, anomalyRise time.Duration) Decision {
	return scaling.Decide(sig, policy, r, st, now, anomalyRise)
}

//go:fix inline
func NewGuard(o GuardOptions) *Guard { return scaling.NewGuard(o) }

//go:fix inline
func AtLeast(bound float64) Threshold { return scaling.AtLeast(bound) }

//go:fix inline
func AtMost(bound float64) Threshold { return scaling.AtMost(bound) }
