package engine

import (
	"github.com/lxc-autoscale/lxc-autoscale/controller/engine/configfacts"
	"github.com/lxc-autoscale/lxc-autoscale/controller/engine/listing"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// ConfigFacts is what a config read told about a container that its
// listing does not show (configfacts.Facts).
type ConfigFacts = configfacts.Facts

// FactsFrom classifies a config read made while the listing showed ct;
// NeedsFacts reports whether a decision needs what only the config tells.
var FactsFrom, NeedsFacts = configfacts.From, configfacts.Needed

// AllocationOf is the container's allocation from its latest listing, with
// the configured root filesystem size when the facts hold it.
func (e *Engine) AllocationOf(tr *Container) scaling.Allocation {
	a := listing.AllocationOf(tr.Last)
	if tr.Facts.HoldsFor(tr.Last) && tr.Facts.RootFSBytes() > 0 {
		a.DiskBytes = tr.Facts.RootFSBytes()
	}
	return a
}

// CoresMax is the most cores that can help the container: its node's
// threads (PVE accepts more and clamps the cpuset) and ceil(cpulimit) when
// the facts know one; 0 when neither is known.
func (tr *Container) CoresMax() int {
	most := tr.NodeThreads
	if f := tr.Facts; f.HoldsFor(tr.Last) && f.CoresCeiling() > 0 && (most == 0 || f.CoresCeiling() < most) {
		most = f.CoresCeiling()
	}
	return most
}
