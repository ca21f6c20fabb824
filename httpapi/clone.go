package httpapi

import (
	"context"
	"fmt"

	"github.com/labstack/echo/v4"

	"github.com/lxc-autoscale/lxc-autoscale/controller/manual"
)

// POST /api/v1/containers/{vmid}/clone.

type v1CloneRequest struct {
	NewVMID  *int    `json:"new_vmid"`
	Hostname *string `json:"hostname"`
	Full     *bool   `json:"full"`
	Target   *string `json:"target"`
	Snapshot *string `json:"snapshot"`
}

func (s *Server) v1Clone(c echo.Context) error {
	vmid, req, bad, err := v1VMIDAndBody[v1CloneRequest](c)
	if err != nil {
		return err
	}
	var r manual.CloneRequest
	if req.NewVMID != nil {
		r.NewID = *req.NewVMID
		switch {
		case r.NewID < manual.MinVMID || r.NewID > manual.MaxVMID:
			bad["new_vmid"] = fmt.Sprintf("must be %d..%d, got %d", manual.MinVMID, manual.MaxVMID, r.NewID)
		case r.NewID == vmid:
			bad["new_vmid"] = fmt.Sprintf("must differ from the container being cloned, got %d", r.NewID)
		}
	}
	r.Hostname = v1Name(bad, "hostname", req.Hostname, manual.ValidHostname, manual.HostnameRule)
	if req.Full != nil {
		r.Full = *req.Full
	}
	r.Target = v1Name(bad, "target", req.Target, manual.ValidNodeName, manual.NodeNameRule)
	if req.Snapshot != nil {
		r.Snapshot = *req.Snapshot
		v1CheckSnapshotName(bad, "snapshot", r.Snapshot)
	}
	return s.v1StartTask(c, bad, "snapshot", func(ctx context.Context, who manual.Caller) (manual.TaskInfo, error) {
		return s.opts.Operations.Clone(ctx, who, vmid, r)
	})
}
