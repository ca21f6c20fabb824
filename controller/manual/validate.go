package manual

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// Limits of the values an operation accepts, checked before anything is
// sent.
const (
	MinVMID         = 100
	MaxVMID         = 999999999
	MaxCores        = 8192
	MinMemoryMiB    = 16
	MaxMemoryMiB    = 4 << 20 // 4 TiB
	MaxSwapMiB      = 4 << 20 // 4 TiB
	MinGrowBytes    = 1 << 20 // 1 MiB
	MaxGrowBytes    = 16 << 40
	maxHostnameLen  = 253
	maxTaskAge      = time.Hour
	maxTrackedTasks = 10000
)

var (
	// PVE's snapshot names (pve-configid, at most 40 characters); the
	// proxmox client requires two characters or more.
	snapshotNameRe = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_-]{1,39}$`)
	// PVE's container volumes: the root filesystem and mount points mp0 to
	// mp255 (pve-container src/PVE/LXC/Config.pm, MAX_MOUNT_POINTS 256).
	diskNameRe = regexp.MustCompile(`^(rootfs|mp([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5]))$`)
	// An RFC 1123 label: node names, and each label of a host name.
	hostLabelRe = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$`)
)

// The validation rules of the requests, one home for the operations and
// the API: the API words its own messages around the rules' texts below,
// so that both say the same rule the same way.

// The rules' wording, for the messages that refuse a value.
const (
	SnapshotNameRule = "2 to 40 letters, digits, - or _, starting with a letter"
	HostnameRule     = "an RFC 1123 host name (labels of 1 to 63 letters, digits and inner hyphens; 253 in all)"
	NodeNameRule     = "a node name (one RFC 1123 label)"
)

// ValidSnapshotName reports whether PVE takes name as a snapshot name: 2
// to 40 letters, digits, - or _, starting with a letter, and not reserved.
func ValidSnapshotName(name string) bool {
	return !ReservedSnapshotName(name) && snapshotNameRe.MatchString(name)
}

// ReservedSnapshotName reports whether name is one PVE keeps for itself
// ("current", the live state, and "vzdump", the backup's).
func ReservedSnapshotName(name string) bool { return name == "current" || name == "vzdump" }

// ValidDiskName reports whether disk names a container volume: rootfs or
// mp0 to mp255.
func ValidDiskName(disk string) bool { return diskNameRe.MatchString(disk) }

// ValidNodeName reports whether node is a possible node name: one RFC 1123
// label.
func ValidNodeName(node string) bool { return hostLabelRe.MatchString(node) }

// ValidHostname reports whether h is an RFC 1123 host name (labels of
// letters, digits and inner hyphens, separated by dots, 253 characters in
// all), as PVE's dns-name format.
func ValidHostname(h string) bool {
	if h == "" || len(h) > maxHostnameLen {
		return false
	}
	for label := range strings.SplitSeq(h, ".") {
		if !hostLabelRe.MatchString(label) {
			return false
		}
	}
	return true
}

// FieldError is one field of a request that failed validation.
type FieldError struct {
	Field   string // vmid, cores, memory, swap, disk, size, snapshot, hostname, newid, target
	Problem string // what is wrong and what is allowed
}

// InvalidRequestError lists every field of a request that failed
// validation. Nothing was sent to Proxmox. It matches
// proxmox.ErrValidation (ClassInvalid).
type InvalidRequestError struct {
	Fields []FieldError
}

func (e *InvalidRequestError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Problem
	}
	return "invalid request: " + strings.Join(parts, "; ")
}

// Unwrap makes the error match proxmox.ErrValidation.
func (e *InvalidRequestError) Unwrap() error { return proxmox.ErrValidation }

// kindError is a refusal of ours that matches a proxmox sentinel (kind) for
// Classify, with a text that says it all: wrapping the sentinel with %w
// would append its own words ("container 999 not found: not found").
type kindError struct {
	msg  string
	kind error
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

// notFound is an error matching proxmox.ErrNotFound with the text
// fmt.Sprintf(format, args...).
func notFound(format string, args ...any) error {
	return &kindError{msg: fmt.Sprintf(format, args...), kind: proxmox.ErrNotFound}
}

// conflict is an error matching proxmox.ErrConflict with the text
// fmt.Sprintf(format, args...).
func conflict(format string, args ...any) error {
	return &kindError{msg: fmt.Sprintf(format, args...), kind: proxmox.ErrConflict}
}

// fieldCheck collects field errors.
type fieldCheck struct{ fields []FieldError }

func (c *fieldCheck) addf(field, format string, args ...any) {
	c.fields = append(c.fields, FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
}

func (c *fieldCheck) vmid(field string, v int) {
	if v < MinVMID || v > MaxVMID {
		c.addf(field, "%d is not a VMID: allowed %d to %d", v, MinVMID, MaxVMID)
	}
}

func (c *fieldCheck) snapshot(field, name string) {
	switch {
	case ReservedSnapshotName(name):
		c.addf(field, "%q is reserved by Proxmox", name)
	case !ValidSnapshotName(name):
		c.addf(field, "%q: %s", name, SnapshotNameRule)
	}
}

func (c *fieldCheck) err() error {
	if len(c.fields) == 0 {
		return nil
	}
	return &InvalidRequestError{Fields: c.fields}
}

func checkVMID(vmid int) error {
	var c fieldCheck
	c.vmid("vmid", vmid)
	return c.err()
}
