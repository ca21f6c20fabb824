package proxmox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"sort"
	"strings"
)

// Classification sentinels. Every error the client returns for a PVE answer
// is an *APIError that matches at most one of these with errors.Is; failures
// without an answer match ErrNodeUnreachable, ErrTimeout or ErrTLS; arguments
// refused before sending match ErrValidation, and writes the WriteGate
// refuses ErrFenced. Callers never look at message text: PVE's wording is
// this package's business.
var (
	// ErrNotFound: the container, snapshot or task does not exist (PVE says so
	// with a 500 "Configuration file … does not exist" or "… does not exist").
	ErrNotFound = errors.New("not found")
	// ErrLocked: the container holds a config lock; errors.As to *LockedError
	// names the lock.
	ErrLocked = errors.New("container locked")
	// ErrDigestMismatch: the config changed since the digest was read.
	ErrDigestMismatch = errors.New("config digest mismatch")
	// ErrPermission: 403; errors.As to *PermissionError names path and privilege.
	ErrPermission = errors.New("permission denied")
	// ErrValidation: 400 with PVE's per-parameter messages in APIError.Params.
	ErrValidation = errors.New("parameter validation failed")
	// ErrNodeUnreachable: the endpoint or the node a call is proxied to cannot
	// be reached (connect failures, 595/596) or does not serve now (503: a
	// node in maintenance, a proxy that cannot forward).
	ErrNodeUnreachable = errors.New("node unreachable")
	// ErrAuth: 401, bad or expired credentials.
	ErrAuth = errors.New("authentication failed")
	// ErrTaskFailed: a task ended with an exit status other than OK or
	// WARNINGS; errors.As to *TaskError for the UPID and exit status.
	ErrTaskFailed = errors.New("task failed")
	// ErrTimeout: a call or a task wait ran out of time, or PVE gave up
	// waiting for a container's config file lock held by another operation.
	ErrTimeout = errors.New("timeout")
	// ErrConflict: PVE refused because of the container's state (protection
	// mode, running when it must be stopped, an existing VMID, a disk that
	// cannot shrink, a full clone of a running container without a snapshot,
	// a clone or migration to another node of a container on local storage).
	ErrConflict = errors.New("conflicting state")
	// ErrTLS: the server's certificate does not chain to the configured roots
	// or matches no pinned fingerprint. Never retried.
	ErrTLS = errors.New("tls verification failed")
	// ErrFenced: the client's WriteGate refused a write (this instance does
	// not hold the controller's lease, or not for long enough); it was not
	// sent.
	ErrFenced = errors.New("write fenced: not the lease holder")
)

