package proxmox

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
)

// Paths put node names, snapshot names and UPIDs through url.PathEscape so
// a hostile name cannot change the route; PVE accepts UPIDs raw or escaped.

func ctPath(ref Ref, suffix string) string {
	return "/nodes/" + url.PathEscape(ref.Node) + "/lxc/" + strconv.Itoa(ref.VMID) + suffix
}

func checkRef(ref Ref) error {
	if ref.Node == "" || ref.VMID < 100 || ref.VMID > 999999999 {
		return invalid("container reference %q: want a node and a vmid of 100 or more", ref.String())
	}
	return nil
}

// Version returns PVE's version (GET /version).
func (c *Client) Version(ctx context.Context) (Version, error) {
	return decodeWith(c, ctx, get("/version", "/version"), decodeVersion)
}

// Nodes lists the cluster's nodes with capacity and online state (GET /nodes).
func (c *Client) Nodes(ctx context.Context) ([]Node, error) {
	return decodeWith(c, ctx, get("/nodes", "/nodes"), decodeNodes)
}

// NodeStatus returns a node's detailed status (GET /nodes/{node}/status).
func (c *Client) NodeStatus(ctx context.Context, node string) (NodeStatus, error) {
	r := get("/nodes/{node}/status", "/nodes/"+url.PathEscape(node)+"/status")
	return decodeWith(c, ctx, r, func(b []byte) (NodeStatus, error) { return decodeNodeStatus(b, node) })
}

// Containers lists a node's containers with live usage, including PSI when
// PVE sends it (GET /nodes/{node}/lxc). This is the per-tick listing call.
func (c *Client) Containers(ctx context.Context, node string) ([]Container, error) {
	r := get("/nodes/{node}/lxc", "/nodes/"+url.PathEscape(node)+"/lxc")
	return decodeWith(c, ctx, r, func(b []byte) ([]Container, error) { return decodeContainers(b, node) })
}

// ClusterContainers lists every container of the cluster from
// GET /cluster/resources?type=vm (no swap and no PSI there; CPUs may be
// fractional when only cpulimit is set).
func (c *Client) ClusterContainers(ctx context.Context) ([]Container, error) {
	return decodeWith(c, ctx, get("/cluster/resources", "/cluster/resources?type=vm"), decodeClusterContainers)
}

// ContainerStatus returns one container's live status
// (GET …/status/current). A container that is not on ref.Node is ErrNotFound.
func (c *Client) ContainerStatus(ctx context.Context, ref Ref) (Container, error) {
	if err := checkRef(ref); err != nil {
		return Container{}, err
	}
	r := get("/nodes/{node}/lxc/{vmid}/status/current", ctPath(ref, "/status/current"))
	return decodeWith(c, ctx, r, func(b []byte) (Container, error) { return decodeContainerStatus(b, ref) })
}

// Config returns a container's config with its digest (GET …/config).
func (c *Client) Config(ctx context.Context, ref Ref) (Config, error) {
	if err := checkRef(ref); err != nil {
		return Config{}, err
	}
	return decodeWith(c, ctx, get("/nodes/{node}/lxc/{vmid}/config", ctPath(ref, "/config")), decodeConfig)
}

// RRD returns a container's history (GET …/rrddata). Fields PVE left out of a
// row (a stopped container, a missing sample) are invalid, not zero. cf ""
// means AVERAGE.
func (c *Client) RRD(ctx context.Context, ref Ref, tf Timeframe, cf ConsolidationFunction) ([]RRDPoint, error) {
	if err := checkRef(ref); err != nil {
		return nil, err
	}
	switch tf {
	case TimeframeHour, TimeframeDay, TimeframeWeek, TimeframeMonth, TimeframeYear:
	default:
		return nil, invalid("rrd timeframe %q: want hour, day, week, month or year", tf)
	}
	q := url.Values{"timeframe": {string(tf)}}
	switch cf {
	case "":
	case CFAverage, CFMax:
		q.Set("cf", string(cf))
	default:
		return nil, invalid("rrd cf %q: want AVERAGE or MAX", cf)
	}
	return decodeWith(c, ctx, get("/nodes/{node}/lxc/{vmid}/rrddata", ctPath(ref, "/rrddata?"+q.Encode())), decodeRRD)
}

// Task polls a task's status (GET /nodes/{node}/tasks/{upid}/status).
func (c *Client) Task(ctx context.Context, upid string) (Task, error) {
	t, err := ParseUPID(upid)
	if err != nil {
		return Task{}, fmt.Errorf("proxmox task %q: %w", upid, err)
	}
	r := get("/nodes/{node}/tasks/{upid}/status", "/nodes/"+url.PathEscape(t.Node)+"/tasks/"+url.PathEscape(upid)+"/status")
	return decodeWith(c, ctx, r, func(b []byte) (Task, error) { return decodeTaskStatus(b, t) })
}

// TaskLog returns a task's log lines (first 500).
func (c *Client) TaskLog(ctx context.Context, upid string) ([]TaskLogLine, error) {
	t, err := ParseUPID(upid)
	if err != nil {
		return nil, fmt.Errorf("proxmox task log %q: %w", upid, err)
	}
	r := get("/nodes/{node}/tasks/{upid}/log", "/nodes/"+url.PathEscape(t.Node)+"/tasks/"+url.PathEscape(upid)+"/log?start=0&limit=500")
	return decodeWith(c, ctx, r, decodeTaskLog)
}

// NextID returns the next free VMID of the cluster (GET /cluster/nextid).
// It is not a reservation: two callers can get the same ID.
func (c *Client) NextID(ctx context.Context) (int, error) {
	return decodeWith(c, ctx, get("/cluster/nextid", "/cluster/nextid"), func(b []byte) (int, error) {
		s, err := decodeString(b)
		if err != nil {
			return 0, err
		}
		id, err := strconv.Atoi(s)
		if err != nil || id < 100 {
			return 0, fmt.Errorf("nextid %q is not a vmid", s)
		}
		return id, nil
	})
}
