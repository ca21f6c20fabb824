package controller

import (
	"context"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// ConfigWriter is what the Actuator needs of Proxmox VE: the fresh config
// read before a write and the writes themselves. Errors are classified
// with the proxmox sentinels (proxmox.ErrLocked, proxmox.ErrDigestMismatch,
// proxmox.ErrNotFound, ...).
type ConfigWriter interface {
	Config(ctx context.Context, ref proxmox.Ref) (proxmox.Config, error)
	UpdateConfig(ctx context.Context, ref proxmox.Ref, u proxmox.ConfigUpdate) error
	ResizeDisk(ctx context.Context, ref proxmox.Ref, disk string, growBytes uint64, digest string) (proxmox.Task, error)
	WaitTask(ctx context.Context, t proxmox.Task, timeout time.Duration) (proxmox.Task, error)
}

// Cluster is what the loop needs of Proxmox VE: the listings it collects,
// pools and RRD history, and a ConfigWriter for its Actuator (whose config
// read it also uses to learn config facts). *proxmox.Client satisfies it
// (cmd checks).
type Cluster interface {
	Nodes(ctx context.Context) ([]proxmox.Node, error)
	Containers(ctx context.Context, node string) ([]proxmox.Container, error)
	ClusterContainers(ctx context.Context) ([]proxmox.Container, error)
	RRD(ctx context.Context, ref proxmox.Ref, tf proxmox.Timeframe, cf proxmox.ConsolidationFunction) ([]proxmox.RRDPoint, error)
	ConfigWriter
}
