package compat

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lxc-autoscale/lxc-autoscale/controller/manual"
)

// The original's reads: containers, nodes, the cluster and its routes.

// container is the data of the status and config routes: the
// original's config fields (lxc_id, vm_id, cores, memory_mb; cores null
// when unset, as PVE allows) and the live status.
type container struct {
	LXCID         int      `json:"lxc_id"`
	VMID          int      `json:"vm_id"`
	Node          string   `json:"node"`
	Name          string   `json:"name"`
	Status        string   `json:"status"`
	Lock          string   `json:"lock"`
	Cores         *int     `json:"cores"`
	CPULimit      float64  `json:"cpulimit"`
	MemoryMB      int      `json:"memory_mb"`
	SwapMB        int      `json:"swap_mb"`
	RootFSBytes   uint64   `json:"rootfs_bytes"`
	CPU           float64  `json:"cpu"` // fraction of the allocated CPUs in use
	MemUsedBytes  uint64   `json:"mem_used_bytes"`
	DiskUsedBytes uint64   `json:"disk_used_bytes"`
	UptimeSeconds int64    `json:"uptime_seconds"`
	Tags          []string `json:"tags"`
	Protection    bool     `json:"protection"`
	Digest        string   `json:"digest"`
}

func newContainer(d manual.ContainerDetail) container {
	out := container{
		LXCID: d.Ref.VMID, VMID: d.Ref.VMID, Node: d.Ref.Node, Name: d.Status.Name, Status: d.Status.Status,
		Lock: d.Config.Lock, CPULimit: d.Config.CPULimit, MemoryMB: d.Config.MemoryMiB, SwapMB: d.Config.SwapMiB,
		RootFSBytes: d.Config.RootFS.SizeBytes, CPU: d.Status.CPU, MemUsedBytes: d.Status.Mem,
		DiskUsedBytes: d.Status.Disk, UptimeSeconds: int64(d.Status.Uptime / time.Second),
		Tags: d.Config.Tags, Protection: d.Config.Protection, Digest: d.Config.Digest,
	}
	if out.Name == "" {
		out.Name = d.Config.Hostname
	}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	if d.Config.Cores > 0 {
		cores := d.Config.Cores
		out.Cores = &cores
	}
	if out.MemoryMB == 0 && d.Status.MaxMem > 0 {
		out.MemoryMB = int(d.Status.MaxMem >> 20)
	}
	if out.RootFSBytes == 0 {
		out.RootFSBytes = d.Status.MaxDisk
	}
	return out
}

func (s *API) containerStatus(ctx context.Context, c echo.Context, a input) error {
	d, err := s.ops.Container(ctx, a.VMID)
	if err != nil {
		return err
	}
	return success(c, fmt.Sprintf("Status of container %d: %s", a.VMID, d.Status.Status), newContainer(d))
}

func (s *API) containerConfig(ctx context.Context, c echo.Context, a input) error {
	d, err := s.ops.Container(ctx, a.VMID)
	if err != nil {
		return err
	}
	return success(c, fmt.Sprintf("Configuration of container %d", a.VMID), newContainer(d))
}

// node is one node in the node and cluster routes.
type node struct {
	Name          string  `json:"name"`
	Status        string  `json:"status"`
	Online        bool    `json:"online"`
	CPUs          int     `json:"cpus"`
	CPU           float64 `json:"cpu"` // fraction of all threads in use
	MemoryBytes   uint64  `json:"memory_bytes"`
	MemUsedBytes  uint64  `json:"mem_used_bytes"`
	DiskBytes     uint64  `json:"disk_bytes"`
	DiskUsedBytes uint64  `json:"disk_used_bytes"`
	UptimeSeconds int64   `json:"uptime_seconds"`
}

func newNode(n manual.NodeSummary) node {
	return node{
		Name: n.Name, Status: n.Status, Online: n.Online, CPUs: n.CPUs, CPU: n.CPU,
		MemoryBytes: n.MemoryBytes, MemUsedBytes: n.MemUsedBytes, DiskBytes: n.DiskBytes,
		DiskUsedBytes: n.DiskUsedBytes, UptimeSeconds: int64(n.Uptime / time.Second),
	}
}

func (s *API) nodeStatus(ctx context.Context, c echo.Context, a input) error {
	nodes, err := s.ops.Nodes(ctx)
	if err != nil {
		return err
	}
	for _, n := range nodes {
		if strings.EqualFold(n.Name, a.NodeName) {
			return success(c, fmt.Sprintf("Status of node %s: %s", n.Name, n.Status), newNode(n))
		}
	}
	return statusErr(http.StatusNotFound, fmt.Sprintf("node %q is not a node of the cluster", a.NodeName))
}

// cluster is the data of /resource/cluster/status: what pvecm
// status told about the members, from the Proxmox API.
type cluster struct {
	Nodes       int    `json:"nodes"`
	NodesOnline int    `json:"nodes_online"`
	Members     []node `json:"members"`
}

func (s *API) clusterStatus(ctx context.Context, c echo.Context, _ input) error {
	nodes, err := s.ops.Nodes(ctx)
	if err != nil {
		return err
	}
	out := cluster{Nodes: len(nodes), Members: make([]node, len(nodes))}
	for i, n := range nodes {
		out.Members[i] = newNode(n)
		if n.Online {
			out.NodesOnline++
		}
	}
	slices.SortFunc(out.Members, func(a, b node) int { return strings.Compare(a.Name, b.Name) })
	return success(c, fmt.Sprintf("Cluster of %d nodes, %d online", out.Nodes, out.NodesOnline), out)
}

// routeInfo is one entry of GET /routes, as Flask's url_map listed it.
type routeInfo struct {
	Endpoint string `json:"endpoint"`
	Methods  string `json:"methods"`
	URL      string `json:"url"`
}

// listRoutes lists every route the server serves (not only the
// original's), sorted by URL, as a bare JSON array like the original.
func (s *API) listRoutes(_ context.Context, c echo.Context, _ input) error {
	names := map[string]string{}
	for k, v := range endpointNames {
		names[k] = v
	}
	for _, r := range s.table() {
		names[r.path] = r.endpoint
	}
	methods := map[string][]string{}
	for _, r := range s.served() {
		if !slices.Contains(methods[r.Path], r.Method) {
			methods[r.Path] = append(methods[r.Path], r.Method)
		}
	}
	out := make([]routeInfo, 0, len(methods))
	for path, ms := range methods {
		slices.Sort(ms)
		name := names[path]
		if name == "" {
			name = endpointName(path)
		}
		out = append(out, routeInfo{Endpoint: name, Methods: strings.Join(ms, ","), URL: path})
	}
	slices.SortFunc(out, func(a, b routeInfo) int { return strings.Compare(a.URL, b.URL) })
	return c.JSON(http.StatusOK, out)
}

// endpointName names a route from its path: /api/v1/containers/:vmid ->
// api_v1_containers_vmid.
func endpointName(path string) string {
	var b strings.Builder
	for _, r := range path {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "_"):
			b.WriteByte('_')
		}
	}
	name := strings.TrimSuffix(b.String(), "_")
	if name == "" {
		return "index"
	}
	return name
}