// APIError is an answer from PVE with a non-success status.
type APIError struct {
	Method  string
	Route   string // route template, e.g. /nodes/{node}/lxc/{vmid}/config
	Status  int
	Reason  string            // the reason phrase of PVE's status line
	Message string            // the body's message when PVE sent one
	Params  map[string]string // per-parameter errors of a 400
	kind    error             // one sentinel or nil
	lock    string
	perm    PermissionError
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "proxmox %s %s: %d %s", e.Method, e.Route, e.Status, e.Reason)
	if m := strings.TrimSpace(e.Message); m != "" && m != e.Reason {
		b.WriteString(": ")
		b.WriteString(m)
	}
	if len(e.Params) > 0 {
		keys := make([]string, 0, len(e.Params))
		for k := range e.Params {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for i, k := range keys {
			if i == 0 {
				b.WriteString(" (")
			} else {
				b.WriteString("; ")
			}
			fmt.Fprintf(&b, "%s: %s", k, e.Params[k])
		}
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the classification sentinel.
func (e *APIError) Unwrap() error { return e.kind }

// As lets errors.As reach the lock and permission details.
func (e *APIError) As(target any) bool {
	switch t := target.(type) {
	case **LockedError:
		if e.kind == ErrLocked {
			*t = &LockedError{Lock: e.lock}
			return true
		}
	case **PermissionError:
		if e.kind == ErrPermission {
			p := e.perm
			*t = &p
			return true
		}
	}
	return false
}

// LockedError names the lock a container holds (backup, snapshot, migrate, …).
type LockedError struct{ Lock string }

func (e *LockedError) Error() string { return "container locked (" + e.Lock + ")" }
func (e *LockedError) Unwrap() error { return ErrLocked }

// PermissionError names what PVE said was missing. Both fields are empty when
// PVE did not say (a generic "Permission check failed").
type PermissionError struct {
	Path      string // e.g. /vms/101
	Privilege string // e.g. VM.Config.Memory
}

func (e *PermissionError) Error() string {
	if e.Path == "" {
		return "permission denied"
	}
	return "permission denied: " + e.Privilege + " on " + e.Path
}
func (e *PermissionError) Unwrap() error { return ErrPermission }

// TaskError is a task that ended with a failing exit status.
type TaskError struct {
	UPID       string
	Type       string
	ExitStatus string
	kind       error // ErrTaskFailed, with ErrLocked/ErrNotFound also matching when the exit status says so
	lock       string
}

func (e *TaskError) Error() string {
	return fmt.Sprintf("task %s %s: %s", e.Type, e.UPID, e.ExitStatus)
}

// Unwrap lets errors.Is match ErrTaskFailed and, when PVE's exit status says
// so, ErrLocked or ErrNotFound (a snapshot task fails with "CT is locked").
func (e *TaskError) Unwrap() []error {
	if e.kind != nil {
		return []error{ErrTaskFailed, e.kind}
	}
	return []error{ErrTaskFailed}
}

// As reaches the lock of a task that failed because the CT was locked.
func (e *TaskError) As(target any) bool {
	if t, ok := target.(**LockedError); ok && e.kind == ErrLocked {
		*t = &LockedError{Lock: e.lock}
		return true
	}
	return false
}

// transportError is a failure before PVE answered.
type transportError struct {
	method, route string
	kind          error // ErrNodeUnreachable or ErrTimeout
	err           error
}

func (e *transportError) Error() string {
	return fmt.Sprintf("proxmox %s %s: %v", e.method, e.route, e.err)
}
func (e *transportError) Unwrap() []error { return []error{e.kind, e.err} }

// DecodeError is an answer PVE sent that the client could not decode.
type DecodeError struct {
	Route string
	Err   error
}

func (e *DecodeError) Error() string { return "proxmox decode " + e.Route + ": " + e.Err.Error() }
func (e *DecodeError) Unwrap() error { return e.Err }

// Retryable reports whether trying the same operation again later can
// succeed without anything else changing: transport failures, timeouts,
// unreachable nodes, PVE's short file-lock timeouts and gateway/overload
// statuses. Locks, digest mismatches, permission, validation and not-found
// errors need a fresh observation or a human, not a retry.
func Retryable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, ErrTLS) {
		return false
	}
	if errors.Is(err, ErrNodeUnreachable) || errors.Is(err, ErrTimeout) {
		return true
	}
	var te *transportError
	if errors.As(err, &te) {
		return false // a kind not listed above
	}
	var api *APIError
	if errors.As(err, &api) {
		if api.kind != nil {
			return api.kind == ErrNodeUnreachable || api.kind == ErrTimeout
		}
		switch api.Status {
		case 429, 502, 503, 504:
			return true
		}
		return false
	}
	var ne net.Error
	return errors.As(err, &ne)
}

var (
	// Permission check failed (/vms/100, VM.Config.Memory)
	permRe = regexp.MustCompile(`Permission check failed \(([^,()]+),\s*([^()]+)\)`)
	// CT is locked (snapshot) / VM is locked (backup)
	lockRe = regexp.MustCompile(`(?:CT|VM) is locked \(([^)]*)\)`)
)

