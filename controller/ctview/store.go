package ctview

import (
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lxc-autoscale/lxc-autoscale/controller/labelcache"
)

// Values are one container's figures after a pass, in base units.
type Values struct {
	VMID int
	Node string
	// Cores and MemoryBytes are the allocation.
	Cores       int
	MemoryBytes uint64
	// CPUCores is the usage in cores (utilisation times the allocation);
	// MemoryUsedBytes the memory in use. HasUsage is false before the
	// first sample (a stopped container has usage 0, not none).
	CPUCores        float64
	MemoryUsedBytes uint64
	HasUsage        bool
	// RecommendedCores and RecommendedMemoryBytes are what the latest
	// decision wants; the allocation when it wants no change.
	RecommendedCores       int
	RecommendedMemoryBytes uint64
}

// gauge indexes the per-container vectors.
type gauge int

const (
	allocCores gauge = iota
	allocMemory
	usedCores
	usedMemory
	recCores
	recMemory
	numGauges
)

// series is one container's kept gauge children, the values they show
// and its history.
type series struct {
	node     string
	children [numGauges]prometheus.Gauge
	shown    [numGauges]float64
	set      [numGauges]bool
	history  ring
}

// Store holds the per-container gauges and histories.
type Store struct {
	vecs  [numGauges]*prometheus.GaugeVec
	cache labelcache.Cache[int, *series]
	// mu guards each series' fields (its node, shown values and history);
	// the cache guards the map of them.
	mu sync.Mutex

	nodeUp    *prometheus.GaugeVec // node
	nodesMu   sync.Mutex
	nodesSeen map[string]bool
}

// New builds the gauges and registers them on reg (nil: not registered).
func New(reg prometheus.Registerer) (*Store, error) {
	s := &Store{nodeUp: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "lxc_autoscale", Name: "node_up",
		Help: "1 when a node was online and its containers were listed in the latest pass, 0 when it was offline or its listing failed."}, []string{"node"})}
	if reg != nil {
		if err := reg.Register(s.nodeUp); err != nil {
			return nil, err
		}
	}
	for g, o := range [numGauges]struct{ name, help string }{
		allocCores:  {"container_cores", "Cores allocated to each container."},
		allocMemory: {"container_memory_bytes", "Memory limit of each container."},
		usedCores:   {"container_cpu_used_cores", "CPU in use by each container, in cores: its utilisation of the allocated cores times the cores."},
		usedMemory:  {"container_memory_used_bytes", "Memory in use by each container."},
		recCores:    {"container_recommended_cores", "Cores the latest decision wants for each container: its allocation when it wants no change."},
		recMemory:   {"container_recommended_memory_bytes", "Memory limit the latest decision wants for each container: its allocation when it wants no change."},
	} {
		s.vecs[g] = prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "lxc_autoscale", Name: o.name, Help: o.help}, []string{"vmid", "node"})
		if reg != nil {
			if err := reg.Register(s.vecs[g]); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

// Set records a container's values of a pass ending at now. A gauge is
// written only when its value changed; a container that moved to another
// node has its series of the old node removed.
func (s *Store) Set(now time.Time, v Values) {
	sr := s.cache.Get(v.VMID, func() *series { return &series{} })
	s.mu.Lock()
	defer s.mu.Unlock()
	if sr.node != v.Node {
		s.deleteSeries(v.VMID, sr)
		sr.node, sr.children, sr.set = v.Node, [numGauges]prometheus.Gauge{}, [numGauges]bool{}
	}
	s.show(v.VMID, sr, allocCores, float64(v.Cores))
	s.show(v.VMID, sr, allocMemory, float64(v.MemoryBytes))
	s.show(v.VMID, sr, recCores, float64(v.RecommendedCores))
	s.show(v.VMID, sr, recMemory, float64(v.RecommendedMemoryBytes))
	if v.HasUsage {
		s.show(v.VMID, sr, usedCores, v.CPUCores)
		s.show(v.VMID, sr, usedMemory, float64(v.MemoryUsedBytes))
		cpu, mem := -1.0, -1.0
		if v.Cores > 0 {
			cpu = v.CPUCores / float64(v.Cores)
		}
		if v.MemoryBytes > 0 {
			mem = float64(v.MemoryUsedBytes) / float64(v.MemoryBytes)
		}
		sr.history.add(now, cpu, mem)
	}
}

// show sets a gauge that changed, making its child the first time; s.mu
// is held.
func (s *Store) show(vmid int, sr *series, g gauge, value float64) {
	if sr.set[g] && sr.shown[g] == value {
		return
	}
	if sr.children[g] == nil {
		sr.children[g] = s.vecs[g].WithLabelValues(strconv.Itoa(vmid), sr.node)
	}
	sr.children[g].Set(value)
	sr.shown[g], sr.set[g] = value, true
}

// Forget removes a container's series and history.
func (s *Store) Forget(vmid int) {
	sr, ok := s.cache.Lookup(vmid)
	if !ok {
		return
	}
	s.cache.Drop(vmid)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deleteSeries(vmid, sr)
}

// deleteSeries removes the series of sr's node; s.mu is held.
func (s *Store) deleteSeries(vmid int, sr *series) {
	if sr.node == "" {
		return
	}
	id := strconv.Itoa(vmid)
	for g := range numGauges {
		s.vecs[g].DeleteLabelValues(id, sr.node)
	}
}

// History returns a container's last hour of per-minute usage ending at
// the minute of now; false when nothing is known of it.
func (s *Store) History(vmid int, now time.Time) (History, bool) {
	sr, ok := s.cache.Lookup(vmid)
	if !ok {
		return History{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return sr.history.read(now), true
}

// SetNodes sets each node's up gauge from a pass's nodes and removes the
// gauges of nodes that left the cluster.
func (s *Store) SetNodes(nodes []Node) {
	s.nodesMu.Lock()
	defer s.nodesMu.Unlock()
	seen := make(map[string]bool, len(nodes))
	for _, n := range nodes {
		up := 0.0
		if n.Online {
			up = 1
		}
		s.nodeUp.WithLabelValues(n.Name).Set(up)
		seen[n.Name] = true
	}
	for name := range s.nodesSeen {
		if !seen[name] {
			s.nodeUp.DeleteLabelValues(name)
		}
	}
	s.nodesSeen = seen
}
