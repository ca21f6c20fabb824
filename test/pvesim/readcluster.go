package pvesim

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/answer"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/jsonw"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/pveconf"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/schema"
)

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

func (s *Sim) writeNodeEntry(j *jsonw.Writer, n *simNode, nu nodeUsage, resources bool) {
	j.BeginObject()
	j.KeyStr("id", "node/"+n.name)
	j.KeyStr("node", n.name)
	j.KeyStr("type", "node")
	j.KeyStr("level", "")
	online := s.listedOnline(n)
	if online {
		j.KeyStr("status", "online")
	} else {
		j.KeyStr("status", "offline")
	}
	if resources {
		j.KeyInt("cgroup-mode", 2)
	} else {
		j.KeyStr("ssl_fingerprint", sslFingerprint(n.name))
	}
	j.KeyInt("maxcpu", int64(n.cpus))
	j.KeyUint("maxmem", n.mem)
	j.KeyUint("maxdisk", nodeRootfsSize)
	if online {
		j.KeyFloat("cpu", nu.cpu)
		j.KeyUint("mem", nu.mem)
		j.KeyUint("disk", nodeRootfsSize/5)
		j.KeyInt("uptime", s.nodeUptime(n))
	}
	j.EndObject()
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

func (s *Sim) getNodes(*call) answer.Answer {
	nu := s.nodeUsageLocked()
	j := jsonw.Writer{}
	j.BeginArray()
	for _, n := range s.nodes {
		s.writeNodeEntry(&j, n, nu[n.name], false)
	}
	j.EndArray()
	return answer.OK(j.Bytes())
}

func (s *Sim) getNodeStatus(c *call) answer.Answer {
	n := s.nodeByName[c.p.Str("node")]
	nu := s.nodeUsageLocked()[n.name]
	used := nu.mem
	j := jsonw.Writer{}
	j.BeginObject()
	j.KeyFloat("cpu", nu.cpu)
	j.KeyFloat("wait", 0.0012)
	j.KeyInt("idle", 0)
	j.KeyInt("uptime", int64(s.clock.Now().Sub(n.boot).Seconds()))
	load := strconv.FormatFloat(nu.cpu*float64(n.cpus), 'f', 2, 64)
	j.KeyRaw("loadavg", []byte(`["`+load+`","`+load+`","`+load+`"]`))
	j.Key("cpuinfo")
	j.BeginObject()
	j.KeyInt("cpus", int64(n.cpus))
	j.KeyInt("cores", int64(max(1, n.cpus/2)))
	j.KeyInt("sockets", 1)
	j.KeyStr("model", "pvesim virtual CPU")
	j.KeyStr("mhz", "2999.999")
	j.KeyStr("flags", "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr")
	j.KeyStr("hvm", "1")
	j.KeyInt("user_hz", 100)
	j.EndObject()
	j.Key("memory")
	j.BeginObject()
	j.KeyUint("total", n.mem)
	j.KeyUint("used", used)
	j.KeyUint("free", n.mem-used)
	j.KeyUint("available", n.mem-used)
	j.EndObject()
	j.Key("swap")
	j.BeginObject()
	j.KeyUint("total", 8<<30)
	j.KeyUint("used", 0)
	j.KeyUint("free", 8<<30)
	j.EndObject()
	j.KeyRaw("ksm", []byte(`{"shared":0}`))
	j.KeyRaw("rootfs", []byte(`{"total":107374182400,"used":21474836480,"free":85899345920,"avail":80530636800}`))
	// Per node: proxyto=node makes the node itself answer (pve-manager
	// PVE/API2/Nodes.pm, status).
	krel, kver := n.version.Kernel()
	j.KeyStr("kversion", "Linux "+krel+" "+kver)
	j.Key("current-kernel")
	j.BeginObject()
	j.KeyStr("machine", "x86_64")
	j.KeyStr("release", krel)
	j.KeyStr("sysname", "Linux")
	j.KeyStr("version", kver)
	j.EndObject()
	j.KeyRaw("boot-info", []byte(`{"mode":"efi","secureboot":0}`))
	j.KeyStr("pveversion", "pve-manager/"+n.version.String()+"/"+n.version.RepoID())
	j.EndObject()
	return answer.OK(j.Bytes())
}

func (s *Sim) getClusterStatus(*call) answer.Answer {
	online := 0
	for _, n := range s.nodes {
		if s.listedOnline(n) {
			online++
		}
	}
	j := jsonw.Writer{}
	j.BeginArray()
	j.BeginObject()
	j.KeyStr("type", "cluster")
	j.KeyStr("id", "cluster")
	j.KeyStr("name", "pvesim")
	j.KeyInt("nodes", int64(len(s.nodes)))
	j.KeyBool("quorate", online*2 > len(s.nodes))
	j.KeyInt("version", int64(len(s.nodes)))
	j.EndObject()
	for i, n := range s.nodes {
		j.BeginObject()
		j.KeyStr("type", "node")
		j.KeyStr("id", "node/"+n.name)
		j.KeyStr("name", n.name)
		j.KeyInt("nodeid", int64(n.index))
		j.KeyStr("ip", "127.0.0.1")
		j.KeyBool("online", s.listedOnline(n))
		j.KeyBool("local", i == 0)
		j.KeyStr("level", "")
		j.EndObject()
	}
	j.EndArray()
	return answer.OK(j.Bytes())
}

func (s *Sim) getClusterResources(c *call) answer.Answer {
	typ := c.p.Str("type")
	j := jsonw.Sized(512*len(s.cts) + 4096)
	j.BeginArray()
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
			for _, name := range sortedKeys(pveconf.StorageByID) {
				st := pveconf.StorageByID[name]
				j.BeginObject()
				j.KeyStr("id", "storage/"+n.name+"/"+name)
				j.KeyStr("storage", name)
				j.KeyStr("node", n.name)
				j.KeyStr("type", "storage")
				if s.listedOnline(n) {
					j.KeyStr("status", "available")
					j.KeyUint("disk", st.Size/10)
					j.KeyUint("maxdisk", st.Size)
				} else {
					j.KeyStr("status", "unknown")
				}
				j.KeyStr("plugintype", st.Plugin)
				j.KeyStr("content", "images,rootdir")
				j.KeyBool("shared", st.Shared)
				j.EndObject()
			}
		}
	}
	j.EndArray()
	return answer.OK(j.Bytes())
}

