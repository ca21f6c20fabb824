package pvesim

import (
	"slices"
	"strconv"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/answer"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/jsonw"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/pveconf"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/schema"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/workload"
)

// ctOnNode loads the container of the call, failing like PVE's load_config
// when it does not exist on that node.
func (s *Sim) ctOnNode(c *call) (*container, answer.Answer, bool) {
	vmid := int(c.p.Int("vmid"))
	node := c.p.Str("node")
	ct := s.cts[vmid]
	if ct == nil || ct.node != node {
		return nil, answer.Internal("Configuration file 'nodes/%s/lxc/%d.conf' does not exist", node, vmid), false
	}
	return ct, answer.Answer{}, true
}

// onCT adapts the handler of a route about one existing container: it gets
// the container the path names, and the request fails as in PVE when that
// node has none. Handlers that refuse some requests before loading the
// config (postSnapshot's reserved names, skiplock by another user than
// root@pam) call ctOnNode themselves, in PVE's order.
func onCT(h func(s *Sim, c *call, ct *container) answer.Answer) func(*Sim, *call) answer.Answer {
	return func(s *Sim, c *call) answer.Answer {
		ct, resp, found := s.ctOnNode(c)
		if !found {
			return resp
		}
		return h(s, c, ct)
	}
}

// getVersion answers as the node the client talks to (pve1, "local" in
// /cluster/status): /version is not proxied (pve-manager PVE/API2.pm).
func (s *Sim) getVersion(*call) answer.Answer {
	v := s.nodes[0].version
	j := jsonw.Writer{}
	j.BeginObject()
	j.KeyStr("release", v.Release())
	j.KeyStr("repoid", v.RepoID())
	j.KeyStr("version", v.String())
	j.EndObject()
	return answer.OK(j.Bytes())
}

func runState(running bool) string {
	if running {
		return "running"
	}
	return "stopped"
}

// writeCTStatus writes one PVE::LXC::vmstatus entry (lxc list, status/current).
func (s *Sim) writeCTStatus(j *jsonw.Writer, ct *container, current bool) {
	a := ct.alloc
	u := s.usageLocked(ct)
	version := s.nodeByName[ct.node].version
	j.BeginObject()
	if version.VMIDIsString() {
		j.KeyStr("vmid", strconv.Itoa(ct.vmid))
	} else {
		j.KeyInt("vmid", int64(ct.vmid))
	}
	j.KeyStr("name", ct.name)
	j.KeyStr("status", runState(ct.running))
	j.KeyStr("type", "lxc")
	if ct.cpusFromLimit {
		j.KeyStr("cpus", ct.cpusRaw) // from the config file, so a string
	} else {
		j.Key("cpus")
		j.Raw([]byte(ct.cpusRaw))
	}
	j.KeyFloat("cpu", u.sample.CPU)
	j.KeyUint("mem", u.sample.Mem)
	j.KeyUint("maxmem", a.MemoryBytes)
	j.KeyUint("swap", u.sample.Swap)
	j.KeyUint("maxswap", a.SwapBytes)
	j.KeyUint("disk", u.sample.Disk)
	j.KeyUint("maxdisk", ct.listedDiskSize())
	writeCounters(j, u.counters)
	j.KeyInt("uptime", s.uptime(ct))
	if ct.running {
		j.KeyInt("pid", int64(ct.pid))
	}
	if ct.running && version.HasPSI() {
		j.KeyFloat("pressurecpusome", u.sample.PressureCPUSome)
		j.KeyFloat("pressurecpufull", u.sample.PressureCPUFull)
		j.KeyFloat("pressureiosome", u.sample.PressureIOSome)
		j.KeyFloat("pressureiofull", u.sample.PressureIOFull)
		j.KeyFloat("pressurememorysome", u.sample.PressureMemorySome)
		j.KeyFloat("pressurememoryfull", u.sample.PressureMemoryFull)
	}
	j.KeyStrOmitEmpty("tags", ct.tags)
	j.KeyStrOmitEmpty("lock", ct.lock)
	if ct.template {
		j.KeyInt("template", 1)
	}
	if current {
		j.KeyRaw("ha", []byte(`{"managed":0}`))
	}
	j.EndObject()
}

// writeCounters writes a container's I/O counters (bytes since start),
// which vmstatus (pve-container src/PVE/LXC.pm) and /cluster/resources
// (pve-manager PVE/API2/Cluster.pm, extract_vm_stats of the pmxcfs RRD
// broadcast) both list under these names.
func writeCounters(j *jsonw.Writer, c workload.Counters) {
	j.KeyUint("netin", c.NetIn)
	j.KeyUint("netout", c.NetOut)
	j.KeyUint("diskread", c.DiskRead)
	j.KeyUint("diskwrite", c.DiskWrite)
}

