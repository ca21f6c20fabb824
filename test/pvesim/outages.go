package pvesim

import (
	"fmt"
	"slices"
)

// SetNodeOnline marks a node online or offline at once, as a node the
// cluster already knows to be down: proxied calls for it answer 595,
// listings show it offline and its containers unknown, and its containers'
// RRD gets no samples. Bringing a killed node online revives it.
func (s *Sim) SetNodeOnline(node string, online bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked()
	n := s.nodeByName[node]
	if n == nil {
		return
	}
	if online && n.dead {
		s.reviveLocked(n)
		return
	}
	if online && !n.online {
		n.boot = s.clock.Now()
	}
	n.online = online
	s.setReportingLocked(n, online)
}

// KillNode makes a node die the way a power cut does. From now on every
// proxied call for it answers 595 "Connection refused" with an empty body
// (pveproxy's AnyEvent::HTTP connect failure, pve-http-server
// src/PVE/APIServer/AnyEvent.pm proxy_request) and its containers' RRD gets
// no samples, but /nodes, /cluster/status and /cluster/resources still list
// it online with its last stats until Options.NodeDeathGrace has passed
// (corosync and pmxcfs have not noticed yet); then it is offline and its
// containers unknown, like a node set offline. Its running tasks die
// without finishing, leaving their locks behind. The simulator keeps
// answering unproxied calls as pve1 even when pve1 is killed; a test that
// loses the endpoint itself adds a Fault for every route.
func (s *Sim) KillNode(node string) error {
	return s.changeNode("kill", node, s.killLocked)
}

// killLocked is KillNode's work on a known node; a node that is already
// down has nothing left to lose.
func (s *Sim) killLocked(n *simNode) {
	if n.dead || !n.online {
		return
	}
	s.setReportingLocked(n, false) // first: it drops the usage caches
	n.lastStats = s.nodeUsageLocked()[n.name]
	for _, ct := range s.sortedCTs(n.name) {
		s.usageLocked(ct) // cached now, then frozen while the node is dead
	}
	now := s.clock.Now()
	n.dead, n.diedAt = true, now
	// Its workers die with it: their task logs never get a final line, so
	// PVE reports "unexpected status" (pve-common src/PVE/Tools.pm,
	// upid_read_status), and the config locks they set stay until someone
	// runs pct unlock (pve-guest-common src/PVE/AbstractConfig.pm).
	s.pending = slices.DeleteFunc(s.pending, func(t *task) bool {
		if t.node != n.name {
			return false
		}
		t.done, t.end, t.exit = true, now, "unexpected status"
		return true
	})
}

// ReviveNode brings a killed or offline node back: online at once with a
// fresh uptime. A killed node rebooted, so as after a real power cut only
// its containers with onboot=1 that were running come back (started now)
// and the others are stopped; an offline node's containers keep their state.
func (s *Sim) ReviveNode(node string) error {
	return s.changeNode("revive", node, func(n *simNode) {
		if n.dead || !n.online {
			s.reviveLocked(n)
		}
	})
}

// changeNode runs change on a node under the lock, after the clock's
// pending work has settled; verb names the operation in the error for an
// unknown node.
func (s *Sim) changeNode(verb, node string, change func(n *simNode)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked()
	n := s.nodeByName[node]
	if n == nil {
		return fmt.Errorf("%s %q: %w", verb, node, ErrNoSuchNode)
	}
	change(n)
	return nil
}

func (s *Sim) reviveLocked(n *simNode) {
	rebooted := n.dead
	n.dead, n.online, n.boot = false, true, s.clock.Now()
	for _, ct := range s.sortedCTs(n.name) {
		if rebooted && ct.running {
			// setRunningLocked only acts on a change: stop first, so a
			// container that comes back gets a new pid and start time.
			s.setRunningLocked(ct, false)
			if ct.conf["onboot"] == "1" {
				s.setRunningLocked(ct, true)
			}
		}
	}
	s.setReportingLocked(n, true)
}

// setReportingLocked records whether the node's pvestatd feeds the RRD of
// its containers.
func (s *Sim) setReportingLocked(n *simNode, reporting bool) {
	for _, ct := range s.sortedCTs(n.name) {
		if ct.unreported != !reporting {
			ct.unreported = !reporting
			s.recordAllocLocked(ct)
		}
	}
}
