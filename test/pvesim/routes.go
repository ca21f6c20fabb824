package pvesim

import (
	"net/http"
	"strconv"
	"strings"
)

// route is one simulated API method.
type route struct {
	method   string
	template string // e.g. "/nodes/{node}/lxc/{vmid}/config"
	segs     []string
	proxied  bool // proxyto=node: forwarded to {node}, so an offline node answers 595
	noToken  bool // allowtoken=0
	noAuth   bool // reachable without credentials
	specs    map[string]paramSpec
	handle   func(s *Sim, c *call) response
}

func merge(base map[string]paramSpec, extra map[string]paramSpec) map[string]paramSpec {
	out := make(map[string]paramSpec, len(base)+len(extra))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

var (
	nodeOnly = map[string]paramSpec{"node": specNode}
	ctPath   = map[string]paramSpec{"node": specNode, "vmid": specVMID}
)

func resizeDiskEnum() []string {
	out := []string{"rootfs"}
	for i := range 256 {
		out = append(out, "mp"+strconv.Itoa(i))
	}
	return out
}

// routes is the simulated API. Parameter specs are ours, written from PVE's
// documentation; conformance_test.go checks them against the official schema.
var routes = buildRoutes()

func buildRoutes() []*route {
	rs := []*route{
		{method: "GET", template: "/version", specs: map[string]paramSpec{}, handle: (*Sim).getVersion},
		{method: "GET", template: "/nodes", specs: map[string]paramSpec{}, handle: (*Sim).getNodes},
		{method: "GET", template: "/nodes/{node}/status", proxied: true, specs: nodeOnly, handle: (*Sim).getNodeStatus},
		{method: "GET", template: "/cluster/status", specs: map[string]paramSpec{}, handle: (*Sim).getClusterStatus},
		{method: "GET", template: "/cluster/resources", specs: map[string]paramSpec{
			"type": {Type: "string", Optional: true, Enum: []string{"vm", "storage", "node", "sdn"}},
		}, handle: (*Sim).getClusterResources},
		{method: "GET", template: "/cluster/nextid", specs: map[string]paramSpec{
			"vmid": {Type: "integer", Optional: true, Min: fp(100), Max: fp(999999999), Format: "pve-vmid"},
		}, handle: (*Sim).getNextID},
		{method: "GET", template: "/nodes/{node}/lxc", proxied: true, specs: nodeOnly, handle: (*Sim).getLXCList},
		{method: "GET", template: "/nodes/{node}/lxc/{vmid}/status/current", proxied: true, specs: ctPath, handle: (*Sim).getStatusCurrent},
		{method: "GET", template: "/nodes/{node}/lxc/{vmid}/config", proxied: true, specs: merge(ctPath, map[string]paramSpec{
			"current":  specBool,
			"snapshot": {Type: "string", Optional: true, MaxLength: 40, Format: "pve-configid"},
		}), handle: (*Sim).getConfig},
		{method: "PUT", template: "/nodes/{node}/lxc/{vmid}/config", proxied: true, specs: merge(ctPath, map[string]paramSpec{
			"cores":       {Type: "integer", Optional: true, Min: fp(1), Max: fp(8192)},
			"cpulimit":    {Type: "number", Optional: true, Min: fp(0), Max: fp(8192)},
			"cpuunits":    {Type: "integer", Optional: true, Min: fp(0), Max: fp(500000)},
			"memory":      {Type: "integer", Optional: true, Min: fp(16)},
			"swap":        {Type: "integer", Optional: true, Min: fp(0)},
			"delete":      {Type: "string", Optional: true, Format: "pve-configid-list"},
			"revert":      {Type: "string", Optional: true, Format: "pve-configid-list"},
			"digest":      specDigst,
			"description": {Type: "string", Optional: true, MaxLength: 8192},
			"hostname":    {Type: "string", Optional: true, MaxLength: 255, Format: "dns-name"},
			"onboot":      specBool,
			"protection":  specBool,
			"tags":        {Type: "string", Optional: true, Format: "pve-tag-list"},
			// In the schema, not simulated: pvesim answers 400 for them.
			"arch": specUnsup, "cmode": specUnsup, "console": specUnsup, "debug": specUnsup, "dev[n]": specUnsup,
			"entrypoint": specUnsup, "env": specUnsup, "features": specUnsup, "hookscript": specUnsup, "lock": specUnsup,
			"mp[n]": specUnsup, "nameserver": specUnsup, "net[n]": specUnsup, "ostype": specUnsup, "rootfs": specUnsup,
			"searchdomain": specUnsup, "startup": specUnsup, "template": specUnsup, "timezone": specUnsup, "tty": specUnsup,
			"unprivileged": specUnsup, "unused[n]": specUnsup,
		}), handle: (*Sim).putConfig},
		{method: "PUT", template: "/nodes/{node}/lxc/{vmid}/resize", proxied: true, specs: merge(ctPath, map[string]paramSpec{
			"disk":   {Type: "string", Enum: resizeDiskEnum()},
			"size":   {Type: "string", Pattern: `\+?\d+(\.\d+)?[KMGT]?`},
			"digest": specDigst,
		}), handle: (*Sim).putResize},
		{method: "GET", template: "/nodes/{node}/lxc/{vmid}/snapshot", proxied: true, specs: ctPath, handle: (*Sim).getSnapshots},
		{method: "POST", template: "/nodes/{node}/lxc/{vmid}/snapshot", proxied: true, specs: merge(ctPath, map[string]paramSpec{
			"snapname":    specSnap,
			"description": specOptS,
		}), handle: (*Sim).postSnapshot},
		{method: "DELETE", template: "/nodes/{node}/lxc/{vmid}/snapshot/{snapname}", proxied: true, specs: merge(ctPath, map[string]paramSpec{
			"snapname": specSnap,
			"force":    specBool,
		}), handle: (*Sim).deleteSnapshot},
		{method: "POST", template: "/nodes/{node}/lxc/{vmid}/snapshot/{snapname}/rollback", proxied: true, specs: merge(ctPath, map[string]paramSpec{
			"snapname": specSnap,
			"start":    specBool,
		}), handle: (*Sim).postRollback},
		{method: "POST", template: "/nodes/{node}/lxc/{vmid}/clone", proxied: true, specs: merge(ctPath, map[string]paramSpec{
			"newid":       specVMID,
			"hostname":    {Type: "string", Optional: true, Format: "dns-name"},
			"description": specOptS,
			"pool":        {Type: "string", Optional: true, Format: "pve-poolid"},
			"snapname":    {Type: "string", Optional: true, MaxLength: 40, Format: "pve-configid"},
			"storage":     {Type: "string", Optional: true, Format: "pve-storage-id"},
			"full":        specBool,
			"target":      {Type: "string", Optional: true, Format: "pve-node"},
			"bwlimit":     {Type: "number", Optional: true, Min: fp(0)},
		}), handle: (*Sim).postClone},
		{method: "DELETE", template: "/nodes/{node}/lxc/{vmid}", proxied: true, specs: merge(ctPath, map[string]paramSpec{
			"force":                      specBool,
			"purge":                      specBool,
			"destroy-unreferenced-disks": specBool,
		}), handle: (*Sim).deleteCT},
		{method: "POST", template: "/nodes/{node}/lxc/{vmid}/status/start", proxied: true, specs: merge(ctPath, map[string]paramSpec{
			"skiplock": specBool,
			"debug":    specBool,
		}), handle: (*Sim).postStart},
		{method: "POST", template: "/nodes/{node}/lxc/{vmid}/status/stop", proxied: true, specs: merge(ctPath, map[string]paramSpec{
			"skiplock":          specBool,
			"overrule-shutdown": specBool,
		}), handle: (*Sim).postStop},
		{method: "POST", template: "/nodes/{node}/lxc/{vmid}/status/shutdown", proxied: true, specs: merge(ctPath, map[string]paramSpec{
			"forceStop": specBool,
			"timeout":   {Type: "integer", Optional: true, Min: fp(0)},
		}), handle: (*Sim).postShutdown},
		{method: "GET", template: "/nodes/{node}/lxc/{vmid}/rrddata", specs: merge(ctPath, map[string]paramSpec{
			"timeframe": {Type: "string", Enum: []string{"hour", "day", "week", "month", "year"}},
			"cf":        {Type: "string", Optional: true, Enum: []string{"AVERAGE", "MAX"}},
		}), handle: (*Sim).getRRDData},
		{method: "GET", template: "/nodes/{node}/tasks/{upid}/status", proxied: true, specs: map[string]paramSpec{
			"node": specNode, "upid": {Type: "string"},
		}, handle: (*Sim).getTaskStatus},
		{method: "GET", template: "/nodes/{node}/tasks/{upid}/log", proxied: true, specs: map[string]paramSpec{
			"node": specNode, "upid": {Type: "string"},
			"start":    {Type: "integer", Optional: true, Min: fp(0)},
			"limit":    {Type: "integer", Optional: true, Min: fp(0)},
			"download": specUnsup,
		}, handle: (*Sim).getTaskLog},
		{method: "POST", template: "/access/ticket", noToken: true, noAuth: true, specs: map[string]paramSpec{
			"username":      {Type: "string", MaxLength: 64},
			"password":      {Type: "string"},
			"realm":         {Type: "string", Optional: true, MaxLength: 32, Format: "pve-realm"},
			"otp":           specOptS,
			"new-format":    specBool,
			"path":          specUnsup,
			"privs":         specUnsup,
			"tfa-challenge": specUnsup,
		}, handle: (*Sim).postTicket},
	}
	for _, r := range rs {
		r.segs = strings.Split(strings.TrimPrefix(r.template, "/"), "/")
	}
	return rs
}

// matchRoute finds the route for a method and path (segments already
// unescaped) and its path parameters.
func matchRoute(method string, segs []string) (*route, map[string]string) {
	for _, rt := range routes {
		if rt.method != method || len(rt.segs) != len(segs) {
			continue
		}
		pp := map[string]string{}
		matched := true
		for i, seg := range rt.segs {
			if name, isParam := strings.CutPrefix(seg, "{"); isParam {
				if segs[i] == "" {
					matched = false
					break
				}
				pp[strings.TrimSuffix(name, "}")] = segs[i]
			} else if seg != segs[i] {
				matched = false
				break
			}
		}
		if matched {
			return rt, pp
		}
	}
	return nil, nil
}

// response is what a handler answers: data for 200, or an error.
type response struct {
	status int
	reason string          // first line of the error message
	errors paramError      // for 400
	data   []byte          // JSON of data, nil = null
	extra  []byte          // additional top-level members, e.g. `"total":3`
	empty  bool            // no body at all (401s from the auth handler, 595)
	later  func() response // work to finish outside the state lock
}

func success(data []byte) response { return response{status: http.StatusOK, data: data} }

func fail(status int, msg string) response { return response{status: status, reason: msg} }

func failParams(errs paramError) response {
	return response{status: http.StatusBadRequest, reason: "Parameter verification failed.", errors: errs}
}

// internal is a plain `die` in a PVE handler: HTTP 500 with the message as reason.
func internal(format string, args ...any) response {
	return fail(http.StatusInternalServerError, sprintf(format, args...))
}
