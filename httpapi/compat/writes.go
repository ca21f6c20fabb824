package compat

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lxc-autoscale/lxc-autoscale/controller/manual"
)

// The original's writes: they wait for the task they start, as the
// original answered when pct was done.

// waitTask waits for a task the route started, within ctx's deadline; a
// task still running then is a 504 naming it, a failed task a 502 with
// its exit status.
func (s *API) waitTask(ctx context.Context, what string, info manual.TaskInfo) (manual.TaskInfo, error) {
	wait := time.Second
	if deadline, ok := ctx.Deadline(); ok {
		wait = time.Until(deadline)
	}
	done, err := s.ops.Task(ctx, info.ID, max(wait, time.Millisecond))
	if err != nil {
		if ctx.Err() != nil {
			return info, statusErr(http.StatusGatewayTimeout, fmt.Sprintf("%s: still running when the request timed out (task %s)", what, info.ID))
		}
		return info, fmt.Errorf("%s: %w", what, err)
	}
	switch {
	case !done.Done:
		return done, statusErr(http.StatusGatewayTimeout, fmt.Sprintf("%s: still running when the request timed out (task %s)", what, info.ID))
	case done.Failed():
		return done, statusErr(http.StatusBadGateway, fmt.Sprintf("%s: task %s failed: %s", what, done.ID, done.ExitStatus))
	}
	return done, nil
}

func (s *API) scaleCores(ctx context.Context, c echo.Context, a input) error {
	return s.setResources(ctx, c, a.VMID, manual.ResourceRequest{Cores: &a.Cores},
		fmt.Sprintf("CPU cores set to %d for container %d", a.Cores, a.VMID), "cores", a.Cores)
}

func (s *API) scaleRAM(ctx context.Context, c echo.Context, a input) error {
	return s.setResources(ctx, c, a.VMID, manual.ResourceRequest{MemoryMiB: &a.MemoryMB},
		fmt.Sprintf("RAM set to %d MB for container %d", a.MemoryMB, a.VMID), "memory_mb", a.MemoryMB)
}

// setResources applies req to container vmid and answers message
// with the value set (under field) and the config's new digest.
func (s *API) setResources(ctx context.Context, c echo.Context, vmid int, req manual.ResourceRequest, message, field string, value int) error {
	digest, err := s.ops.SetResources(ctx, s.caller(c), vmid, req)
	if err != nil {
		return err
	}
	return success(c, message, map[string]any{"vm_id": vmid, "lxc_id": vmid, field: value, "digest": digest})
}

// task is the answer of a route that waits for the task it starts.
type task struct {
	what    string         // the operation, for the errors of its task
	message string         // the original's success message
	data    map[string]any // the success data; the task's ID is added as "task"
}

// runTask starts a task, waits for it within ctx and answers t.
func (s *API) runTask(ctx context.Context, c echo.Context, t task, start func() (manual.TaskInfo, error)) error {
	info, err := start()
	if err != nil {
		return err
	}
	if _, err := s.waitTask(ctx, t.what, info); err != nil {
		return err
	}
	t.data["task"] = info.ID
	return success(c, t.message, t.data)
}

// increaseStorage grows the root filesystem by disk_size GB (an
// increment, as in the original) and waits for the resize.
func (s *API) increaseStorage(ctx context.Context, c echo.Context, a input) error {
	return s.runTask(ctx, c, task{
		what:    fmt.Sprintf("grow rootfs of container %d", a.VMID),
		message: fmt.Sprintf("Storage increased by %d GB for container %d", a.DiskSizeGB, a.VMID),
		data:    map[string]any{"vm_id": a.VMID, "lxc_id": a.VMID, "disk": "rootfs", "increase_gb": a.DiskSizeGB},
	}, func() (manual.TaskInfo, error) {
		return s.ops.GrowDisk(ctx, s.caller(c), a.VMID, "rootfs", uint64(a.DiskSizeGB)<<30)
	})
}

func (s *API) createSnapshot(ctx context.Context, c echo.Context, a input) error {
	return s.runTask(ctx, c, task{
		what:    fmt.Sprintf("snapshot %q of container %d", a.SnapshotName, a.VMID),
		message: fmt.Sprintf("Snapshot '%s' created for container %d", a.SnapshotName, a.VMID),
		data:    map[string]any{"vm_id": a.VMID, "lxc_id": a.VMID, "snapshot_name": a.SnapshotName},
	}, func() (manual.TaskInfo, error) {
		return s.ops.CreateSnapshot(ctx, s.caller(c), a.VMID, a.SnapshotName, "")
	})
}

// snapshot is one snapshot in /snapshot/list.
type snapshot struct {
	Name        string  `json:"name"`
	Description string  `json:"description"`
	Parent      string  `json:"parent,omitempty"`
	Time        *string `json:"time"` // RFC 3339; null while PVE prepares it
}