// classify fills e.kind (and lock/perm) from status and PVE's texts. PVE
// reports nearly everything as 500 with the message in the reason phrase, so
// the text is all there is; this is the one place that reads it.
func (e *APIError) classify() {
	text := e.Reason + "\n" + e.Message
	switch {
	case e.Status == 401:
		e.kind = ErrAuth
	case e.Status == 403:
		e.kind = ErrPermission
		if m := permRe.FindStringSubmatch(text); m != nil {
			e.perm = PermissionError{Path: strings.TrimSpace(m[1]), Privilege: strings.TrimSpace(m[2])}
		}
	case e.Status == 400:
		e.kind = ErrValidation
		if strings.Contains(e.Params["upid"], "no such task") {
			e.kind = ErrNotFound
		} else if _, k := classify500(text); len(e.Params) == 0 && (k == ErrDigestMismatch || k == ErrConflict) {
			e.kind = k // proxmox-notify (notifications.cfg) answers these with 400, not 500
		}
	case e.Status >= 595 && e.Status <= 599, e.Status == 503:
		// 503 is a node that answers but does not serve (maintenance, a
		// proxy error): as unreachable for now, so reads are retried and
		// writes, which never are, report the node rather than a bare 503.
		e.kind = ErrNodeUnreachable
	case e.Status == 404:
		e.kind = ErrNotFound
	case e.Status == 500:
		e.lock, e.kind = classify500(text)
	}
}

func classify500(text string) (lock string, kind error) {
	switch {
	case strings.Contains(text, "detected modified configuration"):
		return "", ErrDigestMismatch
	case lockRe.MatchString(text):
		return lockRe.FindStringSubmatch(text)[1], ErrLocked
	case strings.Contains(text, "does not exist"), strings.Contains(text, "no such task"),
		strings.Contains(text, "hostname lookup"):
		return "", ErrNotFound
	case strings.Contains(text, "got timeout"):
		// the short per-CT config flock (10 s) held by another operation
		return "", ErrTimeout
	case strings.Contains(text, "protection mode enabled"),
		strings.Contains(text, "container is running"),
		strings.Contains(text, "already exists"),
		strings.Contains(text, "unable to shrink"),
		strings.Contains(text, "already at specified size"),
		strings.Contains(text, "only possible from a snapshot"),
		isLocalStorageRefusal(text):
		return "", ErrConflict
	}
	return "", nil
}

// isLocalStorageRefusal reports PVE refusing to clone or migrate a
// container to another node because its volumes are on storage that node
// does not have: "can't clone CT to node 'pve2' (CT uses local storage)",
// "cannot migrate local bind mount point 'mp0'", "unable to migrate local
// mount point '…' while CT is running", "storage 'local-lvm' is not
// available on node 'pve2'". The container's storage decides, so the same
// call fails again until that changes.
func isLocalStorageRefusal(text string) bool {
	return strings.Contains(text, "uses local storage") ||
		strings.Contains(text, "cannot migrate local") ||
		strings.Contains(text, "unable to migrate local") ||
		strings.Contains(text, "can't migrate local") ||
		(strings.Contains(text, "storage '") && strings.Contains(text, "is not available on node"))
}

// newTaskError classifies a failed task's exit status.
func newTaskError(t Task) *TaskError {
	te := &TaskError{UPID: t.UPID, Type: t.Type, ExitStatus: t.ExitStatus}
	if m := lockRe.FindStringSubmatch(t.ExitStatus); m != nil {
		te.kind, te.lock = ErrLocked, m[1]
	} else if strings.Contains(t.ExitStatus, "does not exist") {
		te.kind = ErrNotFound
	}
	return te
}

// MaybeApplied reports whether err leaves it unknown whether a write took
// effect: the request was sent (or may have been) and no answer came back.
// That is a timeout, a connection lost after it was made, or PVE's 596 (the
// node a call was proxied to stopped answering after the connection was
// made). A refused connection (595, or a dial error) and every answer PVE
// gave are known outcomes: the write was not made.
func MaybeApplied(err error) bool {
	if err == nil || errors.Is(err, ErrTLS) {
		return false
	}
	var te *transportError
	if errors.As(err, &te) {
		if te.kind == ErrTimeout {
			return true
		}
		var op *net.OpError
		return !(errors.As(te.err, &op) && op.Op == "dial")
	}
	var api *APIError
	if errors.As(err, &api) {
		return api.Status == 596
	}
	return errors.Is(err, context.DeadlineExceeded)
}