func (s *Sim) getLXCList(c *call) answer.Answer {
	cts := s.sortedCTs(c.p.Str("node"))
	j := jsonw.Sized(640*len(cts) + 16)
	j.BeginArray()
	for _, ct := range cts {
		s.writeCTStatus(&j, ct, false)
	}
	j.EndArray()
	return answer.OK(j.Bytes())
}

func (s *Sim) getStatusCurrent(c *call, ct *container) answer.Answer {
	j := jsonw.Writer{}
	s.writeCTStatus(&j, ct, true)
	return answer.OK(j.Bytes())
}

func (s *Sim) getConfig(c *call, ct *container) answer.Answer {
	conf := ct.conf
	if c.p.Has("snapshot") {
		if c.p.Has("current") {
			return answer.FailParams(schema.Errors{"snapshot": "cannot use 'snapshot' parameter with 'current'", "current": "cannot use 'snapshot' parameter with 'current'"})
		}
		sn := findSnap(ct, c.p.Str("snapshot"))
		if sn == nil {
			return answer.Internal("snapshot '%s' does not exist", c.p.Str("snapshot"))
		}
		conf = sn.Conf
	}
	j := jsonw.Writer{}
	j.BeginObject()
	pveconf.WriteJSON(&j, conf, "snapstate", "snaptime")
	j.KeyStr("digest", ct.digest)
	j.EndObject()
	return answer.OK(j.Bytes())
}

func findSnap(ct *container, name string) *pveconf.Snapshot {
	for _, sn := range ct.snaps {
		if sn.Name == name {
			return sn
		}
	}
	return nil
}

func (s *Sim) getSnapshots(c *call, ct *container) answer.Answer {
	j := jsonw.Writer{}
	j.BeginArray()
	for _, sn := range ct.snaps {
		j.BeginObject()
		j.KeyStr("name", sn.Name)
		t, _ := strconv.ParseInt(sn.Conf["snaptime"], 10, 64)
		j.KeyInt("snaptime", t)
		j.KeyStr("description", sn.Conf["description"])
		if p := sn.Conf["parent"]; p != "" {
			j.KeyStr("parent", p)
		}
		if st := sn.Conf["snapstate"]; st != "" {
			j.KeyStr("snapstate", st)
		}
		j.EndObject()
	}
	j.BeginObject()
	j.KeyStr("name", "current")
	j.KeyStr("digest", ct.digest)
	j.KeyBool("running", ct.running)
	j.KeyStr("description", "You are here!")
	if p := ct.conf["parent"]; p != "" {
		j.KeyStr("parent", p)
	}
	j.EndObject()
	j.EndArray()
	return answer.OK(j.Bytes())
}

// getRRDData copies what it needs under the lock and builds the rows after,
// so a year of history never blocks other requests.
//
// rrddata is not proxied: the node the client talks to (pve1) reads its own
// copy of the RRD files, so its version decides the layout. The pressure
// data sources are only filled when the container's node collects them.
func (s *Sim) getRRDData(c *call) answer.Answer {
	vmid := int(c.p.Int("vmid"))
	local := s.nodes[0].version
	ct := s.cts[vmid]
	if ct == nil {
		return answer.Internal("RRD error: mmaping file '/var/lib/rrdcached/db/%s': No such file or directory", local.RRDFile(vmid))
	}
	model := ct.model
	hist := slices.Clone(ct.history)
	view := &container{history: hist}
	q := workload.Query{
		Now: s.clock.Now(), Timeframe: c.p.Str("timeframe"), CF: c.p.Str("cf"),
		Legacy: !local.NewRRDLayout(), NoPSI: !s.nodeByName[ct.node].version.HasPSI(),
		Unreported: view.unreportedAt,
	}
	if q.CF == "" {
		q.CF = "AVERAGE"
	}
	return answer.Answer{Later: func() answer.Answer {
		rows, err := workload.HistoryQuery(model, view.allocationAt, q)
		if err != nil {
			return answer.Internal("RRD error: %v", err)
		}
		j := jsonw.Sized(256*len(rows) + 2)
		j.BeginArray()
		for _, r := range rows {
			j.BeginObject()
			j.KeyInt("time", r.Time)
			for _, k := range sortedKeys(r.Values) {
				j.KeyFloat(k, r.Values[k])
			}
			j.EndObject()
		}
		j.EndArray()
		return answer.OK(j.Bytes())
	}}
}
