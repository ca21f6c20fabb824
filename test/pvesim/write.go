package pvesim

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/answer"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/pveconf"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/schema"
)

func lockedError(ct *container) (answer.Answer, bool) {
	if l := ct.conf["lock"]; l != "" {
		return answer.Internal("CT is locked (%s)", l), true
	}
	return answer.Answer{}, false
}

const digestMismatch = "detected modified configuration - file changed by other user? Try again."

// flockTimeout is how long PVE's lock_config waits for the config flock.
const flockTimeout = 10 * time.Second

// flockBusy reports a resize task holding the config flock for longer than
// lock_config waits for it. A shorter resize would only delay the call in
// PVE, so pvesim lets it through at once.
func (s *Sim) flockBusy(ct *container) (answer.Answer, bool) {
	now := s.clock.Now()
	for _, t := range s.pending {
		if t.typ == "resize" && t.id == strconv.Itoa(ct.vmid) && t.end.Sub(now) > flockTimeout {
			return answer.Internal("can't lock file '/run/lock/lxc/pve-config-%d.lock' - got timeout", ct.vmid), true
		}
	}
	return answer.Answer{}, false
}

// configSetters are the keys PUT config simulates.
var configSetters = []string{"cores", "cpulimit", "cpuunits", "memory", "swap", "description", "hostname", "onboot", "protection", "tags"}

func (s *Sim) putConfig(c *call) answer.Answer {
	set := map[string]string{}
	for _, k := range configSetters {
		if c.p.Has(k) {
			set[k] = c.p.Str(k)
		}
	}
	del := schema.SplitList(c.p.Str("delete"))
	if len(set) == 0 && len(del) == 0 && !c.p.Has("revert") {
		return answer.Internal("no options specified")
	}
	for _, k := range del {
		if _, both := set[k]; both {
			return answer.FailParams(schema.Errors{"delete": fmt.Sprintf("you can't use '-%s' and -delete %s' at the same time", k, k)})
		}
		if !pveconf.KnownOption(k) {
			return answer.FailParams(schema.Errors{"delete": fmt.Sprintf("unknown option '%s'", k)})
		}
	}
	ct, resp, found := s.ctOnNode(c)
	if !found {
		return resp
	}
	if resp, busy := s.flockBusy(ct); busy {
		return resp
	}
	if resp, locked := lockedError(ct); locked {
		return resp
	}
	if d := c.p.Str("digest"); d != "" && d != ct.digest {
		return answer.Internal(digestMismatch)
	}
	for _, k := range del {
		switch k {
		case "memory", "rootfs", "ostype":
			return answer.Internal("unable to delete required option '%s'", k)
		}
		if (strings.HasPrefix(k, "mp") || k == "rootfs") && ct.conf["protection"] == "1" {
			return answer.Internal("can't update CT %d drive '%s' - protection mode enabled", ct.vmid, k)
		}
	}
	for _, k := range del {
		delete(ct.conf, k)
	}
	for k, v := range set {
		switch k {
		case "cores", "memory", "swap", "cpuunits":
			n, _ := strconv.ParseInt(strings.TrimPrefix(v, "+"), 10, 64)
			if k == "cpuunits" {
				n = min(n, 10000) // cgroup v2 cpu.weight range
			}
			v = strconv.FormatInt(n, 10)
		case "tags":
			v = strings.Join(schema.SplitTags(v), ";")
		}
		ct.conf[k] = v
	}
	// Every key pvesim accepts is hot-pluggable on a running CT (cores by
	// "fastplug"), so nothing stays pending.
	s.configChangedLocked(ct)
	return answer.OK(nil)
}

func (s *Sim) putResize(c *call) answer.Answer {
	ct, resp, found := s.ctOnNode(c)
	if !found {
		return resp
	}
	if resp, busy := s.flockBusy(ct); busy {
		return resp
	}
	if resp, locked := lockedError(ct); locked {
		return resp
	}
	if d := c.p.Str("digest"); d != "" && d != ct.digest {
		return answer.Internal(digestMismatch)
	}
	disk := c.p.Str("disk")
	raw, exists := ct.conf[disk]
	if !exists {
		return answer.Internal("disk '%s' does not exist", disk)
	}
	vol := pveconf.ParseVolume(raw)
	sizeArg := c.p.Str("size")
	relative := strings.HasPrefix(sizeArg, "+")
	newSize, valid := pveconf.ParseSize(strings.TrimPrefix(sizeArg, "+"))
	if !valid {
		return answer.FailParams(schema.Errors{"size": "unable to parse size '" + sizeArg + "'"})
	}
	if relative {
		newSize += vol.Size
	}
	if newSize < vol.Size {
		return answer.Internal("unable to shrink disk size")
	}
	if newSize == vol.Size {
		return answer.Internal("disk is already at specified size")
	}
	t := s.startTaskLocked(c, ct.node, "resize", strconv.Itoa(ct.vmid))
	t.log = append(t.log, fmt.Sprintf("  Size of logical volume pve/%s changed from %s to %s.", vol.Name, pveconf.FormatSize(vol.Size), pveconf.FormatSize(newSize)),
		fmt.Sprintf("  Logical volume pve/%s successfully resized.", vol.Name))
	t.commit = func() {
		cur := s.cts[ct.vmid]
		if cur != ct {
			return
		}
		v := pveconf.ParseVolume(ct.conf[disk])
		v.Size = newSize
		ct.conf[disk] = v.String()
		s.configChangedLocked(ct)
	}
	return answer.OK(t.upidJSON())
}

