package controller

import (
	"context"
	"errors"

	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// ErrorClass is what kind of failure an operation met, for callers that
// must not depend on proxmox (the REST API maps it to an HTTP status).
type ErrorClass string

// Error classes.
const (
	ClassNone        ErrorClass = ""
	ClassNotFound    ErrorClass = "not_found"   // no such container, snapshot or task
	ClassConflict    ErrorClass = "conflict"    // locked, digest mismatch, state does not allow it
	ClassForbidden   ErrorClass = "forbidden"   // the Proxmox token lacks a privilege
	ClassInvalid     ErrorClass = "invalid"     // Proxmox rejected a parameter
	ClassUnavailable ErrorClass = "unavailable" // node or cluster unreachable, authentication to Proxmox failed, timeout
	ClassTaskFailed  ErrorClass = "task_failed" // the Proxmox task ended with an error
	// ClassUpstream: Proxmox answered with a server error that no class
	// above explains (a bare 500, 501, 502, 504), or with a redirect its API
	// never sends: its failure, not ours.
	ClassUpstream ErrorClass = "upstream"
	ClassInternal ErrorClass = "internal"
)

// Classify tells what kind of failure err is.
func Classify(err error) ErrorClass {
	switch {
	case err == nil:
		return ClassNone
	case errors.Is(err, proxmox.ErrNotFound):
		return ClassNotFound
	case errors.Is(err, proxmox.ErrLocked), errors.Is(err, proxmox.ErrDigestMismatch), errors.Is(err, proxmox.ErrConflict):
		return ClassConflict
	case errors.Is(err, proxmox.ErrPermission):
		return ClassForbidden
	case errors.Is(err, proxmox.ErrValidation):
		return ClassInvalid
	case errors.Is(err, proxmox.ErrTaskFailed):
		return ClassTaskFailed
	case errors.Is(err, proxmox.ErrNodeUnreachable), errors.Is(err, proxmox.ErrAuth), errors.Is(err, proxmox.ErrTimeout),
		errors.Is(err, proxmox.ErrTLS), errors.Is(err, context.DeadlineExceeded):
		return ClassUnavailable
	}
	if status, ok := proxmoxStatus(err); ok && (status >= 500 || status >= 300 && status < 400) {
		return ClassUpstream
	}
	return ClassInternal
}

// ProxmoxAnswered reports whether err carries an answer of Proxmox (its
// status line and message), rather than a failure to get one, whose text
// names the address that was dialled.
func ProxmoxAnswered(err error) bool {
	_, ok := proxmoxStatus(err)
	return ok
}

func proxmoxStatus(err error) (int, bool) {
	var answer *proxmox.APIError
	if errors.As(err, &answer) {
		return answer.Status, true
	}
	return 0, false
}