func (s *Sim) writeResourceCT(j *jsonw.Writer, ct *container) {
	n := s.nodeByName[ct.node]
	j.BeginObject()
	j.KeyStr("id", "lxc/"+strconv.Itoa(ct.vmid))
	j.KeyInt("vmid", int64(ct.vmid))
	j.KeyStr("node", ct.node)
	j.KeyStr("type", "lxc")
	if !s.listedOnline(n) {
		// pmxcfs has no fresh stats from the node: no name, no usage.
		j.KeyStr("status", "unknown")
	} else {
		a := ct.alloc
		u := s.usageLocked(ct)
		j.KeyStr("name", ct.name)
		j.KeyStr("status", runState(ct.running))
		j.KeyBool("template", ct.template)
		j.KeyInt("uptime", s.uptime(ct))
		j.KeyFloat("maxcpu", a.CPUs)
		j.KeyFloat("cpu", u.sample.CPU)
		j.KeyUint("maxmem", a.MemoryBytes)
		j.KeyUint("mem", u.sample.Mem)
		j.KeyUint("maxdisk", ct.listedDiskSize())
		j.KeyUint("disk", u.sample.Disk)
		writeCounters(j, u.counters)
	}
	j.KeyStrOmitEmpty("pool", ct.pool)
	j.KeyStrOmitEmpty("tags", ct.tags)
	j.KeyStrOmitEmpty("lock", ct.lock)
	j.EndObject()
}

func (s *Sim) getNextID(c *call) answer.Answer {
	if c.p.Has("vmid") {
		vmid := int(c.p.Int("vmid"))
		if s.cts[vmid] != nil {
			return answer.FailParams(schema.Errors{"vmid": "VM " + strconv.Itoa(vmid) + " already exists"})
		}
		return answer.OK(jsonw.AppendString(nil, strconv.Itoa(vmid)))
	}
	return answer.OK(jsonw.AppendString(nil, strconv.Itoa(s.nextFreeID())))
}

func (s *Sim) nextFreeID() int {
	id := 100
	for s.cts[id] != nil {
		id++
	}
	return id
}