func (s *Sim) postSnapshot(c *call) answer.Answer {
	name := c.p.Str("snapname")
	if name == "current" || name == "vzdump" {
		return answer.Internal("unable to use snapshot name '%s' (reserved name)", name)
	}
	ct, resp, found := s.ctOnNode(c)
	if !found {
		return resp
	}
	t := s.startTaskLocked(c, ct.node, "vzsnapshot", strconv.Itoa(ct.vmid))
	switch {
	case ct.conf["lock"] != "":
		s.failNow(t, fmt.Sprintf("CT is locked (%s)", ct.conf["lock"]))
	case findSnap(ct, name) != nil:
		s.failNow(t, fmt.Sprintf("snapshot name '%s' already used", name))
	case ct.conf["template"] == "1":
		s.failNow(t, "you can't take a snapshot if it's a template")
	default:
		snapConf := ct.conf.Clone()
		delete(snapConf, "lock")
		delete(snapConf, "description")
		snapConf["snapstate"] = "prepare"
		snapConf["snaptime"] = strconv.FormatInt(s.clock.Now().Unix(), 10)
		if d := c.p.Str("description"); d != "" {
			snapConf["description"] = d
		}
		sn := &pveconf.Snapshot{Name: name, Conf: snapConf}
		ct.snaps = append(ct.snaps, sn)
		ct.conf["lock"] = "snapshot"
		s.configChangedLocked(ct)
		t.commit = func() {
			delete(sn.Conf, "snapstate")
			delete(ct.conf, "lock")
			ct.conf["parent"] = name
			s.configChangedLocked(ct)
		}
		t.abort = func() string {
			ct.snaps = slices.DeleteFunc(ct.snaps, func(x *pveconf.Snapshot) bool { return x == sn })
			delete(ct.conf, "lock")
			s.configChangedLocked(ct)
			return ""
		}
	}
	return answer.OK(t.upidJSON())
}

func (s *Sim) deleteSnapshot(c *call) answer.Answer {
	ct, resp, found := s.ctOnNode(c)
	if !found {
		return resp
	}
	name := c.p.Str("snapname")
	t, sn, ok := s.startSnapshotTaskLocked(c, ct, "vzdelsnapshot", name)
	if ok {
		ct.conf["lock"] = "snapshot-delete"
		sn.Conf["snapstate"] = "delete"
		s.configChangedLocked(ct)
		t.commit = func() {
			parent := sn.Conf["parent"]
			ct.snaps = slices.DeleteFunc(ct.snaps, func(x *pveconf.Snapshot) bool { return x == sn })
			relink := func(conf pveconf.Section) {
				if conf["parent"] == name {
					if parent == "" {
						delete(conf, "parent")
					} else {
						conf["parent"] = parent
					}
				}
			}
			relink(ct.conf)
			for _, o := range ct.snaps {
				relink(o.Conf)
			}
			delete(ct.conf, "lock")
			s.configChangedLocked(ct)
		}
		t.abort = func() string {
			delete(ct.conf, "lock")
			delete(sn.Conf, "snapstate")
			s.configChangedLocked(ct)
			return ""
		}
	}
	return answer.OK(t.upidJSON())
}

