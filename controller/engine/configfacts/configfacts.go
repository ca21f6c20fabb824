package configfacts

import (
	"fmt"
	"math"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// Facts is what a config read told about a container that its
// listing does not show: whether the controller may set its cores, the most
// cores that can help it, and the configured size of its root filesystem.
//
// The listing's maxdisk of a running container is what df shows (a few %
// below the configured size on LVM, LVM-thin, Ceph and dir storage), and
// its cpus is the node's threads when cores are unset or cpulimit when only
// that is set; neither says what a write must start from. So the
// controller reads the config when a decision needs these facts and keeps
// them while the listing's node, cpus and maxdisk are what they were at the
// read: every change of cores, cpulimit or the root filesystem shows in one
// of them. A container costs one read per such change, not one per pass.
type Facts struct {
	node    string
	cpus    float64
	maxDisk uint64 // 0: adopt the next listing's (after our own resize)

	// coresUnmanaged says why the cores are left to the administrator; ""
	// when the controller manages them.
	coresUnmanaged string
	// coresCeiling is ceil(cpulimit) when cpulimit is set and not below
	// cores: more cores than that add nothing. 0 for none.
	coresCeiling int
	// rootfsBytes is the configured size= of the root filesystem; 0 when the
	// config has none.
	rootfsBytes uint64
}

// From classifies a config read made while the listing showed ct.
//
// Cores are managed only when the config sets them and no lower cpulimit
// caps them. A container without cores may use every thread of its node,
// one with only a cpulimit gets that much CPU time spread over all
// threads, and one whose cpulimit is below its cores gets the cpulimit
// whatever the cores say: in each case the administrator chose the CPU
// setting, and changing cores would either impose a limit nobody asked
// for or change nothing.
func From(cfg proxmox.Config, ct proxmox.Container) Facts {
	f := Facts{node: ct.Node, cpus: ct.CPUs, maxDisk: ct.MaxDisk, rootfsBytes: cfg.RootFS.SizeBytes}
	switch {
	case cfg.Cores == 0 && cfg.CPULimit == 0:
		f.coresUnmanaged = "cores are not set: the container may use every thread of its node"
	case cfg.Cores == 0:
		f.coresUnmanaged = fmt.Sprintf("only cpulimit %g caps the CPU: left to the administrator", cfg.CPULimit)
	case cfg.CPULimit > 0 && cfg.CPULimit < float64(cfg.Cores):
		f.coresUnmanaged = fmt.Sprintf("cpulimit %g caps the container below its %d cores: cores change nothing", cfg.CPULimit, cfg.Cores)
	case cfg.CPULimit > 0:
		f.coresCeiling = int(math.Ceil(cfg.CPULimit))
	}
	return f
}

// HoldsFor reports whether the facts still describe the container listed as
// ct. A zero maxDisk takes the listing's.
func (f *Facts) HoldsFor(ct proxmox.Container) bool {
	if f == nil || f.node != ct.Node || f.cpus != ct.CPUs {
		return false
	}
	if f.maxDisk == 0 {
		f.maxDisk = ct.MaxDisk
	}
	return f.maxDisk == ct.MaxDisk
}

// Needed reports whether d plans a change that depends on what only
// the config tells: cores (managed at all? capped by cpulimit?) or the
// disk (grown from which size?).
func Needed(d scaling.Decision) bool {
	for _, ch := range d.Changes {
		if ch.Resource == scaling.ResourceCores || ch.Resource == scaling.ResourceDisk {
			return true
		}
	}
	return false
}

// NoteApplied keeps the facts true after the controller's own writes, so
// that a change it made does not cost a read next time: the listing will
// show the new cores as cpus, and the grown disk as a new maxdisk.
func (f *Facts) NoteApplied(outcomes []scaling.Outcome) {
	if f == nil {
		return
	}
	for _, o := range outcomes {
		if o.Result != scaling.ResultApplied {
			continue
		}
		switch o.Change.Resource {
		case scaling.ResourceCores:
			f.cpus = float64(o.Change.To)
		case scaling.ResourceDisk:
			f.rootfsBytes, f.maxDisk = uint64(o.Change.To), 0
		}
	}
}

// CoresUnmanaged says why the cores are left to the administrator; ""
// when the controller manages them (or f is nil).
func (f *Facts) CoresUnmanaged() string {
	if f == nil {
		return ""
	}
	return f.coresUnmanaged
}

// DiskUnmanaged says why the root filesystem is not grown; "" when it may
// be. A rootfs without a size (size=0, or none) is a subvolume without a
// quota, as PVE makes on dir storage: its maxdisk is the host file
// system's, and there is no size to grow.
func (f *Facts) DiskUnmanaged() string {
	if f == nil || f.rootfsBytes > 0 {
		return ""
	}
	return "the root filesystem has no size (size=0): nothing to grow"
}

// RootFSBytes is the configured size of the root filesystem, 0 for none.
func (f *Facts) RootFSBytes() uint64 { return f.rootfsBytes }

// CoresCeiling is ceil(cpulimit) when a cpulimit not below cores is set:
// more cores than that add nothing. 0 for none.
func (f *Facts) CoresCeiling() int { return f.coresCeiling }
