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
	} {
		if got := Classify(c.err); got != c.want {
			t.Errorf("Classify(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}
