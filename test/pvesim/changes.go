package pvesim

import (
	"fmt"
	"slices"
)

func (s *Sim) lookup(vmid int) (*container, error) {
	ct := s.cts[vmid]
	if ct == nil {
		return nil, fmt.Errorf("ct %d: %w", vmid, ErrNoSuchContainer)
	}
	return ct, nil
}

// changeContainer runs change on container vmid under the state lock, after
// settling the tasks whose time has come, as every Go-side change does.
func (s *Sim) changeContainer(vmid int, change func(ct *container) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked()
	ct, err := s.lookup(vmid)
	if err != nil {
		return err
	}
	return change(ct)
}

// SetLock sets a container's lock ("" clears it), as vzdump or pct would.
func (s *Sim) SetLock(vmid int, lock string) error {
	return s.SetConfig(vmid, "lock", lock)
}

// SetConfig edits one raw config key behind the controller's back, like an
// admin editing the .conf file; "" removes the key. The digest changes.
func (s *Sim) SetConfig(vmid int, key, value string) error {
	return s.changeContainer(vmid, func(ct *container) error {
		if value == "" {
			delete(ct.conf, key)
		} else {
			ct.conf[key] = value
		}
		s.configChangedLocked(ct)
		return nil
	})
}

// SetProtection sets the protection flag.
func (s *Sim) SetProtection(vmid int, on bool) error {
	v := ""
	if on {
		v = "1"
	}
	return s.SetConfig(vmid, "protection", v)
}

// SetRunning starts or stops a container at once, without a task.
func (s *Sim) SetRunning(vmid int, running bool) error {
	return s.changeContainer(vmid, func(ct *container) error {
		s.setRunningLocked(ct, running)
		return nil
	})
}

// AddContainer adds a container, as if created outside the controller.
func (s *Sim) AddContainer(spec ContainerSpec) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked()
	return s.addContainerLocked(spec)
}

// RemoveContainer removes a container at once, as if destroyed outside the controller.
func (s *Sim) RemoveContainer(vmid int) error {
	return s.changeContainer(vmid, func(*container) error {
		s.dropCTLocked(vmid)
		return nil
	})
}

// MigrateContainer moves a container to node at once (its config is unchanged).
func (s *Sim) MigrateContainer(vmid int, node string) error {
	return s.changeContainer(vmid, func(ct *container) error {
		n := s.nodeByName[node]
		if n == nil {
			return fmt.Errorf("migrate ct %d to %q: %w", vmid, node, ErrNoSuchNode)
		}
		ct.node = node
		s.indexStale = true
		ct.unreported = n.dead || !n.online
		s.configChangedLocked(ct) // cpus may come from the new host
		return nil
	})
}

// Container returns a deep copy of one container's state.
func (s *Sim) Container(vmid int) (ContainerState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked()
	ct := s.cts[vmid]
	if ct == nil {
		return ContainerState{}, false
	}
	st := ContainerState{
		VMID: vmid, Node: ct.node, Config: ct.conf.Clone(), Digest: ct.digest, Lock: ct.conf["lock"],
		Running: ct.running, Usage: s.usageLocked(ct).sample,
	}
	for _, sn := range ct.snaps {
		st.Snapshots = append(st.Snapshots, sn.Name)
	}
	return st, true
}

// ContainerIDs returns every vmid in ascending order.
func (s *Sim) ContainerIDs() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]int, 0, len(s.cts))
	for id := range s.cts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
