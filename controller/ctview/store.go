package ctview

import (
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/lxc-autoscale/lxc-autoscale/controller/chunks"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
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
	// decision wants; when it wants no change, the recommender's target
	// (FromHistory), else the allocation.
	RecommendedCores       int
	RecommendedMemoryBytes uint64
	// Score is the anomaly score; NaN (not scored yet) shows no series.
	Score float64
	// Changes are the latest decision's changes, for the recommendation
	// gauge of each resource (nil: none).
	Changes []scaling.Change
}

// gauge indexes a container's six gauges.
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

// series is one container's values, the labels its gauges share and its
// history.
type series struct {
	node    string
	labels  []*dto.LabelPair // node, vmid: made once per node, never changed
	values  [numGauges]float64
	set     [numGauges]bool
	history ring
	// score is the anomaly score (NaN: none), served with vmid alone.
	score  float64
	byVMID []*dto.LabelPair
	// recommending: its recommendation gauges hold values.
	recommending bool
}

// Store holds the per-container gauges and histories. It is a
// prometheus.Collector: the loop stores plain values and a scrape makes
// the metrics from them, so a container costs a few hundred bytes and
// no gauge children (six per container, with their own label pairs and
// hashes, were 2.9 KB each at 10,000 containers).
type Store struct {
	descs [numGauges]*prometheus.Desc
	score *prometheus.Desc
	// mu guards series and every series' fields.
	mu     sync.Mutex
	series map[int]*series
	// missing says which of SetPass's values had no series yet.
	missing []bool

	// recommendation is the target of each resource a pending change
	// would set (vmid, resource): series only while one is pending.
	recommendation *prometheus.GaugeVec

	nodeUp    *prometheus.GaugeVec // node
	nodesMu   sync.Mutex
	nodesSeen map[string]bool
}

// New builds the gauges and registers them on reg (nil: not registered).
func New(reg prometheus.Registerer) (*Store, error) {
	s := &Store{series: map[int]*series{}, recommendation: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "lxc_autoscale", Name: "recommendation",
		Help: "Recommended value of each resource of each container (cores; memory and swap in bytes; disk in bytes)."}, []string{"vmid", "resource"}), nodeUp: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "lxc_autoscale", Name: "node_up",
		Help: "1 when a node was online and its containers were listed in the latest pass, 0 when it was offline or its listing failed."}, []string{"node"})}
	for g, o := range [numGauges]struct{ name, help string }{
		allocCores:  {"container_cores", "Cores allocated to each container."},
		allocMemory: {"container_memory_bytes", "Memory limit of each container."},
		usedCores:   {"container_cpu_used_cores", "CPU in use by each container, in cores: its utilisation of the allocated cores times the cores."},
		usedMemory:  {"container_memory_used_bytes", "Memory in use by each container."},
		recCores:    {"container_recommended_cores", "Cores the latest decision wants for each container; when it wants no change, the usage history's target (scaling.profile), else its allocation."},
		recMemory:   {"container_recommended_memory_bytes", "Memory limit the latest decision wants for each container; when it wants no change, the usage history's target (scaling.profile), else its allocation."},
	} {
		s.descs[g] = prometheus.NewDesc("lxc_autoscale_"+o.name, o.help, []string{"vmid", "node"}, nil)
	}
	s.score = prometheus.NewDesc("lxc_autoscale_anomaly_score",
		"Latest isolation forest anomaly score of each container, in (0, 1]; above the threshold is anomalous.", []string{"vmid"}, nil)
	if reg != nil {
		for _, c := range []prometheus.Collector{s, s.recommendation, s.nodeUp} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

// Set records a container's values of a pass ending at now.
func (s *Store) Set(now time.Time, v Values) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.set(s.seriesOf(v.VMID), now, v)
}

