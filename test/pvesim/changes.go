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

// SetLock sets a container's lock ("" clears it), as vzdump or pct would.
func (s *Sim) SetLock(vmid int, lock string) error {
	return s.SetConfig(vmid, "lock", lock)
}

// SetConfig edits one raw config key behind the controller's back, like an
// admin editing the .conf file; "" removes the key. The digest changes.
func (s *Sim) SetConfig(vmid int, key, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked()
	ct, err := s.lookup(vmid)
	if err != nil {
		return err
	}
	if value == "" {
		delete(ct.conf, key)
	} else {
		ct.conf[key] = value
	}
	s.configChangedLocked(ct)
	return nil
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
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked()
	ct, err := s.lookup(vmid)
	if err != nil {
		return err
	}
	s.setRunningLocked(ct, running)
	return nil
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
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked()
	if _, err := s.lookup(vmid); err != nil {
		return err
	}
	s.dropCTLocked(vmid)
	return nil
}

// MigrateContainer moves a container to node at once (its config is unchanged).
func (s *Sim) MigrateContainer(vmid int, node string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked()
	ct, err := s.lookup(vmid)
	if err != nil {
		return err
	}
	if s.nodeByName[node] == nil {
		return fmt.Errorf("migrate ct %d to %q: %w", vmid, node, ErrNoSuchNode)
	}
	ct.node = node
	s.indexStale = true
	n := s.nodeByName[node]
	ct.unreported = n.dead || !n.online
	s.configChangedLocked(ct) // cpus may come from the new host
	return nil
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
