package httpapi

import (
	"net/http"
	"sort"
	"time"

	"github.com/labstack/echo/v4"
)

// GET /api/v1/nodes.

type v1Node struct {
	Name            string  `json:"name"`
	Status          string  `json:"status"`
	Online          bool    `json:"online"`
	CPUs            int     `json:"cpus"`
	CPU             float64 `json:"cpu"`
	MemoryBytes     uint64  `json:"memory_bytes"`
	MemoryUsedBytes uint64  `json:"memory_used_bytes"`
	DiskBytes       uint64  `json:"disk_bytes"`
	DiskUsedBytes   uint64  `json:"disk_used_bytes"`
	UptimeSeconds   int64   `json:"uptime_seconds"`
}

type v1NodeList struct {
	Nodes []v1Node `json:"nodes"`
}

func (s *Server) v1ListNodes(c echo.Context) error {
	ctx, cancel := s.v1Ctx(c)
	defer cancel()
	nodes, err := s.opts.Operations.Nodes(ctx)
	if err != nil {
		return v1Failure(err, "")
	}
	out := v1NodeList{Nodes: make([]v1Node, len(nodes))}
	for i, n := range nodes {
		out.Nodes[i] = v1Node{
			Name: n.Name, Status: n.Status, Online: n.Online, CPUs: n.CPUs, CPU: n.CPU,
			MemoryBytes: n.MemoryBytes, MemoryUsedBytes: n.MemUsedBytes,
			DiskBytes: n.DiskBytes, DiskUsedBytes: n.DiskUsedBytes, UptimeSeconds: int64(n.Uptime / time.Second),
		}
	}
	sort.Slice(out.Nodes, func(i, j int) bool { return out.Nodes[i].Name < out.Nodes[j].Name })
	return c.JSON(http.StatusOK, out)
}