func (s *Sim) postRollback(c *call) answer.Answer {
	ct, resp, found := s.ctOnNode(c)
	if !found {
		return resp
	}
	name := c.p.Str("snapname")
	t, sn, ok := s.startSnapshotTaskLocked(c, ct, "vzrollback", name)
	switch {
	case !ok: // the task has failed already
	case sn.Conf["snapstate"] != "":
		s.failNow(t, fmt.Sprintf("unable to rollback to incomplete snapshot (snapstate = %s)", sn.Conf["snapstate"]))
	default:
		if ct.running {
			t.log = append(t.log, "stopping running container")
			s.setRunningLocked(ct, false)
		}
		ct.conf["lock"] = "rollback"
		s.configChangedLocked(ct)
		start := c.p.Bool("start")
		t.commit = func() {
			conf := sn.Conf.Clone()
			for _, k := range []string{"snaptime", "snapstate", "description"} {
				delete(conf, k)
			}
			if d, ok := ct.conf["description"]; ok {
				conf["description"] = d
			}
			conf["parent"] = name
			ct.conf = conf
			s.configChangedLocked(ct)
			if start {
				s.setRunningLocked(ct, true)
			}
		}
		t.abort = func() string {
			delete(ct.conf, "lock")
			s.configChangedLocked(ct)
			return ""
		}
	}
	return answer.OK(t.upidJSON())
}

func (s *Sim) postClone(c *call) answer.Answer {
	ct, resp, found := s.ctOnNode(c)
	if !found {
		return resp
	}
	newid := int(c.p.Int("newid"))
	if other := s.cts[newid]; other != nil {
		return answer.Internal("CT %d already exists on node '%s'", newid, other.node)
	}
	if resp, locked := lockedError(ct); locked {
		return resp
	}
	isTemplate := ct.conf["template"] == "1"
	full := !isTemplate
	if c.p.Has("full") {
		full = c.p.Bool("full")
	}
	if c.p.Has("storage") && !full {
		return answer.Internal("parameter 'storage' not allowed for linked clones")
	}
	src := ct.conf
	snapName := c.p.Str("snapname")
	if snapName != "" {
		sn := findSnap(ct, snapName)
		if sn == nil {
			return answer.Internal("snapshot '%s' does not exist", snapName)
		}
		src = sn.Conf
	}
	if full && ct.running && snapName == "" {
		return answer.Internal("Full clone of a running container is only possible from a snapshot")
	}
	vol := pveconf.ParseVolume(src["rootfs"])
	if !full && !isTemplate {
		return answer.Internal("Linked clone feature for '%s:%s' is not available", vol.Storage, vol.Name)
	}
	storage := vol.Storage
	if c.p.Has("storage") {
		storage = c.p.Str("storage")
		if _, known := pveconf.StorageByID[storage]; !known {
			return answer.Internal("storage '%s' does not exist", storage)
		}
	}
	target := ct.node
	if c.p.Has("target") {
		target = c.p.Str("target")
		if s.nodeByName[target] == nil {
			return answer.Internal("no such cluster node '%s'", target)
		}
		if target != ct.node && !pveconf.StorageByID[vol.Storage].Shared {
			return answer.Internal("can't clone CT to node '%s' (CT uses local storage)", target)
		}
	}
	conf := src.Clone()
	for _, k := range []string{"lock", "parent", "snaptime", "snapstate", "template", "description"} {
		delete(conf, k)
	}
	if c.p.Has("hostname") {
		conf["hostname"] = c.p.Str("hostname")
	}
	if c.p.Has("description") {
		conf["description"] = c.p.Str("description")
	}
	if net0, ok := conf["net0"]; ok {
		conf["net0"] = regenerateMAC(net0, newid)
	}
	newVol := pveconf.Volume{Storage: storage, Name: pveconf.VolumeName(storage, newid, 0), Size: vol.Size, Opts: vol.Opts}
	if !full {
		newVol.Name = vol.Name + "/" + newVol.Name
	}
	conf["rootfs"] = newVol.String()
	conf["lock"] = "create"
	clone := &container{vmid: newid, node: target, pool: c.p.Str("pool"), conf: conf, model: ct.model}
	clone.countedTo = s.clock.Now()
	s.putCTLocked(clone)
	s.configChangedLocked(clone)
	ct.conf["lock"] = "disk"
	s.configChangedLocked(ct)

	t := s.startTaskLocked(c, ct.node, "vzclone", strconv.Itoa(ct.vmid))
	t.log = append(t.log, fmt.Sprintf("create full clone of drive rootfs (%s)", src["rootfs"]))
	t.commit = func() {
		delete(clone.conf, "lock")
		s.configChangedLocked(clone)
		delete(ct.conf, "lock")
		s.configChangedLocked(ct)
	}
	t.abort = func() string {
		s.dropCTLocked(newid)
		delete(ct.conf, "lock")
		s.configChangedLocked(ct)
		return "clone failed: " + t.forcedExit
	}
	return answer.OK(t.upidJSON())
}

