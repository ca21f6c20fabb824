package pvesim

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/pveversion"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/workload"
)

// Errors of the Go control API.
var (
	ErrNoSuchContainer = errors.New("pvesim: no such container")
	ErrNoSuchNode      = errors.New("pvesim: no such node")
	ErrContainerExists = errors.New("pvesim: container already exists")
)

// pvestatdInterval is how often PVE refreshes guest statistics.
const pvestatdInterval = 10 * time.Second

type simNode struct {
	name    string
	index   int // 1-based
	online  bool
	cpus    int
	mem     uint64
	boot    time.Time
	version pveversion.Version

	// A node killed by KillNode answers nothing from diedAt on, but the
	// cluster lists it online with lastStats until the grace has passed.
	dead      bool
	diedAt    time.Time
	lastStats nodeUsage
}

// Sim is a simulated Proxmox VE cluster. Create it with New; it is safe for
// concurrent use.
type Sim struct {
	opts   Options
	clock  *Clock
	closed chan struct{}
	once   sync.Once

	mu         sync.Mutex
	nodes      []*simNode
	nodeByName map[string]*simNode
	cts        map[int]*container
	all        []*container            // by vmid; see sortedCTs
	byNode     map[string][]*container // by node, then vmid
	indexStale bool
	tasks      map[string]*task
	pending    []*task // tasks not yet stopped, in start order
	tokens     map[string]string
	tickets    map[string]ticket
	faults     []*faultState
	rng        *rand.Rand
	nextPID    uint32
	log        []Request
}

