package pvesim

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/workload"
)

// ctOnNode loads the container of the call, failing like PVE's load_config
// when it does not exist on that node.
func (s *Sim) ctOnNode(c *call) (*container, response, bool) {
	vmid := int(c.p.int("vmid"))
	node := c.p.str("node")
	ct := s.cts[vmid]
	if ct == nil || ct.node != node {
		return nil, internal("Configuration file 'nodes/%s/lxc/%d.conf' does not exist", node, vmid), false
	}
	return ct, response{}, true
}

// getVersion answers as the node the client talks to (pve1, "local" in
// /cluster/status): /version is not proxied (pve-manager PVE/API2.pm).
func (s *Sim) getVersion(*call) response {
	v := s.nodes[0].version
	j := jw{}
	j.beginObj()
	j.ks("release", v.release())
	j.ks("repoid", v.repoID())
	j.ks("version", v.String())
	j.endObj()
	return success(j.b)
}

type nodeUsage struct {
	cpu float64 // fraction of the node's threads
	mem uint64
}

// nodeUsageLocked sums the usage of every running container per node.
func (s *Sim) nodeUsageLocked() map[string]nodeUsage {
	out := make(map[string]nodeUsage, len(s.nodes))
	for _, ct := range s.cts {
		if !ct.running {
			continue
		}
		u := s.usageLocked(ct)
		a := ct.alloc
		nu := out[ct.node]
		nu.cpu += u.sample.CPU * a.CPUs
		nu.mem += u.sample.Mem
		out[ct.node] = nu
	}
	for _, n := range s.nodes {
		nu := out[n.name]
		nu.cpu = min(1, 0.01+nu.cpu/float64(n.cpus))
		nu.mem = min(n.mem, nu.mem+2<<30) // the host itself
		if n.dead {
			nu = n.lastStats // pmxcfs keeps the last broadcast of a dead node
		}
		out[n.name] = nu
	}
	return out
}

// listedOnline is the node's state as pmxcfs and corosync see it, which
// /nodes, /cluster/status and /cluster/resources report: a killed node is
// still online until Options.NodeDeathGrace has passed.
func (s *Sim) listedOnline(n *simNode) bool {
	if n.dead && n.online {
		return s.clock.Now().Before(n.diedAt.Add(s.opts.NodeDeathGrace))
	}
	return n.online
}

// nodeUptime stops at the death of a killed node: its last broadcast.
func (s *Sim) nodeUptime(n *simNode) int64 {
	now := s.clock.Now()
	if n.dead {
		now = n.diedAt
	}
	return int64(now.Sub(n.boot).Seconds())
}

const nodeRootfsSize = 100 << 30

func (s *Sim) writeNodeEntry(j *jw, n *simNode, nu nodeUsage, resources bool) {
	j.beginObj()
	j.ks("id", "node/"+n.name)
	j.ks("node", n.name)
	j.ks("type", "node")
	j.ks("level", "")
	online := s.listedOnline(n)
	if online {
		j.ks("status", "online")
	} else {
		j.ks("status", "offline")
	}
	if resources {
		j.ki("cgroup-mode", 2)
	} else {
		j.ks("ssl_fingerprint", sslFingerprint(n.name))
	}
	j.ki("maxcpu", int64(n.cpus))
	j.ku("maxmem", n.mem)
	j.ku("maxdisk", nodeRootfsSize)
	if online {
		j.kf("cpu", nu.cpu)
		j.ku("mem", nu.mem)
		j.ku("disk", nodeRootfsSize/5)
		j.ki("uptime", s.nodeUptime(n))
	}
	j.endObj()
}

// sslFingerprint is a stable made-up certificate fingerprint per node, in
// PVE's colon-separated upper-case hex.
func sslFingerprint(node string) string {
	sum := sha256.Sum256([]byte("pvesim certificate of " + node))
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = strings.ToUpper(hex.EncodeToString([]byte{b}))
	}
	return strings.Join(parts, ":")
}

func (s *Sim) getNodes(*call) response {
	nu := s.nodeUsageLocked()
	j := jw{}
	j.beginArr()
	for _, n := range s.nodes {
		s.writeNodeEntry(&j, n, nu[n.name], false)
	}
	j.endArr()
	return success(j.b)
}