func (s *API) listSnapshots(ctx context.Context, c echo.Context, a input) error {
	snaps, err := s.ops.Snapshots(ctx, a.VMID)
	if err != nil {
		return err
	}
	list := make([]snapshot, len(snaps))
	for i, sn := range snaps {
		list[i] = snapshot{Name: sn.Name, Description: sn.Description, Parent: sn.Parent}
		if !sn.Time.IsZero() {
			t := sn.Time.UTC().Format(time.RFC3339)
			list[i].Time = &t
		}
	}
	return success(c, fmt.Sprintf("Snapshots listed for container %d", a.VMID),
		map[string]any{"vm_id": a.VMID, "lxc_id": a.VMID, "snapshots": list})
}

func (s *API) rollbackSnapshot(ctx context.Context, c echo.Context, a input) error {
	// pct rollback leaves the container stopped; so does this.
	return s.runTask(ctx, c, task{
		what:    fmt.Sprintf("rollback of container %d to %q", a.VMID, a.SnapshotName),
		message: fmt.Sprintf("Container %d rolled back to snapshot '%s'", a.VMID, a.SnapshotName),
		data:    map[string]any{"vm_id": a.VMID, "lxc_id": a.VMID, "snapshot_name": a.SnapshotName},
	}, func() (manual.TaskInfo, error) {
		return s.ops.RollbackSnapshot(ctx, s.caller(c), a.VMID, a.SnapshotName, false)
	})
}

// clone does what the original did: snapshot the source, clone from
// the snapshot, always delete the snapshot afterwards, and start the clone.
// A clone that exists but could not be started (or whose snapshot could not
// be removed) is a success with a note, as the original answered for the
// cleanup.
func (s *API) clone(ctx context.Context, c echo.Context, a input) error {
	if a.NewVMID == a.VMID {
		return &validationError{status: http.StatusBadRequest,
			problems: []string{fmt.Sprintf("New container ID must differ from the container's, got %d", a.NewVMID)}}
	}
	who := s.caller(c)
	snapName := fmt.Sprintf("snapshot-%d", a.NewVMID)
	snap, err := s.ops.CreateSnapshot(ctx, who, a.VMID, snapName, fmt.Sprintf("for clone %d", a.NewVMID))
	if err != nil {
		return err
	}
	if _, err := s.waitTask(ctx, fmt.Sprintf("snapshot %q of container %d", snapName, a.VMID), snap); err != nil {
		// The snapshot may still complete; its removal is tried anyway.
		s.removeCloneSnapshot(ctx, who, a.VMID, snapName)
		return err
	}
	// Full stays false: unset, as pct clone leaves it, PVE makes a full
	// copy of a container and a linked one of a template.
	clone, cloneErr := s.ops.Clone(ctx, who, a.VMID, manual.CloneRequest{
		NewID: a.NewVMID, Hostname: a.Hostname, Snapshot: snapName,
	})
	if cloneErr == nil {
		_, cloneErr = s.waitTask(ctx, fmt.Sprintf("clone of container %d to %d", a.VMID, a.NewVMID), clone)
	}
	cleanupErr := s.removeCloneSnapshot(ctx, who, a.VMID, snapName)
	if cloneErr != nil {
		return cloneErr
	}
	start, startErr := s.ops.Start(ctx, who, a.NewVMID)
	if startErr == nil {
		_, startErr = s.waitTask(ctx, fmt.Sprintf("start of container %d", a.NewVMID), start)
	}
	data := map[string]any{
		"vm_id": a.VMID, "lxc_id": a.VMID, "new_vm_id": a.NewVMID, "new_lxc_id": a.NewVMID,
		"hostname": a.Hostname, "started": startErr == nil, "snapshot": snapName, "snapshot_removed": cleanupErr == nil,
		"task": clone.ID,
	}
	var notes []string
	if startErr != nil {
		notes = append(notes, fmt.Sprintf("the clone exists, but it could not be started: %v", startErr))
	}
	if cleanupErr != nil {
		notes = append(notes, fmt.Sprintf("the clone exists, but its snapshot %s of container %d could not be removed: %v", snapName, a.VMID, cleanupErr))
	}
	if len(notes) > 0 {
		data["note"] = strings.Join(notes, "; ")
	}
	return success(c, "Clone operation completed successfully.", data)
}

// removeCloneSnapshot deletes the clone's temporary snapshot and waits for
// it, even when the request was cancelled meanwhile.
func (s *API) removeCloneSnapshot(ctx context.Context, who manual.Caller, vmid int, name string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
	defer cancel()
	info, err := s.ops.DeleteSnapshot(ctx, who, vmid, name)
	if err == nil {
		_, err = s.waitTask(ctx, fmt.Sprintf("delete snapshot %q of container %d", name, vmid), info)
	}
	if err != nil {
		s.log.Warn().Err(err).Int("vmid", vmid).Str("snapshot", name).Msg("removing the clone snapshot failed")
	}
	return err
}

func (s *API) deleteContainer(ctx context.Context, c echo.Context, a input) error {
	return s.runTask(ctx, c, task{
		what:    fmt.Sprintf("delete container %d", a.VMID),
		message: fmt.Sprintf("Container %d successfully deleted", a.VMID),
		data:    map[string]any{"vm_id": a.VMID, "lxc_id": a.VMID},
	}, func() (manual.TaskInfo, error) {
		return s.ops.Delete(ctx, s.caller(c), a.VMID, false)
	})
}