// New builds a cluster from opts (defaults filled in as documented on Options).
func New(opts Options) (*Sim, error) {
	if opts.Nodes <= 0 {
		opts.Nodes = 3
	}
	if opts.Specs == nil && opts.Containers == 0 {
		opts.Containers = 30
	}
	if len(opts.Tokens) == 0 {
		opts.Tokens = []string{"root@pam!test=secret"}
	}
	if opts.TaskDuration == 0 {
		opts.TaskDuration = 2 * time.Second
	}
	if len(opts.NodeThreads) == 0 {
		switch {
		case opts.NodeCPUs > 0:
			opts.NodeThreads = []int{opts.NodeCPUs}
		case opts.Ideal:
			opts.NodeThreads = []int{32}
		default:
			opts.NodeThreads = DefaultNodeThreads
		}
	}
	for i, n := range opts.NodeThreads {
		if n <= 0 {
			return nil, fmt.Errorf("pvesim: NodeThreads[%d] is %d, want at least 1", i, n)
		}
	}
	if opts.NodeMemoryBytes == 0 {
		opts.NodeMemoryBytes = 128 << 30
	}
	if opts.Users != nil {
		opts.Users = maps.Clone(opts.Users) // the caller may keep using its map
	}
	if opts.Start.IsZero() {
		opts.Start = time.Now()
	}
	if opts.NodeDeathGrace < 0 {
		return nil, fmt.Errorf("pvesim: NodeDeathGrace %v: must not be negative", opts.NodeDeathGrace)
	}
	if opts.NodeDeathGrace == 0 {
		opts.NodeDeathGrace = 30 * time.Second
	}
	if len(opts.NodeVersions) > opts.Nodes {
		return nil, fmt.Errorf("pvesim: NodeVersions has %d entries for %d nodes", len(opts.NodeVersions), opts.Nodes)
	}
	versions := make([]pveversion.Version, opts.Nodes)
	for i := range versions {
		v := pveversion.Default
		if i < len(opts.NodeVersions) {
			v = opts.NodeVersions[i]
		}
		pv, err := pveversion.Parse(v)
		if err != nil {
			return nil, fmt.Errorf("pvesim: NodeVersions[%d]: %w", i, err)
		}
		versions[i] = pv
	}
	s := &Sim{
		opts:       opts,
		clock:      newClock(opts.Start, opts.Speed),
		closed:     make(chan struct{}),
		nodeByName: map[string]*simNode{},
		cts:        map[int]*container{},
		tasks:      map[string]*task{},
		tokens:     map[string]string{},
		tickets:    map[string]ticket{},
		rng:        rand.New(rand.NewPCG(opts.Seed, 0x9e3779b97f4a7c15)),
	}
	s.nextPID = 0x1000 + uint32(s.rng.IntN(0x10000))
	for _, t := range opts.Tokens {
		id, secret, ok := strings.Cut(t, "=")
		if !ok || !strings.Contains(id, "@") || !strings.Contains(id, "!") || secret == "" {
			return nil, fmt.Errorf("pvesim: token %q is not USER@REALM!ID=SECRET", redactToken(t))
		}
		s.tokens[id] = secret
	}
	for i := 1; i <= opts.Nodes; i++ {
		n := &simNode{
			name: "pve" + strconv.Itoa(i), index: i, online: true, cpus: opts.NodeThreads[(i-1)%len(opts.NodeThreads)], mem: opts.NodeMemoryBytes,
			boot: opts.Start.Add(-time.Duration(30+i) * 24 * time.Hour), version: versions[i-1],
		}
		s.nodes = append(s.nodes, n)
		s.nodeByName[n.name] = n
	}
	specs := opts.Specs
	if specs == nil {
		specs = s.generateSpecs(opts.Containers)
	}
	for _, sp := range specs {
		if err := s.addContainerLocked(sp); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func redactToken(t string) string {
	id, _, _ := strings.Cut(t, "=")
	return id + "=…"
}

// generateSpecs builds n containers round-robin over the nodes with a seeded
// mix of sizes and workloads.
func (s *Sim) generateSpecs(n int) []ContainerSpec {
	kinds := workload.Kinds()
	out := make([]ContainerSpec, 0, n)
	for i := range n {
		vmid := 100 + i
		node := s.nodes[i%len(s.nodes)].name
		sp := ContainerSpec{
			VMID:      vmid,
			Node:      node,
			Name:      fmt.Sprintf("ct%d", vmid),
			Cores:     []int{1, 1, 2, 2, 4, 8}[s.rng.IntN(6)],
			MemoryMiB: []int{512, 1024, 2048, 4096, 8192}[s.rng.IntN(5)],
			SwapMiB:   512,
			DiskGiB:   float64([]int{8, 16, 32}[s.rng.IntN(3)]),
			Workload:  kinds[s.rng.IntN(len(kinds))],
		}
		// One in ten has a cpulimit (fractional ones exist in the wild),
		// half of those without cores; one in twenty has neither, as pct
		// create leaves it without --cores: every thread of its node.
		switch r := s.rng.IntN(20); {
		case r < 2:
			sp.CPULimit = float64(1+s.rng.IntN(4)) / 2
			if r == 0 {
				sp.Cores = 0
			}
		case r == 2:
			sp.Cores = 0
		}
		// Most root filesystems are on local-lvm, as a default install
		// puts them; the rest spread over the other storage types.
		if s.rng.IntN(3) == 0 {
			sp.Storage = []string{"local", "local-zfs", "san-lvm", "cephpool"}[s.rng.IntN(4)]
		}
		if s.rng.IntN(4) == 0 {
			sp.Tags = []string{"autoscale"}
		}
		if s.rng.IntN(20) == 0 {
			sp.Stopped = true
		}
		out = append(out, sp)
	}
	return out
}

// Close releases requests that hang on a fault. The Sim keeps answering
// other requests.
func (s *Sim) Close() { s.once.Do(func() { close(s.closed) }) }

// Clock returns the simulated clock.
func (s *Sim) Clock() *Clock { return s.clock }

// NodeNames returns the node names in order (pve1..pveN).
func (s *Sim) NodeNames() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.nodes))
	for i, n := range s.nodes {
		out[i] = n.name
	}
	return out
}

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
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked()
	n := s.nodeByName[node]
	if n == nil {
		return fmt.Errorf("kill %q: %w", node, ErrNoSuchNode)
	}
	if n.dead || !n.online {
		return nil
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
	return nil
}

// ReviveNode brings a killed or offline node back: online at once with a
// fresh uptime. A killed node rebooted, so as after a real power cut only
// its containers with onboot=1 that were running come back (started now)
// and the others are stopped; an offline node's containers keep their state.
func (s *Sim) ReviveNode(node string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked()
	n := s.nodeByName[node]
	if n == nil {
		return fmt.Errorf("revive %q: %w", node, ErrNoSuchNode)
	}
	if n.dead || !n.online {
		s.reviveLocked(n)
	}
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

// Requests returns a copy of the request log, oldest first.
func (s *Sim) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.log))
	copy(out, s.log)
	return out
}

// RequestCount returns how many requests the log holds, without copying it.
func (s *Sim) RequestCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.log)
}

// ResetRequests empties the request log.
func (s *Sim) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
}

// maxLog bounds the request log of a long-running demo; tests never reach it.
const maxLog = 100000

func (s *Sim) logRequest(r Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.log) >= maxLog {
		s.log = slices.Delete(s.log, 0, maxLog/10)
	}
	s.log = append(s.log, r)
}