// SetPass is Set of each of values, under one lock, on w goroutines
// (controller/chunks) when the VMIDs ascend (and so are distinct, each
// series written by one): the series found are set side by side, as
// reading the map from several goroutines is safe while none writes it,
// and the series of containers new to the Store are made after, in turn.
func (s *Store) SetPass(now time.Time, values []Values, w int) {
	for i := 1; i < len(values) && w > 1; i++ {
		if values[i].VMID <= values[i-1].VMID {
			w = 1
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.missing = slices.Grow(s.missing[:0], len(values))[:len(values)]
	chunks.Run(len(values), w, func(from, to int) {
		for i := from; i < to; i++ {
			sr := s.series[values[i].VMID]
			if s.missing[i] = sr == nil; sr != nil {
				s.set(sr, now, values[i])
			}
		}
	})
	for i, missing := range s.missing {
		if missing {
			s.set(s.seriesOf(values[i].VMID), now, values[i])
		}
	}
}

// seriesOf is vmid's series, made when missing; under s.mu.
func (s *Store) seriesOf(vmid int) *series {
	sr := s.series[vmid]
	if sr == nil {
		sr = &series{byVMID: []*dto.LabelPair{labelPair("vmid", strconv.Itoa(vmid))}}
		s.series[vmid] = sr
	}
	return sr
}

// set records v, of a pass ending at now, in its series sr; under s.mu.
func (s *Store) set(sr *series, now time.Time, v Values) {
	sr.score = v.Score
	if sr.node != v.Node {
		// Sorted by name, as the registry wants them.
		sr.node, sr.set = v.Node, [numGauges]bool{}
		sr.labels = []*dto.LabelPair{labelPair("node", v.Node), labelPair("vmid", strconv.Itoa(v.VMID))}
	}
	sr.show(allocCores, float64(v.Cores))
	sr.show(allocMemory, float64(v.MemoryBytes))
	sr.show(recCores, float64(v.RecommendedCores))
	sr.show(recMemory, float64(v.RecommendedMemoryBytes))
	if v.HasUsage { // else the usage gauges stay absent, not 0
		sr.show(usedCores, v.CPUCores)
		sr.show(usedMemory, float64(v.MemoryUsedBytes))
		cpu, mem := -1.0, -1.0
		if v.Cores > 0 {
			cpu = v.CPUCores / float64(v.Cores)
		}
		if v.MemoryBytes > 0 {
			mem = float64(v.MemoryUsedBytes) / float64(v.MemoryBytes)
		}
		sr.history.add(now, cpu, mem)
	}
	if len(v.Changes) > 0 || sr.recommending {
		sr.recommending = len(v.Changes) > 0
		s.recommend(v.VMID, v.Changes)
	}
}

// recommend sets the target of each resource changes change and removes
// the gauges of the others, so that the series stay bounded by the
// pending recommendations.
func (s *Store) recommend(vmid int, changes []scaling.Change) {
	id := strconv.Itoa(vmid)
	for _, r := range scaling.Resources {
		i := slices.IndexFunc(changes, func(ch scaling.Change) bool { return ch.Resource == r })
		if i < 0 {
			s.recommendation.DeleteLabelValues(id, string(r))
			continue
		}
		value := float64(changes[i].To)
		if r == scaling.ResourceMemory || r == scaling.ResourceSwap {
			value *= 1 << 20 // MiB to bytes: metrics use base units
		}
		s.recommendation.WithLabelValues(id, string(r)).Set(value)
	}
}

func (sr *series) show(g gauge, value float64) {
	sr.values[g], sr.set[g] = value, true
}

func labelPair(name, value string) *dto.LabelPair {
	return &dto.LabelPair{Name: &name, Value: &value}
}

// Forget removes a container's series and history.
func (s *Store) Forget(vmid int) {
	s.mu.Lock()
	delete(s.series, vmid)
	s.mu.Unlock()
	s.recommend(vmid, nil)
}

// History returns a container's last hour of usage per minute ending at
// the minute of now; false when nothing is known of it.
func (s *Store) History(vmid int, now time.Time) (History, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sr := s.series[vmid]
	if sr == nil {
		return History{}, false
	}
	return sr.history.read(now), true
}

// Describe is prometheus.Collector's.
func (s *Store) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range s.descs {
		ch <- d
	}
	ch <- s.score
}

// Collect is prometheus.Collector's: the values are copied under the
// lock, so that a scrape holds the loop up for a copy, not for the
// registry's work.
func (s *Store) Collect(ch chan<- prometheus.Metric) {
	type row struct {
		labels, byVMID []*dto.LabelPair
		values         [numGauges]float64
		set            [numGauges]bool
		score          float64
	}
	s.mu.Lock()
	rows := make([]row, 0, len(s.series))
	for _, sr := range s.series {
		rows = append(rows, row{sr.labels, sr.byVMID, sr.values, sr.set, sr.score})
	}
	s.mu.Unlock()
	for _, r := range rows {
		for g := range numGauges {
			if r.set[g] {
				ch <- gaugeMetric{desc: s.descs[g], labels: r.labels, value: r.values[g]}
			}
		}
		if !math.IsNaN(r.score) {
			ch <- gaugeMetric{desc: s.score, labels: r.byVMID, value: r.score}
		}
	}
}

// gaugeMetric is one container's gauge at a scrape; it shares its label
// pairs with the container's other gauges.
type gaugeMetric struct {
	desc   *prometheus.Desc
	labels []*dto.LabelPair
	value  float64
}

func (m gaugeMetric) Desc() *prometheus.Desc { return m.desc }

func (m gaugeMetric) Write(out *dto.Metric) error {
	v := m.value
	out.Label, out.Gauge = m.labels, &dto.Gauge{Value: &v}
	return nil
}

// SetNodes sets each node's up gauge from a pass's nodes and removes the
// gauges of nodes that left the cluster. The per-node counters given
// (the loop's listing errors) get a series at 0 for every node, so that
// a rate over them has one before the first error.
func (s *Store) SetNodes(nodes []Node, perNode ...*prometheus.CounterVec) {
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
		for _, c := range perNode {
			c.WithLabelValues(n.Name)
		}
	}
	for name := range s.nodesSeen {
		if !seen[name] {
			s.nodeUp.DeleteLabelValues(name)
		}
	}
	s.nodesSeen = seen
}