func (s *Sim) getNodeStatus(c *call) response {
	n := s.nodeByName[c.p.str("node")]
	nu := s.nodeUsageLocked()[n.name]
	used := nu.mem
	j := jw{}
	j.beginObj()
	j.kf("cpu", nu.cpu)
	j.kf("wait", 0.0012)
	j.ki("idle", 0)
	j.ki("uptime", int64(s.clock.Now().Sub(n.boot).Seconds()))
	load := strconv.FormatFloat(nu.cpu*float64(n.cpus), 'f', 2, 64)
	j.kraw("loadavg", []byte(`["`+load+`","`+load+`","`+load+`"]`))
	j.key("cpuinfo")
	j.beginObj()
	j.ki("cpus", int64(n.cpus))
	j.ki("cores", int64(max(1, n.cpus/2)))
	j.ki("sockets", 1)
	j.ks("model", "pvesim virtual CPU")
	j.ks("mhz", "2999.999")
	j.ks("flags", "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr")
	j.ks("hvm", "1")
	j.ki("user_hz", 100)
	j.endObj()
	j.key("memory")
	j.beginObj()
	j.ku("total", n.mem)
	j.ku("used", used)
	j.ku("free", n.mem-used)
	j.ku("available", n.mem-used)
	j.endObj()
	j.key("swap")
	j.beginObj()
	j.ku("total", 8<<30)
	j.ku("used", 0)
	j.ku("free", 8<<30)
	j.endObj()
	j.kraw("ksm", []byte(`{"shared":0}`))
	j.kraw("rootfs", []byte(`{"total":107374182400,"used":21474836480,"free":85899345920,"avail":80530636800}`))
	// Per node: proxyto=node makes the node itself answer (pve-manager
	// PVE/API2/Nodes.pm, status).
	krel, kver := n.version.kernel()
	j.ks("kversion", "Linux "+krel+" "+kver)
	j.key("current-kernel")
	j.beginObj()
	j.ks("machine", "x86_64")
	j.ks("release", krel)
	j.ks("sysname", "Linux")
	j.ks("version", kver)
	j.endObj()
	j.kraw("boot-info", []byte(`{"mode":"efi","secureboot":0}`))
	j.ks("pveversion", "pve-manager/"+n.version.String()+"/"+n.version.repoID())
	j.endObj()
	return success(j.b)
}

func (s *Sim) getClusterStatus(*call) response {
	online := 0
	for _, n := range s.nodes {
		if s.listedOnline(n) {
			online++
		}
	}
	j := jw{}
	j.beginArr()
	j.beginObj()
	j.ks("type", "cluster")
	j.ks("id", "cluster")
	j.ks("name", "pvesim")
	j.ki("nodes", int64(len(s.nodes)))
	j.kb("quorate", online*2 > len(s.nodes))
	j.ki("version", int64(len(s.nodes)))
	j.endObj()
	for i, n := range s.nodes {
		j.beginObj()
		j.ks("type", "node")
		j.ks("id", "node/"+n.name)
		j.ks("name", n.name)
		j.ki("nodeid", int64(n.index))
		j.ks("ip", "127.0.0.1")
		j.kb("online", s.listedOnline(n))
		j.kb("local", i == 0)
		j.ks("level", "")
		j.endObj()
	}
	j.endArr()
	return success(j.b)
}

func (s *Sim) getClusterResources(c *call) response {
	typ := c.p.str("type")
	j := jw{b: make([]byte, 0, 512*len(s.cts)+4096)}
	j.beginArr()
	if typ == "" || typ == "vm" {
		for _, ct := range s.sortedCTs("") {
			s.writeResourceCT(&j, ct)
		}
	}
	if typ == "" || typ == "node" {
		nu := s.nodeUsageLocked()
		for _, n := range s.nodes {
			s.writeNodeEntry(&j, n, nu[n.name], true)
		}
	}
	if typ == "" || typ == "storage" {
		for _, n := range s.nodes {
			for _, name := range sortedKeys(storages) {
				st := storages[name]
				j.beginObj()
				j.ks("id", "storage/"+n.name+"/"+name)
				j.ks("storage", name)
				j.ks("node", n.name)
				j.ks("type", "storage")
				if s.listedOnline(n) {
					j.ks("status", "available")
					j.ku("disk", st.size/10)
					j.ku("maxdisk", st.size)
				} else {
					j.ks("status", "unknown")
				}
				j.ks("plugintype", st.plugin)
				j.ks("content", "images,rootdir")
				j.kb("shared", st.shared)
				j.endObj()
			}
		}
	}
	j.endArr()
	return success(j.b)
}

