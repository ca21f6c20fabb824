package acl

import (
	"net/http"
	"slices"
	"strings"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/answer"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/jsonw"
)

// All are PVE 8's built-in privileges.
var All = []string{
	"Datastore.Allocate", "Datastore.AllocateSpace", "Datastore.AllocateTemplate", "Datastore.Audit",
	"Group.Allocate", "Mapping.Audit", "Mapping.Modify", "Mapping.Use", "Permissions.Modify",
	"Pool.Allocate", "Pool.Audit", "Realm.Allocate", "Realm.AllocateUser", "SDN.Allocate", "SDN.Audit", "SDN.Use",
	"Sys.AccessNetwork", "Sys.Audit", "Sys.Console", "Sys.Incoming", "Sys.Modify", "Sys.PowerMgmt", "Sys.Syslog",
	"User.Modify", "VM.Allocate", "VM.Audit", "VM.Backup", "VM.Clone", "VM.Config.CDROM", "VM.Config.CPU",
	"VM.Config.Cloudinit", "VM.Config.Disk", "VM.Config.HWType", "VM.Config.Memory", "VM.Config.Network",
	"VM.Config.Options", "VM.Console", "VM.Migrate", "VM.Monitor", "VM.PowerMgmt", "VM.Snapshot", "VM.Snapshot.Rollback",
}

// Table is the effective ACLs by ID ("user@realm" or "user@realm!token"),
// then path ("/", "/vms", "/vms/100", "/storage"), then privileges.
type Table map[string]map[string][]string

func (t Table) of(id string) map[string][]string {
	if acl, ok := t[id]; ok {
		return acl
	}
	return map[string][]string{"/": All}
}

// Effective are the privileges id holds on path, sorted.
func (t Table) Effective(id, path string) []string {
	var out []string
	for p, privs := range t.of(id) {
		if p == "/" || p == path || strings.HasPrefix(path, strings.TrimSuffix(p, "/")+"/") {
			for _, priv := range privs {
				if !slices.Contains(out, priv) {
					out = append(out, priv)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// Paths are the paths an answer lists: path alone when given, else the
// top-level ones and every path of id's ACLs, sorted.
func (t Table) Paths(id, path string) []string {
	if path != "" {
		return []string{path}
	}
	paths := []string{"/", "/access", "/nodes", "/pool", "/sdn", "/storage", "/vms"}
	for p := range t.of(id) {
		if !slices.Contains(paths, p) {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	return paths
}

// MayRead reports whether caller may read want's permissions: its own, a
// token of its own user (when caller is that user), or anyone's with
// Sys.Audit on /access.
func (t Table) MayRead(caller, want string) bool {
	return want == caller || strings.HasPrefix(want, caller+"!") || slices.Contains(t.Effective(caller, "/access"), "Sys.Audit")
}

// Answer is GET /access/permissions for caller ("user@realm" or a token
// ID), of userid when set, on path or (path "") the whole tree:
// {path: {privilege: 1}}, 1 meaning it propagates.
func (t Table) Answer(caller, userid, path string) answer.Answer {
	id := caller
	if userid != "" && userid != caller {
		if !t.MayRead(caller, userid) {
			return answer.Fail(http.StatusForbidden, "Permission check failed (/access, Sys.Audit)")
		}
		id = userid
	}
	j := jsonw.Writer{}
	j.BeginObject()
	for _, p := range t.Paths(id, path) {
		j.Key(p)
		j.BeginObject()
		for _, priv := range t.Effective(id, p) {
			j.Key(priv)
			j.Raw([]byte("1"))
		}
		j.EndObject()
	}
	j.EndObject()
	return answer.OK(j.Bytes())
}
