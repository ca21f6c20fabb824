package httpapi

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// GET /api/v1/decisions, and the decision of a container as the
// listings show it.

type v1Change struct {
	Resource  string `json:"resource"`
	Unit      string `json:"unit"`
	Direction string `json:"direction"`
	From      int64  `json:"from"`
	To        int64  `json:"to"`
	Reason    string `json:"reason"`
}

type v1Hold struct {
	Resource string `json:"resource"`
	Reason   string `json:"reason"`
	Detail   string `json:"detail,omitempty"`
}

// v1Decision is what the loop decided for a container at its latest pass.
type v1Decision struct {
	Source  string     `json:"source"` // "controller" or "api:<token name>"
	Policy  string     `json:"policy"` // "" for the default rules
	Mode    string     `json:"mode"`
	Score   *float64   `json:"anomaly_score"`
	Changes []v1Change `json:"changes"`
	Holds   []v1Hold   `json:"holds"`
}

// v1Recommendation is the target of each resource the latest decision
// changes (or, in recommend and dry-run modes, would change).
type v1Recommendation struct {
	Cores     *int64 `json:"cores,omitempty"`
	MemoryMB  *int64 `json:"memory_mb,omitempty"`
	SwapMB    *int64 `json:"swap_mb,omitempty"`
	DiskBytes *int64 `json:"disk_bytes,omitempty"`
}

// v1ResourceUnit is the unit of a resource's Change values.
func v1ResourceUnit(r scaling.Resource) string {
	switch r {
	case scaling.ResourceCores:
		return "cores"
	case scaling.ResourceMemory, scaling.ResourceSwap:
		return "MiB"
	}
	return "bytes"
}

func newV1Decision(d *scaling.Decision) (*v1Decision, *v1Recommendation) {
	if d == nil {
		return nil, nil
	}
	out := &v1Decision{
		Source: d.Source, Policy: d.Policy, Mode: string(d.Mode), Score: v1Finite(d.Score),
		Changes: make([]v1Change, 0, len(d.Changes)), Holds: make([]v1Hold, 0, len(d.Holds)),
	}
	if out.Source == "" {
		out.Source = "controller"
	}
	var rec *v1Recommendation
	for _, ch := range d.Changes {
		out.Changes = append(out.Changes, v1Change{
			Resource: string(ch.Resource), Unit: v1ResourceUnit(ch.Resource), Direction: string(ch.Direction),
			From: ch.From, To: ch.To, Reason: ch.Reason(),
		})
		if rec == nil {
			rec = &v1Recommendation{}
		}
		to := ch.To
		switch ch.Resource {
		case scaling.ResourceCores:
			rec.Cores = &to
		case scaling.ResourceMemory:
			rec.MemoryMB = &to
		case scaling.ResourceSwap:
			rec.SwapMB = &to
		case scaling.ResourceDisk:
			rec.DiskBytes = &to
		}
	}
	for _, h := range d.Holds {
		out.Holds = append(out.Holds, v1Hold{Resource: string(h.Resource), Reason: string(h.Reason), Detail: h.Detail()})
	}
	return out, rec
}

type v1DecisionEntry struct {
	VMID int    `json:"vmid"`
	Node string `json:"node"`
	Name string `json:"name"`
	v1Decision
}

// v1DecisionList is GET /decisions: the decisions of the loop's latest
// pass. LoopRunning is false in a process without the loop, which never
// has decisions.
type v1DecisionList struct {
	LoopRunning bool              `json:"loop_running"`
	Time        *time.Time        `json:"time"`
	Decisions   []v1DecisionEntry `json:"decisions"`
}

func (s *Server) v1Decisions(c echo.Context) error {
	out := v1DecisionList{Decisions: []v1DecisionEntry{}}
	if s.opts.Snapshots != nil {
		snap := s.opts.Snapshots.Snapshot()
		out.LoopRunning = true
		if !snap.Time.IsZero() {
			t := snap.Time.UTC()
			out.Time = &t
		}
		for _, v := range snap.Containers {
			d, _ := newV1Decision(v.Decision)
			if d == nil {
				continue
			}
			out.Decisions = append(out.Decisions, v1DecisionEntry{VMID: v.VMID, Node: v.Node, Name: v.Name, v1Decision: *d})
		}
	}
	return c.JSON(http.StatusOK, out)
}