func (s *Sim) writeResourceCT(j *jw, ct *container) {
	n := s.nodeByName[ct.node]
	j.beginObj()
	j.ks("id", "lxc/"+strconv.Itoa(ct.vmid))
	j.ki("vmid", int64(ct.vmid))
	j.ks("node", ct.node)
	j.ks("type", "lxc")
	if !s.listedOnline(n) {
		// pmxcfs has no fresh stats from the node: no name, no usage.
		j.ks("status", "unknown")
	} else {
		a := ct.alloc
		u := s.usageLocked(ct)
		j.ks("name", ct.name)
		j.ks("status", runState(ct.running))
		j.kb("template", ct.template)
		j.ki("uptime", s.uptime(ct))
		j.kf("maxcpu", a.CPUs)
		j.kf("cpu", u.sample.CPU)
		j.ku("maxmem", a.MemoryBytes)
		j.ku("mem", u.sample.Mem)
		j.ku("maxdisk", ct.listedDiskSize())
		j.ku("disk", u.sample.Disk)
		j.ku("netin", u.counters.NetIn)
		j.ku("netout", u.counters.NetOut)
		j.ku("diskread", u.counters.DiskRead)
		j.ku("diskwrite", u.counters.DiskWrite)
	}
	if ct.pool != "" {
		j.ks("pool", ct.pool)
	}
	if ct.tags != "" {
		j.ks("tags", ct.tags)
	}
	if ct.lock != "" {
		j.ks("lock", ct.lock)
	}
	j.endObj()
}

func runState(running bool) string {
	if running {
		return "running"
	}
	return "stopped"
}

func (s *Sim) getNextID(c *call) response {
	if c.p.has("vmid") {
		vmid := int(c.p.int("vmid"))
		if s.cts[vmid] != nil {
			return failParams(paramError{"vmid": "VM " + strconv.Itoa(vmid) + " already exists"})
		}
		return success(appendJSONString(nil, strconv.Itoa(vmid)))
	}
	return success(appendJSONString(nil, strconv.Itoa(s.nextFreeID())))
}

func (s *Sim) nextFreeID() int {
	id := 100
	for s.cts[id] != nil {
		id++
	}
	return id
}

// writeCTStatus writes one PVE::LXC::vmstatus entry (lxc list, status/current).
func (s *Sim) writeCTStatus(j *jw, ct *container, current bool) {
	a := ct.alloc
	u := s.usageLocked(ct)
	version := s.nodeByName[ct.node].version
	j.beginObj()
	if version.vmidIsString() {
		j.ks("vmid", strconv.Itoa(ct.vmid))
	} else {
		j.ki("vmid", int64(ct.vmid))
	}
	j.ks("name", ct.name)
	j.ks("status", runState(ct.running))
	j.ks("type", "lxc")
	if ct.cpusFromLimit {
		j.ks("cpus", ct.cpusRaw) // from the config file, so a string
	} else {
		j.key("cpus")
		j.raw([]byte(ct.cpusRaw))
	}
	j.kf("cpu", u.sample.CPU)
	j.ku("mem", u.sample.Mem)
	j.ku("maxmem", a.MemoryBytes)
	j.ku("swap", u.sample.Swap)
	j.ku("maxswap", a.SwapBytes)
	j.ku("disk", u.sample.Disk)
	j.ku("maxdisk", ct.listedDiskSize())
	j.ku("netin", u.counters.NetIn)
	j.ku("netout", u.counters.NetOut)
	j.ku("diskread", u.counters.DiskRead)
	j.ku("diskwrite", u.counters.DiskWrite)
	j.ki("uptime", s.uptime(ct))
	if ct.running {
		j.ki("pid", int64(ct.pid))
	}
	if ct.running && version.hasPSI() {
		j.kf("pressurecpusome", u.sample.PressureCPUSome)
		j.kf("pressurecpufull", u.sample.PressureCPUFull)
		j.kf("pressureiosome", u.sample.PressureIOSome)
		j.kf("pressureiofull", u.sample.PressureIOFull)
		j.kf("pressurememorysome", u.sample.PressureMemorySome)
		j.kf("pressurememoryfull", u.sample.PressureMemoryFull)
	}
	if ct.tags != "" {
		j.ks("tags", ct.tags)
	}
	if ct.lock != "" {
		j.ks("lock", ct.lock)
	}
	if ct.template {
		j.ki("template", 1)
	}
	if current {
		j.kraw("ha", []byte(`{"managed":0}`))
	}
	j.endObj()
}