// regenerateMAC gives a clone its own hwaddr like PVE does.
func regenerateMAC(net string, vmid int) string {
	parts := strings.Split(net, ",")
	for i, p := range parts {
		if strings.HasPrefix(p, "hwaddr=") {
			parts[i] = fmt.Sprintf("hwaddr=BC:24:11:%02X:%02X:%02X", (vmid>>16)&0xff, (vmid>>8)&0xff, vmid&0xff)
		}
	}
	return strings.Join(parts, ",")
}

func (s *Sim) deleteCT(c *call) answer.Answer {
	ct, resp, found := s.ctOnNode(c)
	if !found {
		return resp
	}
	if ct.conf["protection"] == "1" {
		return answer.Internal("can't remove CT %d - protection mode enabled", ct.vmid)
	}
	if resp, locked := lockedError(ct); locked {
		return resp
	}
	if ct.running && !c.p.Bool("force") {
		return answer.Internal("unable to destroy CT %d - container is running", ct.vmid)
	}
	t := s.startTaskLocked(c, ct.node, "vzdestroy", strconv.Itoa(ct.vmid))
	if ct.running {
		s.setRunningLocked(ct, false)
	}
	ct.conf["lock"] = "destroyed"
	s.configChangedLocked(ct)
	t.log = append(t.log, fmt.Sprintf("  Logical volume \"vm-%d-disk-0\" successfully removed.", ct.vmid))
	t.commit = func() {
		if s.cts[ct.vmid] == ct {
			s.dropCTLocked(ct.vmid)
		}
	}
	t.abort = func() string {
		delete(ct.conf, "lock")
		s.configChangedLocked(ct)
		return ""
	}
	return answer.OK(t.upidJSON())
}

// skiplockAllowed: PVE lets only root@pam (not even its tokens) skip locks.
func skiplockAllowed(c *call) (answer.Answer, bool) {
	if c.p.Bool("skiplock") && (c.user != "root@pam" || c.tokenID != "") {
		return answer.FailParams(schema.Errors{"skiplock": "Only root may use this option."}), false
	}
	return answer.Answer{}, true
}

func (s *Sim) postStart(c *call) answer.Answer {
	if resp, allowed := skiplockAllowed(c); !allowed {
		return resp
	}
	ct, resp, found := s.ctOnNode(c)
	if !found {
		return resp
	}
	if !c.p.Bool("skiplock") {
		if resp, locked := lockedError(ct); locked {
			return resp
		}
	}
	if ct.conf["template"] == "1" {
		return answer.Internal("you can't start a CT if it's a template")
	}
	if ct.running {
		return answer.Internal("CT %d already running", ct.vmid)
	}
	t := s.startTaskLocked(c, ct.node, "vzstart", strconv.Itoa(ct.vmid))
	t.commit = func() { s.setRunningLocked(ct, true) }
	return answer.OK(t.upidJSON())
}

func (s *Sim) postStop(c *call) answer.Answer {
	if resp, allowed := skiplockAllowed(c); !allowed {
		return resp
	}
	return s.stopLike(c, "vzstop", !c.p.Bool("skiplock"))
}

func (s *Sim) postShutdown(c *call) answer.Answer { return s.stopLike(c, "vzshutdown", true) }

func (s *Sim) stopLike(c *call, typ string, checkLock bool) answer.Answer {
	ct, resp, found := s.ctOnNode(c)
	if !found {
		return resp
	}
	if checkLock {
		if resp, locked := lockedError(ct); locked {
			return resp
		}
	}
	if !ct.running {
		return answer.Internal("CT %d not running", ct.vmid)
	}
	t := s.startTaskLocked(c, ct.node, typ, strconv.Itoa(ct.vmid))
	t.commit = func() { s.setRunningLocked(ct, false) }
	return answer.OK(t.upidJSON())
}

// startSnapshotTaskLocked starts a task on an existing snapshot. As in PVE,
// a missing snapshot or a locked container fails the task, not the request;
// ok is false when it did.
func (s *Sim) startSnapshotTaskLocked(c *call, ct *container, typ, name string) (t *task, sn *pveconf.Snapshot, ok bool) {
	t = s.startTaskLocked(c, ct.node, typ, strconv.Itoa(ct.vmid))
	sn = findSnap(ct, name)
	switch {
	case sn == nil:
		s.failNow(t, fmt.Sprintf("snapshot '%s' does not exist", name))
	case ct.conf["lock"] != "":
		s.failNow(t, fmt.Sprintf("CT is locked (%s)", ct.conf["lock"]))
	default:
		return t, sn, true
	}
	return t, sn, false
}
