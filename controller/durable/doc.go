// Package durable holds the file primitives of the controller's own files
// (the state file and its journal, lxc_metrics.json, the audit record):
// replacing a file atomically with its temporary beside it, removing the
// temporaries a kill left, moving an unreadable file aside without ever
// overwriting one, and syncing a directory, which make a crash at any byte
// leave either the old file or the new one; appending records whole
// (AppendFile), which makes a crash lose no record already written; and
// reading a file no larger than its owner ever writes (ReadFileMax).
//
// # Imports
//
// The standard library and github.com/google/renameio/v2 only; nothing of
// the project (enforced by test/layout).
//
// # Concurrency
//
// The functions share nothing; two writers of one path must be ordered by
// their caller (each file has one owner). An AppendFile is not safe for
// concurrent use: its owner serialises the calls.
package durable