func (s *Sim) getLXCList(c *call) response {
	cts := s.sortedCTs(c.p.str("node"))
	j := jw{b: make([]byte, 0, 640*len(cts)+16)}
	j.beginArr()
	for _, ct := range cts {
		s.writeCTStatus(&j, ct, false)
	}
	j.endArr()
	return success(j.b)
}

func (s *Sim) getStatusCurrent(c *call) response {
	ct, resp, found := s.ctOnNode(c)
	if !found {
		return resp
	}
	j := jw{}
	s.writeCTStatus(&j, ct, true)
	return success(j.b)
}

// writeConfig renders config keys with PVE's value types.
func writeConfig(j *jw, conf ctConfig, skip ...string) {
	for _, k := range sortedKeys(conf) {
		if slices.Contains(skip, k) {
			continue
		}
		v := conf[k]
		switch configKinds[k] {
		case kindInteger, kindBoolean:
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				j.ki(k, n)
				continue
			}
		}
		j.ks(k, v)
	}
}

func (s *Sim) getConfig(c *call) response {
	ct, resp, found := s.ctOnNode(c)
	if !found {
		return resp
	}
	conf := ct.conf
	if c.p.has("snapshot") {
		if c.p.has("current") {
			return failParams(paramError{"snapshot": "cannot use 'snapshot' parameter with 'current'", "current": "cannot use 'snapshot' parameter with 'current'"})
		}
		sn := findSnap(ct, c.p.str("snapshot"))
		if sn == nil {
			return internal("snapshot '%s' does not exist", c.p.str("snapshot"))
		}
		conf = sn.conf
	}
	j := jw{}
	j.beginObj()
	writeConfig(&j, conf, "snapstate", "snaptime")
	j.ks("digest", ct.digest)
	j.endObj()
	return success(j.b)
}

func findSnap(ct *container, name string) *snapshot {
	for _, sn := range ct.snaps {
		if sn.name == name {
			return sn
		}
	}
	return nil
}

func (s *Sim) getSnapshots(c *call) response {
	ct, resp, found := s.ctOnNode(c)
	if !found {
		return resp
	}
	j := jw{}
	j.beginArr()
	for _, sn := range ct.snaps {
		j.beginObj()
		j.ks("name", sn.name)
		t, _ := strconv.ParseInt(sn.conf["snaptime"], 10, 64)
		j.ki("snaptime", t)
		j.ks("description", sn.conf["description"])
		if p := sn.conf["parent"]; p != "" {
			j.ks("parent", p)
		}
		if st := sn.conf["snapstate"]; st != "" {
			j.ks("snapstate", st)
		}
		j.endObj()
	}
	j.beginObj()
	j.ks("name", "current")
	j.ks("digest", ct.digest)
	j.kb("running", ct.running)
	j.ks("description", "You are here!")
	if p := ct.conf["parent"]; p != "" {
		j.ks("parent", p)
	}
	j.endObj()
	j.endArr()
	return success(j.b)
}

// getRRDData copies what it needs under the lock and builds the rows after,
// so a year of history never blocks other requests.
//
// rrddata is not proxied: the node the client talks to (pve1) reads its own
// copy of the RRD files, so its version decides the layout. The pressure
// data sources are only filled when the container's node collects them.
func (s *Sim) getRRDData(c *call) response {
	vmid := int(c.p.int("vmid"))
	local := s.nodes[0].version
	ct := s.cts[vmid]
	if ct == nil {
		return internal("RRD error: mmaping file '/var/lib/rrdcached/db/%s': No such file or directory", local.rrdFile(vmid))
	}
	model := ct.model
	hist := slices.Clone(ct.history)
	view := &container{history: hist}
	q := workload.Query{
		Now: s.clock.Now(), Timeframe: c.p.str("timeframe"), CF: c.p.str("cf"),
		Legacy: !local.newRRDLayout(), NoPSI: !s.nodeByName[ct.node].version.hasPSI(),
		Unreported: view.unreportedAt,
	}
	if q.CF == "" {
		q.CF = "AVERAGE"
	}
	return response{later: func() response {
		rows, err := workload.HistoryQuery(model, view.allocationAt, q)
		if err != nil {
			return internal("RRD error: %v", err)
		}
		j := jw{b: make([]byte, 0, 256*len(rows)+2)}
		j.beginArr()
		for _, r := range rows {
			j.beginObj()
			j.ki("time", r.Time)
			for _, k := range sortedKeys(r.Values) {
				j.kf(k, r.Values[k])
			}
			j.endObj()
		}
		j.endArr()
		return success(j.b)
	}}
}
