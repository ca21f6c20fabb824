package controller

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		err  error
		want ErrorClass
	}{
		{nil, ClassNone},
		{fmt.Errorf("get config: %w", proxmox.ErrNotFound), ClassNotFound},
		{fmt.Errorf("put: %w", proxmox.ErrLocked), ClassConflict},
		{proxmox.ErrDigestMismatch, ClassConflict},
		{proxmox.ErrConflict, ClassConflict},
		{proxmox.ErrPermission, ClassForbidden},
		{proxmox.ErrValidation, ClassInvalid},
		{proxmox.ErrTaskFailed, ClassTaskFailed},
		{proxmox.ErrNodeUnreachable, ClassUnavailable},
		{proxmox.ErrAuth, ClassUnavailable},
		{context.DeadlineExceeded, ClassUnavailable},
		{errors.New("something else"), ClassInternal},
		{fmt.Errorf("snapshot: %w", &proxmox.APIError{Status: 500, Reason: "storage 'local-lvm' is not online"}), ClassUpstream},
		{&proxmox.APIError{Status: 302, Reason: "Found"}, ClassUpstream},
		{&proxmox.APIError{Status: 405, Reason: "Method not allowed"}, ClassInternal},
	} {
		if got := Classify(c.err); got != c.want {
			t.Errorf("Classify(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

func TestProxmoxAnswered(t *testing.T) {
	if !ProxmoxAnswered(fmt.Errorf("list: %w", &proxmox.APIError{Status: 595, Reason: "Connection refused"})) {
		t.Error("a 595 answer: ProxmoxAnswered false, want true")
	}
	if ProxmoxAnswered(fmt.Errorf("list: dial tcp 10.0.0.1:8006: %w", proxmox.ErrNodeUnreachable)) {
		t.Error("a transport failure: ProxmoxAnswered true, want false")
	}
}
