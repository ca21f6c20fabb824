package controller

import (
	"context"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// Cluster is what the controller needs of Proxmox VE. *proxmox.Client
// satisfies it; its errors are classified with the proxmox sentinels
// (proxmox.ErrLocked, proxmox.ErrDigestMismatch, proxmox.ErrNotFound, ...).
type Cluster interface {
	Nodes(ctx context.Context) ([]proxmox.Node, error)
	Containers(ctx context.Context, node string) ([]proxmox.Container, error)
	ClusterContainers(ctx context.Context) ([]proxmox.Container, error)
	RRD(ctx context.Context, ref proxmox.Ref, tf proxmox.Timeframe, cf proxmox.ConsolidationFunction) ([]proxmox.RRDPoint, error)
	Config(ctx context.Context, ref proxmox.Ref) (proxmox.Config, error)
	UpdateConfig(ctx context.Context, ref proxmox.Ref, u proxmox.ConfigUpdate) error
	ResizeDisk(ctx context.Context, ref proxmox.Ref, disk string, growBytes uint64, digest string) (proxmox.Task, error)
	WaitTask(ctx context.Context, t proxmox.Task, timeout time.Duration) (proxmox.Task, error)
}
