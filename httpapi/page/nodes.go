package page

import (
	"strconv"

	"github.com/lxc-autoscale/lxc-autoscale/controller"
)

// nodeRow is one row of the nodes table: what the running containers on
// a node are allocated against what the node has.
type nodeRow struct {
	Name       string
	State      string // up, failed (listing), offline
	StateClass string
	Containers string
	Cores      string
	CoresFrac  float64 // -1: unknown capacity
	Memory     string
	MemoryFrac float64
}

// policyMode is a policy and its mode, as the summary shows them.
type policyMode struct{ Name, Mode string }

// nodeRows sums the allocation of the running containers per node of the
// latest listing.
func nodeRows(snap controller.Snapshot) []nodeRow {
	type sum struct {
		running, stopped, cores int
		memMiB                  uint64
	}
	sums := map[string]*sum{}
	for _, ct := range snap.Containers {
		s := sums[ct.Node]
		if s == nil {
			s = &sum{}
			sums[ct.Node] = s
		}
		if ct.Status != "running" {
			s.stopped++
			continue
		}
		s.running++
		s.cores += ct.Alloc.Cores
		s.memMiB += uint64(max(ct.Alloc.MemoryMiB, 0))
	}
	failed := map[string]bool{}
	for _, n := range snap.FailedNodes {
		failed[n] = true
	}
	rows := make([]nodeRow, 0, len(snap.NodeList))
	for _, n := range snap.NodeList {
		s := sums[n.Name]
		if s == nil {
			s = &sum{}
		}
		row := nodeRow{Name: n.Name, State: "up", StateClass: "ok",
			Containers: strconv.Itoa(s.running) + " running, " + strconv.Itoa(s.stopped) + " stopped"}
		switch {
		case failed[n.Name]:
			row.State, row.StateClass = "listing failed", "bad"
		case !n.Online:
			row.State, row.StateClass = "offline", "bad"
		}
		row.Cores, row.CoresFrac = strconv.Itoa(s.cores)+" / "+strconv.Itoa(n.Threads), -1
		if n.Threads > 0 {
			row.CoresFrac = float64(s.cores) / float64(n.Threads)
			row.Cores += " (" + percent(row.CoresFrac) + ")"
		}
		row.Memory, _, row.MemoryFrac = usage(s.memMiB<<20, n.MemoryBytes, bytesUnit)
		if row.MemoryFrac >= 0 {
			row.Memory += " (" + percent(row.MemoryFrac) + ")"
		}
		rows = append(rows, row)
	}
	return rows
}

// modeClass colours a mode: enforce writes, the others only tell.
func modeClass(mode string) string {
	switch mode {
	case "enforce":
		return "ok"
	case "":
		return "muted"
	default:
		return "warn"
	}
}
