package controller

import "github.com/lxc-autoscale/lxc-autoscale/controller/audit"

// Forwarders: the audit record moved to package audit; run `go fix` to
// inline them at the call sites.

// Audit is the append-only audit record.
//
//go:fix inline
type Audit = audit.Log

// AuditRecord is one mutation, made or attempted.
//
//go:fix inline
type AuditRecord = audit.Record

// AuditOptions configure the audit record.
//
//go:fix inline
type AuditOptions = audit.Options

// Defaults of AuditOptions.
//
//go:fix inline
const (
	DefaultAuditMaxSize    = audit.DefaultMaxSize
	DefaultAuditMaxBackups = audit.DefaultMaxBackups
)

// OpenAudit opens (creating when missing) the audit record at o.Path.
//
//go:fix inline
func OpenAudit(o AuditOptions) (*Audit, error) { return audit.Open(o) }

// ReadAudit returns up to limit of the newest records, newest first.
//
//go:fix inline
func ReadAudit(path string, limit int) ([]AuditRecord, error) { return audit.Read(path, limit) }
