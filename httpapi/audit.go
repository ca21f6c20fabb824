package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lxc-autoscale/lxc-autoscale/controller/audit"
)

// GET /api/v1/audit: the newest entries of the audit record.

type v1AuditEntry struct {
	Time      time.Time `json:"time"`
	Source    string    `json:"source"`
	Client    string    `json:"client"`
	Operation string    `json:"operation"`
	VMID      int       `json:"vmid"`
	Node      string    `json:"node"`
	Resource  string    `json:"resource"`
	Direction string    `json:"direction"`
	From      int64     `json:"from"`
	To        int64     `json:"to"`
	Reason    string    `json:"reason"`
	Score     *float64  `json:"anomaly_score"`
	Mode      string    `json:"mode"`
	Result    string    `json:"result"`
	Skip      string    `json:"skip"`
	Error     string    `json:"error"`
	Policy    string    `json:"policy"`
	Task      string    `json:"task"`
}

// v1AuditList is GET /audit: the newest entries first. Configured is
// false when this process has no audit record (and Entries is empty).
type v1AuditList struct {
	Configured bool           `json:"configured"`
	Entries    []v1AuditEntry `json:"entries"`
}

func (s *Server) v1Audit(c echo.Context) error {
	limit := defaultAuditLimit
	if raw := c.QueryParam("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > maxAuditLimit {
			return invalid(map[string]string{"limit": fmt.Sprintf("must be 1..%d, got %q", maxAuditLimit, v1Clip(raw))})
		}
		limit = n
	}
	out := v1AuditList{Configured: s.opts.AuditPath != "", Entries: []v1AuditEntry{}}
	if s.opts.AuditPath == "" {
		return c.JSON(http.StatusOK, out)
	}
	records, err := audit.Read(s.opts.AuditPath, limit)
	if err != nil {
		return fmt.Errorf("read the audit record: %w", err)
	}
	for _, r := range records {
		score := v1Finite(r.Score)
		if score != nil && *score == 0 { // 0 is written for "none"
			score = nil
		}
		out.Entries = append(out.Entries, v1AuditEntry{
			Time: r.Time.UTC(), Source: r.Source, Client: r.Client, Operation: r.Operation, VMID: r.VMID, Node: r.Node,
			Resource: r.Resource, Direction: r.Direction, From: r.From, To: r.To, Reason: r.Reason, Score: score,
			Mode: r.Mode, Result: r.Result, Skip: r.Skip, Error: r.Error, Policy: r.Policy, Task: r.Task,
		})
	}
	return c.JSON(http.StatusOK, out)
}
