package pvesim

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/answer"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/pveconf"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/schema"
)

func (s *Sim) postClone(c *call, ct *container) answer.Answer {
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
	s.lockLocked(ct, "disk")

	t := s.startTaskLocked(c, ct.node, "vzclone", strconv.Itoa(ct.vmid))
	t.log = append(t.log, fmt.Sprintf("create full clone of drive rootfs (%s)", src["rootfs"]))
	t.commit = func() {
		s.unlockLocked(clone)
		s.unlockLocked(ct)
	}
	t.abort = func() string {
		s.dropCTLocked(newid)
		s.unlockLocked(ct)
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

func (s *Sim) deleteCT(c *call, ct *container) answer.Answer {
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
	s.lockLocked(ct, "destroyed")
	t.log = append(t.log, fmt.Sprintf("  Logical volume \"vm-%d-disk-0\" successfully removed.", ct.vmid))
	t.commit = func() {
		if s.cts[ct.vmid] == ct {
			s.dropCTLocked(ct.vmid)
		}
	}
	t.abort = func() string {
		s.unlockLocked(ct)
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
