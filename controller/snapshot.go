package controller

import (
	"slices"
	"sort"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/backfill"
	"github.com/lxc-autoscale/lxc-autoscale/controller/chunks"
	"github.com/lxc-autoscale/lxc-autoscale/controller/ctview"
	"github.com/lxc-autoscale/lxc-autoscale/controller/engine"
	"github.com/lxc-autoscale/lxc-autoscale/controller/engine/histogram"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// Listed is what the latest listing tells of a container and its
// allocation (engine.Listed), named here for the snapshot's readers.
type Listed = engine.Listed

// Recommendation is what the usage histograms recommend for a resource.
type Recommendation = histogram.Recommendation

// ContainerView is what the controller knows of one container after a
// pass: read-only, for the API, the status page and the demo.
type ContainerView struct {
	Listed
	CPUUtilisation float64 // latest, of the allocated cores
	MemoryUsed     uint64
	DiskUsed       uint64
	Score          float64 // NaN without a model
	Anomalous      bool
	Paused         bool // autoscaling paused by an operator
	Samples        int
	// CoresMax is the most cores that can help the container: its node's
	// threads and ceil(cpulimit); 0 when unknown.
	CoresMax int
	// Decision is this pass's decision; nil when none was made (not
	// scaling, excluded, or nothing known yet). Read-only: it is shared.
	Decision *scaling.Decision
	// Recommended is the recommender's view of cores and memory from the
	// usage histograms under the container's policy (Usage.Recommend, read
	// once a minute); Days 0 while there is no history.
	Recommended [2]Recommendation
}

// Snapshot is the state of the controller after its latest pass.
type Snapshot struct {
	Time time.Time // end of the latest pass
	// LastSuccess is the end of the latest pass that listed every online
	// node; Interval the configured tick, so readers can judge staleness.
	LastSuccess    time.Time
	Interval       time.Duration
	Nodes          int
	FailedNodes    []string
	Containers     []ContainerView // by VMID
	ModelTrainedAt time.Time
	// Backfill is where the background RRD backfill stands (zero when it
	// is off or has not started).
	Backfill backfill.Progress
	// Mode, Policies and NodeList: see ctview.Modes and ctview.Nodes.
	Mode     string
	Policies []ctview.PolicyMode
	NodeList []ctview.Node
}

// History is a container's hour of usage ending at now's minute (false:
// unknown); safe from any goroutine.
func (c *Controller) History(vmid int, now time.Time) (ctview.History, bool) {
	return c.metrics.perContainer.History(vmid, now)
}

// Snapshot returns the state after the latest pass. It is safe to call from
// any goroutine; the returned value is not shared with the loop.
func (c *Controller) Snapshot() Snapshot {
	c.snapMu.RLock()
	defer c.snapMu.RUnlock()
	return c.snap
}

// publish builds the snapshot of this pass and swaps it in. The views
// share the pass's decisions, which the loop neither keeps nor writes.
func (c *Controller) publish(t engine.Tick, decisions []scaling.Decision) {
	c.snapMu.RLock()
	lastSuccess, prev := c.snap.LastSuccess, c.snap.Containers
	c.snapMu.RUnlock()
	s := Snapshot{Time: t.End, LastSuccess: lastSuccess, Interval: c.opts.Interval, Nodes: len(t.Nodes), ModelTrainedAt: c.ModelTrainedAt}
	for n := range t.Failed {
		s.FailedNodes = append(s.FailedNodes, n)
	}
	slices.Sort(s.FailedNodes)
	s.NodeList = ctview.Nodes(t.Nodes, t.Failed)
	c.metrics.perContainer.SetNodes(s.NodeList, c.metrics.nodeErrors)
	sel, _ := c.policies()
	s.Mode, s.Policies = ctview.Modes(sel, c.opts.Scale)
	if c.backfill.Backfiller != nil {
		s.Backfill = c.backfill.Progress()
	}
	fresh := t.End.Sub(c.recommendedAt) >= time.Minute || t.End.Before(c.recommendedAt)
	if fresh {
		c.recommendedAt = t.End
	}
	trs := c.SortedTracked()
	s.Containers = make([]ContainerView, len(trs))
	c.views = slices.Grow(c.views[:0], len(trs))[:len(trs)]
	// In ranges on the walk's goroutines: a range reads its containers, and
	// the pass's decisions and states, which nothing writes meanwhile, and
	// writes its views and values only.
	w := chunks.Workers(c.opts.Workers, len(trs))
	chunks.Run(len(trs), w, func(from, to int) {
		// Both lists are by VMID: the previous one is walked along.
		prev := prev[sort.Search(len(prev), func(j int) bool { return prev[j].VMID >= trs[from].VMID }):]
		for i, tr := range trs[from:to] {
			v := ContainerView{
				Listed: tr.Listed, Score: tr.Score, Anomalous: !tr.AnomalousSince.IsZero(),
				MemoryUsed: tr.Last.Mem, DiskUsed: tr.Last.Disk, Samples: tr.Window.Len(),
				CPUUtilisation: engine.CPUFraction(tr.Last.CPU), CoresMax: tr.CoresMax(),
			}
			if st := c.state.Containers[tr.VMID]; st != nil {
				v.Paused = st.Paused
			}
			v.Decision = c.DecisionIn(tr, decisions)
			for len(prev) > 0 && prev[0].VMID < tr.VMID {
				prev = prev[1:]
			}
			if !fresh && len(prev) > 0 && prev[0].VMID == tr.VMID {
				v.Recommended = prev[0].Recommended
			} else {
				_, rules, _ := sel.Select(tr.VMID, tr.Tags, tr.Pool)
				v.Recommended[0], _ = tr.Usage.Recommend(scaling.ResourceCores, rules)
				v.Recommended[1], _ = tr.Usage.Recommend(scaling.ResourceMemory, rules)
			}
			s.Containers[from+i] = v
			c.views[from+i] = ctview.Of(v.VMID, v.Node, v.Alloc, v.CPUUtilisation, v.MemoryUsed, v.Samples > 0, v.Score, v.Decision).
				FromHistory(v.Recommended[0].Target, v.Recommended[1].Target)
		}
	})
	c.metrics.perContainer.SetPass(t.End, c.views, w)
	c.snapMu.Lock()
	c.snap = s
	c.snapMu.Unlock()
}
