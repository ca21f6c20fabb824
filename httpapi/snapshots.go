package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lxc-autoscale/lxc-autoscale/controller/manual"
)

// A container's snapshots: list, create, roll back, delete.

type v1Snapshot struct {
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Parent      string     `json:"parent"`
	Time        *time.Time `json:"time"` // null while PVE is still preparing it
}

func newV1Snapshots(snaps []manual.SnapshotInfo) []v1Snapshot {
	out := make([]v1Snapshot, len(snaps))
	for i, sn := range snaps {
		out[i] = v1Snapshot{Name: sn.Name, Description: sn.Description, Parent: sn.Parent}
		if !sn.Time.IsZero() {
			t := sn.Time.UTC()
			out[i].Time = &t
		}
	}
	return out
}

type v1SnapshotList struct {
	VMID      int          `json:"vmid"`
	Snapshots []v1Snapshot `json:"snapshots"`
}

func (s *Server) v1ListSnapshots(c echo.Context) error {
	vmid, snaps, err := v1ReadContainer(s, c, s.opts.Operations.Snapshots)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v1SnapshotList{VMID: vmid, Snapshots: newV1Snapshots(snaps)})
}

type v1SnapshotRequest struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
}

func (s *Server) v1CreateSnapshot(c echo.Context) error {
	vmid, req, bad, err := v1VMIDAndBody[v1SnapshotRequest](c)
	if err != nil {
		return err
	}
	if _, typed := bad["name"]; !typed {
		if req.Name == nil {
			bad["name"] = "required: " + manual.SnapshotNameRule
		} else {
			v1CheckSnapshotName(bad, "name", *req.Name)
		}
	}
	description := ""
	if req.Description != nil {
		description = *req.Description
		if len(description) > maxDescriptionLen {
			bad["description"] = fmt.Sprintf("must be at most %d bytes, got %d", maxDescriptionLen, len(description))
		}
	}
	return s.v1StartTask(c, bad, "name", func(ctx context.Context, who manual.Caller) (manual.TaskInfo, error) {
		return s.opts.Operations.CreateSnapshot(ctx, who, vmid, *req.Name, description)
	})
}

type v1RollbackRequest struct {
	Start *bool `json:"start"`
}

func (s *Server) v1RollbackSnapshot(c echo.Context) error {
	bad := map[string]string{}
	vmid := v1VMIDInto(c, bad)
	name := c.Param("name")
	v1CheckSnapshotName(bad, "name", name)
	var req v1RollbackRequest
	if err := v1DecodeBody(c, &req, bad); err != nil {
		return err
	}
	return s.v1StartTask(c, bad, "name", func(ctx context.Context, who manual.Caller) (manual.TaskInfo, error) {
		return s.opts.Operations.RollbackSnapshot(ctx, who, vmid, name, req.Start != nil && *req.Start)
	})
}

func (s *Server) v1DeleteSnapshot(c echo.Context) error {
	bad := map[string]string{}
	vmid := v1VMIDInto(c, bad)
	name := c.Param("name")
	v1CheckSnapshotName(bad, "name", name)
	if err := v1DecodeBody(c, &v1Empty{}, bad); err != nil {
		return err
	}
	return s.v1StartTask(c, bad, "name", func(ctx context.Context, who manual.Caller) (manual.TaskInfo, error) {
		return s.opts.Operations.DeleteSnapshot(ctx, who, vmid, name)
	})
}
