// Package acl is pvesim's privileges: what GET /access/permissions reports
// for a user or token, computed as pve-access-control does for a path
// (src/PVE/RPCEnvironment.pm permissions): the privileges granted on it and
// on every path above it, all propagating. An ID the table does not list
// holds All on "/", as root@pam does; no other route of pvesim checks
// them.
//
// It imports pvesim's answer and jsonw only. A Table is read-only after
// pvesim.New: safe for concurrent use.
package acl
