package pvesim

import (
	"slices"
	"strconv"
	"strings"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/acl"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/answer"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/notify"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/schema"
)

// specs are a route's parameters by name, PVE's schema keys ("mp[n]") included.
type specs = map[string]schema.Spec

// route is one simulated API method.
type route struct {
	method   string
	template string // e.g. "/nodes/{node}/lxc/{vmid}/config"
	segs     []string
	proxied  bool // proxyto=node: forwarded to {node}, so an offline node answers 595
	noToken  bool // allowtoken=0
	noAuth   bool // reachable without credentials
	specs    specs
	handle   func(s *Sim, c *call) answer.Answer
}

func merge(base specs, extra specs) specs {
	out := make(specs, len(base)+len(extra))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

var (
	nodeOnly = specs{"node": schema.SpecNode}
	ctPath   = specs{"node": schema.SpecNode, "vmid": schema.SpecVMID}
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

// RouteTemplates lists the route templates pvesim serves, each once, in
// the order of its route table: what a Fault's Route may name.
func RouteTemplates() []string {
	var all []string
	for _, rt := range routes {
		if !slices.Contains(all, rt.template) {
			all = append(all, rt.template)
		}
	}
	return all
}

func buildRoutes() []*route {
	rs := []*route{
		{method: "GET", template: "/version", specs: specs{}, handle: (*Sim).getVersion},
		{method: "GET", template: "/nodes", specs: specs{}, handle: (*Sim).getNodes},
		{method: "GET", template: "/nodes/{node}/status", proxied: true, specs: nodeOnly, handle: (*Sim).getNodeStatus},
		{method: "GET", template: "/cluster/status", specs: specs{}, handle: (*Sim).getClusterStatus},
		{method: "GET", template: "/cluster/resources", specs: specs{
			"type": {Type: "string", Optional: true, Enum: []string{"vm", "storage", "node", "sdn"}},
		}, handle: (*Sim).getClusterResources},
		{method: "GET", template: "/cluster/nextid", specs: specs{
			"vmid": {Type: "integer", Optional: true, Min: schema.Bound(100), Max: schema.Bound(999999999), Format: "pve-vmid"},
		}, handle: (*Sim).getNextID},
		{method: "GET", template: "/nodes/{node}/lxc", proxied: true, specs: nodeOnly, handle: (*Sim).getLXCList},
		{method: "GET", template: "/nodes/{node}/lxc/{vmid}/status/current", proxied: true, specs: ctPath, handle: onCT((*Sim).getStatusCurrent)},
		{method: "GET", template: "/nodes/{node}/lxc/{vmid}/config", proxied: true, specs: merge(ctPath, specs{
			"current":  schema.SpecBool,
			"snapshot": {Type: "string", Optional: true, MaxLength: 40, Format: "pve-configid"},
		}), handle: onCT((*Sim).getConfig)},
		{method: "PUT", template: "/nodes/{node}/lxc/{vmid}/config", proxied: true, specs: merge(ctPath, specs{
			"cores":       {Type: "integer", Optional: true, Min: schema.Bound(1), Max: schema.Bound(8192)},
			"cpulimit":    {Type: "number", Optional: true, Min: schema.Bound(0), Max: schema.Bound(8192)},
			"cpuunits":    {Type: "integer", Optional: true, Min: schema.Bound(0), Max: schema.Bound(500000)},
			"memory":      {Type: "integer", Optional: true, Min: schema.Bound(16)},
			"swap":        {Type: "integer", Optional: true, Min: schema.Bound(0)},
			"delete":      {Type: "string", Optional: true, Format: "pve-configid-list"},
			"revert":      {Type: "string", Optional: true, Format: "pve-configid-list"},
			"digest":      schema.SpecDigest,
			"description": {Type: "string", Optional: true, MaxLength: 8192},
			"hostname":    {Type: "string", Optional: true, MaxLength: 255, Format: "dns-name"},
			"onboot":      schema.SpecBool,
			"protection":  schema.SpecBool,
			"tags":        {Type: "string", Optional: true, Format: "pve-tag-list"},
			// In the schema, not simulated: pvesim answers 400 for them.
			"arch": schema.SpecUnsupported, "cmode": schema.SpecUnsupported, "console": schema.SpecUnsupported, "debug": schema.SpecUnsupported, "dev[n]": schema.SpecUnsupported,
			"entrypoint": schema.SpecUnsupported, "env": schema.SpecUnsupported, "features": schema.SpecUnsupported, "hookscript": schema.SpecUnsupported, "lock": schema.SpecUnsupported,
			"mp[n]": schema.SpecUnsupported, "nameserver": schema.SpecUnsupported, "net[n]": schema.SpecUnsupported, "ostype": schema.SpecUnsupported, "rootfs": schema.SpecUnsupported,
			"searchdomain": schema.SpecUnsupported, "startup": schema.SpecUnsupported, "template": schema.SpecUnsupported, "timezone": schema.SpecUnsupported, "tty": schema.SpecUnsupported,
			"unprivileged": schema.SpecUnsupported, "unused[n]": schema.SpecUnsupported,
		}), handle: (*Sim).putConfig},
		{method: "PUT", template: "/nodes/{node}/lxc/{vmid}/resize", proxied: true, specs: merge(ctPath, specs{
			"disk":   {Type: "string", Enum: resizeDiskEnum()},
			"size":   {Type: "string", Pattern: `\+?\d+(\.\d+)?[KMGT]?`},
			"digest": schema.SpecDigest,
		}), handle: (*Sim).putResize},
		{method: "GET", template: "/nodes/{node}/lxc/{vmid}/snapshot", proxied: true, specs: ctPath, handle: onCT((*Sim).getSnapshots)},
		{method: "POST", template: "/nodes/{node}/lxc/{vmid}/snapshot", proxied: true, specs: merge(ctPath, specs{
			"snapname":    schema.SpecSnapshot,
			"description": schema.SpecOptionalString,
		}), handle: (*Sim).postSnapshot},
		{method: "DELETE", template: "/nodes/{node}/lxc/{vmid}/snapshot/{snapname}", proxied: true, specs: merge(ctPath, specs{
			"snapname": schema.SpecSnapshot,
			"force":    schema.SpecBool,
		}), handle: onCT((*Sim).deleteSnapshot)},
		{method: "POST", template: "/nodes/{node}/lxc/{vmid}/snapshot/{snapname}/rollback", proxied: true, specs: merge(ctPath, specs{
			"snapname": schema.SpecSnapshot,
			"start":    schema.SpecBool,
		}), handle: onCT((*Sim).postRollback)},
		{method: "POST", template: "/nodes/{node}/lxc/{vmid}/clone", proxied: true, specs: merge(ctPath, specs{
			"newid":       schema.SpecVMID,
			"hostname":    {Type: "string", Optional: true, Format: "dns-name"},
			"description": schema.SpecOptionalString,
			"pool":        {Type: "string", Optional: true, Format: "pve-poolid"},
			"snapname":    {Type: "string", Optional: true, MaxLength: 40, Format: "pve-configid"},
			"storage":     {Type: "string", Optional: true, Format: "pve-storage-id"},
			"full":        schema.SpecBool,
			"target":      {Type: "string", Optional: true, Format: "pve-node"},
			"bwlimit":     {Type: "number", Optional: true, Min: schema.Bound(0)},
		}), handle: onCT((*Sim).postClone)},
		{method: "DELETE", template: "/nodes/{node}/lxc/{vmid}", proxied: true, specs: merge(ctPath, specs{
			"force":                      schema.SpecBool,
			"purge":                      schema.SpecBool,
			"destroy-unreferenced-disks": schema.SpecBool,
		}), handle: onCT((*Sim).deleteCT)},
		{method: "POST", template: "/nodes/{node}/lxc/{vmid}/status/start", proxied: true, specs: merge(ctPath, specs{
			"skiplock": schema.SpecBool,
			"debug":    schema.SpecBool,
		}), handle: (*Sim).postStart},
		{method: "POST", template: "/nodes/{node}/lxc/{vmid}/status/stop", proxied: true, specs: merge(ctPath, specs{
			"skiplock":          schema.SpecBool,
			"overrule-shutdown": schema.SpecBool,
		}), handle: (*Sim).postStop},
		{method: "POST", template: "/nodes/{node}/lxc/{vmid}/status/shutdown", proxied: true, specs: merge(ctPath, specs{
			"forceStop": schema.SpecBool,
			"timeout":   {Type: "integer", Optional: true, Min: schema.Bound(0)},
		}), handle: (*Sim).postShutdown},
		{method: "GET", template: "/nodes/{node}/lxc/{vmid}/rrddata", specs: merge(ctPath, specs{
			"timeframe": {Type: "string", Enum: []string{"hour", "day", "week", "month", "year"}},
			"cf":        {Type: "string", Optional: true, Enum: []string{"AVERAGE", "MAX"}},
		}), handle: (*Sim).getRRDData},
		{method: "GET", template: "/nodes/{node}/tasks/{upid}/status", proxied: true, specs: specs{
			"node": schema.SpecNode, "upid": {Type: "string"},
		}, handle: (*Sim).getTaskStatus},
		{method: "GET", template: "/nodes/{node}/tasks/{upid}/log", proxied: true, specs: specs{
			"node": schema.SpecNode, "upid": {Type: "string"},
			"start":    {Type: "integer", Optional: true, Min: schema.Bound(0)},
			"limit":    {Type: "integer", Optional: true, Min: schema.Bound(0)},
			"download": schema.SpecUnsupported,
		}, handle: (*Sim).getTaskLog},
		{method: "GET", template: "/access/permissions", specs: specs{
			"path":   schema.SpecOptionalString,
			"userid": {Type: "string", Optional: true, Pattern: `(?^:^(?^:[^\s:/]+)\@(?^:[A-Za-z][A-Za-z0-9\.\-_]+)(?:!(?^:[A-Za-z][A-Za-z0-9\.\-_]+))?$)`},
		}, handle: func(s *Sim, c *call) answer.Answer {
			return acl.Table(s.opts.Privileges).Answer(c.taskUser(), c.p.Str("userid"), c.p.Str("path"))
		}},
		{method: "POST", template: "/access/ticket", noToken: true, noAuth: true, specs: specs{
			"username":      {Type: "string", MaxLength: 64},
			"password":      {Type: "string"},
			"realm":         {Type: "string", Optional: true, MaxLength: 32, Format: "pve-realm"},
			"otp":           schema.SpecOptionalString,
			"new-format":    schema.SpecBool,
			"path":          schema.SpecUnsupported,
			"privs":         schema.SpecUnsupported,
			"tfa-challenge": schema.SpecUnsupported,
		}, handle: (*Sim).postTicket},
		// The object lxc-autoscale's leader lease lives in (internal/notify).
		{method: "GET", template: "/cluster/notifications/matchers/{name}", specs: notify.NameSpecs, handle: func(s *Sim, c *call) answer.Answer { return s.notifications.Get(c.p.Str("name")) }},
		{method: "POST", template: "/cluster/notifications/matchers", specs: notify.CreateSpecs, handle: func(s *Sim, c *call) answer.Answer { return s.notifications.Create(c.p) }},
		{method: "PUT", template: "/cluster/notifications/matchers/{name}", specs: notify.UpdateSpecs, handle: func(s *Sim, c *call) answer.Answer { return s.notifications.Update(c.p) }},
		{method: "DELETE", template: "/cluster/notifications/matchers/{name}", specs: notify.NameSpecs, handle: func(s *Sim, c *call) answer.Answer { return s.notifications.Delete(c.p.Str("name")) }},
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
