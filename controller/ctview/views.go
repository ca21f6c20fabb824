package ctview

import (
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/policies"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// Of maps a container of a pass to its Values: cpu is the utilisation of
// the allocated cores, sampled whether any sample is known, score the
// anomaly score (NaN: none), d the pass's decision (nil: none), whose
// cores and memory targets are the recommendation.
func Of(vmid int, node string, alloc scaling.Allocation, cpu float64, memUsed uint64, sampled bool, score float64, d *scaling.Decision) Values {
	v := Values{VMID: vmid, Node: node, Cores: alloc.Cores, MemoryBytes: uint64(alloc.MemoryMiB) << 20,
		CPUCores: cpu * float64(alloc.Cores), MemoryUsedBytes: memUsed, HasUsage: sampled, Score: score}
	v.RecommendedCores, v.RecommendedMemoryBytes = v.Cores, v.MemoryBytes
	if d == nil {
		return v
	}
	v.Changes = d.Changes
	for _, ch := range d.Changes {
		switch ch.Resource {
		case scaling.ResourceCores:
			v.RecommendedCores = int(ch.To)
		case scaling.ResourceMemory:
			v.RecommendedMemoryBytes = uint64(ch.To) << 20
		}
	}
	return v
}

// FromHistory makes the recommender's targets (cores, memory in MiB; 0:
// none) the recommendation of cores and memory where the decision changes
// neither: what the history says the container needs, rather than its
// allocation. A pending change stays the recommendation: it is what is
// about to happen.
func (v Values) FromHistory(cores, memoryMiB int64) Values {
	changes := func(r scaling.Resource) bool {
		return slices.ContainsFunc(v.Changes, func(ch scaling.Change) bool { return ch.Resource == r })
	}
	if cores > 0 && !changes(scaling.ResourceCores) {
		v.RecommendedCores = int(cores)
	}
	if memoryMiB > 0 && !changes(scaling.ResourceMemory) {
		v.RecommendedMemoryBytes = uint64(memoryMiB) << 20
	}
	return v
}

// Node is a node and its capacity as the latest listing tells.
type Node struct {
	Name        string
	Online      bool // online and, when it was, listed
	Threads     int
	MemoryBytes uint64
}

// Nodes are the nodes of a listing by name; failed holds the online
// nodes whose listing failed.
func Nodes(nodes []proxmox.Node, failed map[string]error) []Node {
	out := make([]Node, 0, len(nodes))
	for _, n := range nodes {
		out = append(out, Node{Name: n.Name, Online: n.Online && failed[n.Name] == nil, Threads: n.CPUs, MemoryBytes: n.MemoryBytes})
	}
	slices.SortFunc(out, func(a, b Node) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// PolicyMode is a policy's name and mode.
type PolicyMode struct{ Name, Mode string }

// Modes are the default mode ("monitor" when the loop never decides) and
// each policy's, in order.
func Modes(sel policies.Selection, scale bool) (string, []PolicyMode) {
	mode := string(sel.Default.Mode)
	if !scale {
		mode = "monitor"
	}
	var policies []PolicyMode
	for _, p := range sel.Policies {
		policies = append(policies, PolicyMode{p.Name, string(p.Rules.Mode)})
	}
	return mode, policies
}

// ZeroActions gives the loop's actions counter (resource, direction,
// result) a series at 0 for every applied and failed change, so that
// alerts on failing writes and dashboards have one before the first.
func ZeroActions(actions *prometheus.CounterVec) {
	for _, r := range scaling.Resources {
		for _, dir := range []scaling.Direction{scaling.Up, scaling.Down} {
			for _, result := range []string{scaling.ResultApplied, scaling.ResultFailed} {
				actions.WithLabelValues(string(r), string(dir), result)
			}
		}
	}
}
