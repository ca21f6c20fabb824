package pvesim

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/access"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/notify"
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

	// nodes and nodeByName are fixed by New, and so are a node's name and
	// index; the rest of a node changes under mu.
	nodes      []*simNode
	nodeByName map[string]*simNode

	mu         sync.Mutex
	cts        map[int]*container
	all        []*container            // by vmid; see sortedCTs
	byNode     map[string][]*container // by node, then vmid
	indexStale bool
	tasks      map[string]*task
	pending    []*task       // tasks not yet stopped, in start order
	access     *access.Store // tokens, users, tickets
	faults     []*faultState
	rng        *rand.Rand
	nextPID    uint32
	log        []Request
	// notifications is notifications.cfg (the leader lease's object).
	notifications notify.Config
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
		rng:        rand.New(rand.NewPCG(opts.Seed, 0x9e3779b97f4a7c15)),
	}
	s.nextPID = 0x1000 + uint32(s.rng.IntN(0x10000))
	var err error
	if s.access, err = access.New(opts.Tokens, opts.Users); err != nil {
		return nil, fmt.Errorf("pvesim: %w", err)
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
	out := make([]string, len(s.nodes))
	for i, n := range s.nodes {
		out[i] = n.name
	}
	return out
}
