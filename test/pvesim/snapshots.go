package pvesim

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/answer"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/pveconf"
)

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
		s.lockLocked(ct, "snapshot")
		t.commit = func() {
			delete(sn.Conf, "snapstate")
			ct.conf["parent"] = name
			s.unlockLocked(ct)
		}
		t.abort = func() string {
			ct.snaps = slices.DeleteFunc(ct.snaps, func(x *pveconf.Snapshot) bool { return x == sn })
			s.unlockLocked(ct)
			return ""
		}
	}
	return answer.OK(t.upidJSON())
}

func (s *Sim) deleteSnapshot(c *call, ct *container) answer.Answer {
	t, sn, ok := s.startSnapshotTaskLocked(c, ct, "vzdelsnapshot")
	if ok {
		sn.Conf["snapstate"] = "delete"
		s.lockLocked(ct, "snapshot-delete")
		t.commit = func() {
			parent := sn.Conf["parent"]
			ct.snaps = slices.DeleteFunc(ct.snaps, func(x *pveconf.Snapshot) bool { return x == sn })
			relink := func(conf pveconf.Section) {
				if conf["parent"] == sn.Name {
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
			s.unlockLocked(ct)
		}
		t.abort = func() string {
			delete(sn.Conf, "snapstate")
			s.unlockLocked(ct)
			return ""
		}
	}
	return answer.OK(t.upidJSON())
}

func (s *Sim) postRollback(c *call, ct *container) answer.Answer {
	t, sn, ok := s.startSnapshotTaskLocked(c, ct, "vzrollback")
	switch {
	case !ok: // the task has failed already
	case sn.Conf["snapstate"] != "":
		s.failNow(t, fmt.Sprintf("unable to rollback to incomplete snapshot (snapstate = %s)", sn.Conf["snapstate"]))
	default:
		if ct.running {
			t.log = append(t.log, "stopping running container")
			s.setRunningLocked(ct, false)
		}
		s.lockLocked(ct, "rollback")
		start := c.p.Bool("start")
		t.commit = func() {
			conf := sn.Conf.Clone()
			for _, k := range []string{"snaptime", "snapstate", "description"} {
				delete(conf, k)
			}
			if d, ok := ct.conf["description"]; ok {
				conf["description"] = d
			}
			conf["parent"] = sn.Name
			ct.conf = conf
			s.configChangedLocked(ct)
			if start {
				s.setRunningLocked(ct, true)
			}
		}
		t.abort = func() string {
			s.unlockLocked(ct)
			return ""
		}
	}
	return answer.OK(t.upidJSON())
}

// startSnapshotTaskLocked starts a task on the existing snapshot the call
// names (snapname). As in PVE,
// a missing snapshot or a locked container fails the task, not the request;
// ok is false when it did.
func (s *Sim) startSnapshotTaskLocked(c *call, ct *container, typ string) (t *task, sn *pveconf.Snapshot, ok bool) {
	name := c.p.Str("snapname")
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
