package proxmox

import (
	"errors"
	"fmt"
	"testing"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status    int
		reason    string
		params    map[string]string
		want      error // nil: no sentinel
		retryable bool
		lock      string
		perm      PermissionError
	}{
		{500, "CT is locked (snapshot-delete)", nil, ErrLocked, false, "snapshot-delete", PermissionError{}},
		{500, "VM is locked (backup)", nil, ErrLocked, false, "backup", PermissionError{}},
		{500, "detected modified configuration - file changed by other user? Try again.", nil, ErrDigestMismatch, false, "", PermissionError{}},
		{500, "Configuration file 'nodes/pve1/lxc/101.conf' does not exist", nil, ErrNotFound, false, "", PermissionError{}},
		{500, "hostname lookup 'pve9' failed - failed to get address info for: pve9: Name or service not known", nil, ErrNotFound, false, "", PermissionError{}},
		{500, "can't lock file '/run/lock/lxc/pve-config-101.lock' - got timeout", nil, ErrTimeout, true, "", PermissionError{}},
		{500, "unable to shrink disk size", nil, ErrConflict, false, "", PermissionError{}},
		{500, "can't remove CT 101 - protection mode enabled", nil, ErrConflict, false, "", PermissionError{}},
		{500, "unable to destroy CT 101 - container is running", nil, ErrConflict, false, "", PermissionError{}},
		{500, "CT 105 already exists on node 'pve1'", nil, ErrConflict, false, "", PermissionError{}},
		{500, "no options specified", nil, nil, false, "", PermissionError{}},
		{501, "Method 'GET /nodes/pve1/lxc/101/foo' not implemented", nil, nil, false, "", PermissionError{}},
		{403, "Permission check failed (/vms/101, VM.Config.CPU)", nil, ErrPermission, false, "", PermissionError{Path: "/vms/101", Privilege: "VM.Config.CPU"}},
		{403, "Permission check failed", nil, ErrPermission, false, "", PermissionError{}},
		{403, "URI '/access/ticket' not available with API token, need proper ticket.", nil, ErrPermission, false, "", PermissionError{}},
		{401, "authentication failure", nil, ErrAuth, false, "", PermissionError{}},
		{400, "Parameter verification failed.", map[string]string{"memory": "value must have a minimum value of 16"}, ErrValidation, false, "", PermissionError{}},
		{400, "Parameter verification failed.", map[string]string{"upid": "no such task"}, ErrNotFound, false, "", PermissionError{}},
		{595, "Connection refused", nil, ErrNodeUnreachable, true, "", PermissionError{}},
		{596, "Connection timed out", nil, ErrNodeUnreachable, true, "", PermissionError{}},
		// PVE's refusals to clone or migrate a container whose volumes are
		// on node-local storage to another node.
		{500, "can't clone CT to node 'pve2' (CT uses local storage)", nil, ErrConflict, false, "", PermissionError{}},
		{500, "cannot migrate local bind mount point 'mp0'", nil, ErrConflict, false, "", PermissionError{}},
		{500, "unable to migrate local mount point 'local-lvm:vm-101-disk-1' while CT is running", nil, ErrConflict, false, "", PermissionError{}},
		{500, "can't migrate local volume 'local-lvm:vm-101-disk-0': storage type 'lvm' not supported", nil, ErrConflict, false, "", PermissionError{}},
		{500, "storage 'local-lvm' is not available on node 'pve2'", nil, ErrConflict, false, "", PermissionError{}},
		// near misses: a missing storage is not there at all, and a storage
		// text without the node refusal is nothing known
		{500, "storage 'nfs-backup' does not exist", nil, ErrNotFound, false, "", PermissionError{}},
		{500, "storage 'local-lvm' is full", nil, nil, false, "", PermissionError{}},
		// a node that answers but does not serve: unreachable for now
		{503, "Service Unavailable", nil, ErrNodeUnreachable, true, "", PermissionError{}},
		{503, "node is in maintenance mode", nil, ErrNodeUnreachable, true, "", PermissionError{}},
		{503, "proxy error: cannot forward to node 'pve2'", nil, ErrNodeUnreachable, true, "", PermissionError{}},
		{502, "Bad Gateway", nil, nil, true, "", PermissionError{}},
	}
	sentinels := []error{ErrNotFound, ErrLocked, ErrDigestMismatch, ErrPermission, ErrValidation, ErrNodeUnreachable, ErrAuth, ErrTaskFailed, ErrTimeout, ErrConflict, ErrTLS}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%d %s", c.status, c.reason), func(t *testing.T) {
			t.Parallel()
			e := &APIError{Method: "PUT", Route: "/nodes/{node}/lxc/{vmid}/config", Status: c.status, Reason: c.reason, Params: c.params}
			e.classify()
			var err error = fmt.Errorf("wrapped: %w", e)
			for _, s := range sentinels {
				if got := errors.Is(err, s); got != (s == c.want) {
					t.Errorf("errors.Is(%v) = %v", s, got)
				}
			}
			if got := Retryable(err); got != c.retryable {
				t.Errorf("Retryable = %v, want %v", got, c.retryable)
			}
			var le *LockedError
			if errors.As(err, &le) != (c.lock != "") || (le != nil && le.Lock != c.lock) {
				t.Errorf("LockedError = %+v, want lock %q", le, c.lock)
			}
			var pe *PermissionError
			if errors.As(err, &pe) != (c.want == ErrPermission) || (pe != nil && *pe != c.perm) {
				t.Errorf("PermissionError = %+v, want %+v", pe, c.perm)
			}
		})
	}
}

func TestTaskErr(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		status, exit string
		want         error
	}{
		{"running", "", nil},
		{"stopped", "OK", nil},
		{"stopped", "WARNINGS: 3", nil},
		{"stopped", "unable to create snapshot", ErrTaskFailed},
		{"stopped", "CT is locked (backup)", ErrLocked},
		{"stopped", "snapshot 'x' does not exist", ErrNotFound},
		{"stopped", "unexpected status", ErrTaskFailed},
	} {
		task := Task{UPID: "UPID:pve1:1:2:3:vzsnapshot:101:root@pam:", Type: "vzsnapshot", Status: c.status, ExitStatus: c.exit}
		err := task.Err()
		if c.want == nil {
			if err != nil {
				t.Errorf("Task{%s, %q}.Err() = %v, want nil", c.status, c.exit, err)
			}
			continue
		}
		var te *TaskError
		if !errors.Is(err, c.want) || !errors.Is(err, ErrTaskFailed) || !errors.As(err, &te) || te.ExitStatus != c.exit {
			t.Errorf("Task{%s, %q}.Err() = %v, want %v and ErrTaskFailed", c.status, c.exit, err, c.want)
		}
	}
}
