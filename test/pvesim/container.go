package pvesim

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/pveconf"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/workload"
)

// Storages lists the storage ids a ContainerSpec may name, sorted.
func Storages() []string { return sortedKeys(pveconf.StorageByID) }

// allocChange records the allocation from at on, so RRD history agrees with
// the live values.
type allocChange struct {
	at      time.Time
	alloc   workload.Allocation
	running bool
	// unreported: the node was down, so pvestatd sent nothing to the RRD.
	unreported bool
}

// usage is the cached view of one pvestatd cycle.
type usage struct {
	at       time.Time // start of the 10 s cycle
	sample   workload.Sample
	counters workload.Counters
}

type container struct {
	vmid    int
	node    string
	pool    string
	conf    pveconf.Section
	snaps   []*pveconf.Snapshot
	digest  string
	running bool
	started time.Time
	pid     int
	model   *workload.Model

	history    []allocChange
	unreported bool // the node is down: what recordAllocLocked records

	// Derived from conf by refreshDerivedLocked, because listings read them
	// for every container on every call.
	alloc         workload.Allocation
	cpusRaw       string // "cpus" as in the config file
	cpusFromLimit bool   // cpus comes from cpulimit, so the wire shows a string
	diskSize      uint64 // rootfs size= as configured; alloc.DiskBytes is what df shows
	name, tags    string
	lock          string
	template      bool

	counters  workload.Counters // since start, integrated up to countedTo
	countedTo time.Time
	cached    usage
	cacheOK   bool
}

func (s *Sim) addContainerLocked(sp ContainerSpec) error {
	if sp.VMID < 100 || sp.VMID > 999999999 {
		return fmt.Errorf("pvesim: add ct %d: vmid out of range 100..999999999", sp.VMID)
	}
	if s.cts[sp.VMID] != nil {
		return fmt.Errorf("add ct %d: %w", sp.VMID, ErrContainerExists)
	}
	if sp.Node == "" {
		sp.Node = s.nodes[(sp.VMID-100)%len(s.nodes)].name
	}
	if s.nodeByName[sp.Node] == nil {
		return fmt.Errorf("add ct %d on %q: %w", sp.VMID, sp.Node, ErrNoSuchNode)
	}
	if sp.Workload == "" {
		kinds := workload.Kinds()
		sp.Workload = kinds[s.rng.IntN(len(kinds))]
	}
	if _, err := workload.ParseKind(string(sp.Workload)); err != nil {
		return fmt.Errorf("pvesim: add ct %d: %w", sp.VMID, err)
	}
	if sp.Name == "" {
		sp.Name = "ct" + strconv.Itoa(sp.VMID)
	}
	if sp.MemoryMiB == 0 {
		sp.MemoryMiB = 512
	}
	if sp.Storage == "" {
		sp.Storage = "local-lvm"
	}
	if _, ok := pveconf.StorageByID[sp.Storage]; !ok {
		return fmt.Errorf("pvesim: add ct %d: unknown storage %q", sp.VMID, sp.Storage)
	}
	if sp.DiskGiB == 0 {
		sp.DiskGiB = 8
	}
	conf := pveconf.Section{
		"arch":         "amd64",
		"hostname":     sp.Name,
		"memory":       strconv.Itoa(sp.MemoryMiB),
		"swap":         strconv.Itoa(sp.SwapMiB),
		"ostype":       "debian",
		"unprivileged": "1",
		"net0": fmt.Sprintf("name=eth0,bridge=vmbr0,hwaddr=BC:24:11:%02X:%02X:%02X,ip=dhcp,type=veth",
			(sp.VMID>>16)&0xff, (sp.VMID>>8)&0xff, sp.VMID&0xff),
		"rootfs": pveconf.Volume{Storage: sp.Storage, Name: pveconf.VolumeName(sp.Storage, sp.VMID, 0),
			Size: uint64(sp.DiskGiB * (1 << 30))}.String(),
	}
	if sp.Cores > 0 {
		conf["cores"] = strconv.Itoa(sp.Cores)
	}
	if sp.CPULimit > 0 {
		conf["cpulimit"] = strconv.FormatFloat(sp.CPULimit, 'f', -1, 64)
	}
	if len(sp.Tags) > 0 {
		conf["tags"] = strings.Join(sp.Tags, ";")
	}
	if sp.Protection {
		conf["protection"] = "1"
	}
	if sp.Template {
		conf["template"] = "1"
	}
	now := s.clock.Now()
	ct := &container{
		vmid: sp.VMID, node: sp.Node, pool: sp.Pool, conf: conf,
		// The model starts when the container joins the simulation, so a
		// diskfill container begins part full rather than full.
		model: workload.NewSince(sp.Workload, s.opts.Seed^uint64(sp.VMID)*0x9e3779b97f4a7c15, now),
	}
	ct.running = !sp.Stopped && !sp.Template
	if ct.running {
		// Running for a while already, so uptime and counters look lived-in.
		ct.started = now.Add(-time.Duration(1+sp.VMID%97) * time.Hour)
		ct.pid = s.newPID()
	}
	ct.countedTo = ct.started
	s.putCTLocked(ct)
	s.configChangedLocked(ct)
	// The first entry covers all of the past: RRD history starts full.
	ct.history[0].at = time.Time{}
	return nil
}

func (s *Sim) newPID() int {
	s.nextPID += 1 + uint32(s.rng.IntN(64))
	return int(s.nextPID)
}

// configChangedLocked recomputes the digest and records the allocation.
func (s *Sim) configChangedLocked(ct *container) {
	ct.digest = pveconf.Digest(ct.conf, ct.snaps)
	s.refreshDerivedLocked(ct)
	s.recordAllocLocked(ct)
}

// lockLocked sets the container's config lock for the task about to run,
// as PVE's set_lock does: a new digest, like any config change.
func (s *Sim) lockLocked(ct *container, lock string) {
	ct.conf["lock"] = lock
	s.configChangedLocked(ct)
}

// unlockLocked removes the container's config lock when the task that set
// it ends, as PVE's remove_lock does: a new digest, like any config change.
func (s *Sim) unlockLocked(ct *container) {
	delete(ct.conf, "lock")
	s.configChangedLocked(ct)
}

func (s *Sim) putCTLocked(ct *container) {
	s.cts[ct.vmid] = ct
	s.indexStale = true
}

func (s *Sim) dropCTLocked(vmid int) {
	delete(s.cts, vmid)
	s.indexStale = true
}

// sortedCTs returns the containers of one node (all for "") by vmid, from
// an index rebuilt only after containers were added, removed or moved.
func (s *Sim) sortedCTs(node string) []*container {
	if s.indexStale || s.byNode == nil {
		s.all = s.all[:0]
		for _, ct := range s.cts {
			s.all = append(s.all, ct)
		}
		slices.SortFunc(s.all, func(a, b *container) int { return a.vmid - b.vmid })
		s.byNode = map[string][]*container{}
		for _, ct := range s.all {
			s.byNode[ct.node] = append(s.byNode[ct.node], ct)
		}
		s.indexStale = false
	}
	if node == "" {
		return s.all
	}
	return s.byNode[node]
}

func (s *Sim) recordAllocLocked(ct *container) {
	a := ct.alloc
	now := s.clock.Now()
	if n := len(ct.history); n > 0 {
		last := ct.history[n-1]
		if last.alloc == a && last.running == ct.running && last.unreported == ct.unreported {
			return
		}
		if !last.at.Before(now) {
			ct.history[n-1] = allocChange{at: last.at, alloc: a, running: ct.running, unreported: ct.unreported}
			ct.cacheOK = false
			return
		}
	}
	ct.history = append(ct.history, allocChange{at: now, alloc: a, running: ct.running, unreported: ct.unreported})
	ct.cacheOK = false
}

func (s *Sim) setRunningLocked(ct *container, running bool) {
	if ct.running == running {
		return
	}
	now := s.clock.Now()
	ct.running = running
	if running {
		ct.started = now
		ct.pid = s.newPID()
		ct.counters = workload.Counters{}
		ct.countedTo = now
	} else {
		ct.pid = 0
	}
	s.recordAllocLocked(ct)
}

// refreshDerivedLocked recomputes PVE's "cpus" of a container (cores, else
// cpulimit, else host threads) and its allocation.
func (s *Sim) refreshDerivedLocked(ct *container) {
	ct.name, ct.tags, ct.lock = ct.conf["hostname"], ct.conf["tags"], ct.conf["lock"]
	ct.template = ct.conf["template"] == "1"
	var cpus float64
	ct.cpusFromLimit = false
	limit, err := strconv.ParseFloat(ct.conf["cpulimit"], 64)
	if err != nil {
		limit = 0
	}
	if c, err := strconv.Atoi(ct.conf["cores"]); err == nil && c > 0 {
		cpus, ct.cpusRaw = float64(c), strconv.Itoa(c)
	} else if limit > 0 {
		cpus, ct.cpusRaw, ct.cpusFromLimit = limit, ct.conf["cpulimit"], true
	} else {
		n := s.nodeByName[ct.node]
		cpus, ct.cpusRaw = float64(n.cpus), strconv.Itoa(n.cpus)
	}
	root := pveconf.ParseVolume(ct.conf["rootfs"])
	ct.diskSize = root.Size
	ct.alloc = workload.Allocation{
		CPUs:        cpus,
		MemoryBytes: confMiB(ct.conf, "memory", 512) << 20,
		SwapBytes:   confMiB(ct.conf, "swap", 512) << 20,
		DiskBytes:   root.Size,
	}
	if !s.opts.Ideal {
		ct.alloc.DiskBytes = pveconf.FilesystemSize(root.Storage, root.Size)
	}
	// What the container can get: cgroup cpu.max caps it at cpulimit, and
	// pvestatd's cpuset balancing (pve-container src/PVE/LXC/CPUSet.pm,
	// rebalance in PVE/Service/pvestatd.pm) hands out at most the node's
	// threads whatever cores says, while cpu stays a fraction of cpus.
	capacity := cpus
	if limit > 0 {
		capacity = min(capacity, limit)
	}
	if n := s.nodeByName[ct.node]; n != nil {
		capacity = min(capacity, float64(n.cpus))
	}
	if capacity < cpus {
		ct.alloc.CPULimit = capacity
	}
}

func confMiB(conf pveconf.Section, key string, def uint64) uint64 {
	if v, err := strconv.ParseUint(conf[key], 10, 64); err == nil {
		return v
	}
	return def
}

// allocationAt answers workload.History from the recorded changes.
func (ct *container) allocationAt(t time.Time) (workload.Allocation, bool) {
	c := ct.changeAt(t)
	return c.alloc, c.running
}

// unreportedAt tells workload.History when the node sent no samples.
func (ct *container) unreportedAt(t time.Time) bool { return ct.changeAt(t).unreported }

// changeAt is the recorded change in force at t.
func (ct *container) changeAt(t time.Time) allocChange {
	h := ct.history
	lo, hi := 0, len(h)
	for lo < hi { // first index with at > t
		m := (lo + hi) / 2
		if h[m].at.After(t) {
			hi = m
		} else {
			lo = m + 1
		}
	}
	if lo == 0 {
		return h[0]
	}
	return h[lo-1]
}

// maxCounterSteps bounds the work of catching counters up after a big clock jump.
const maxCounterSteps = 60

// usageLocked returns the usage of the current pvestatd cycle, integrating
// the I/O counters lazily: containers nobody asks about cost nothing.
func (s *Sim) usageLocked(ct *container) usage {
	now := s.clock.Now().Truncate(pvestatdInterval)
	if ct.cacheOK && ct.cached.at.Equal(now) {
		return ct.cached
	}
	if n := s.nodeByName[ct.node]; n != nil && n.dead && ct.cacheOK {
		return ct.cached // a dead node broadcasts nothing: pmxcfs keeps its last stats
	}
	if !ct.running {
		ct.cached = usage{at: now}
		ct.cacheOK = true
		return ct.cached
	}
	a := ct.alloc
	if gap := now.Sub(ct.countedTo); gap > 0 {
		step := pvestatdInterval
		if gap > step*maxCounterSteps {
			step = gap / maxCounterSteps
		}
		for t := ct.countedTo; t.Before(now); t = t.Add(step) {
			d := min(step, now.Sub(t))
			ct.counters.Add(ct.model.At(t, a), d)
		}
		ct.countedTo = now
	}
	ct.cached = usage{at: now, sample: ct.model.At(now, a), counters: ct.counters}
	if !s.opts.Ideal {
		ct.cached.sample.CPU *= cpuJitter(ct.vmid, now)
	}
	ct.cacheOK = true
	return ct.cached
}

// cpuJitter is the accounting noise of PVE's cpu: pvestatd divides the
// cgroup's usage_usec delta by the wall time between two of its samples
// and by cpus (pve-container src/PVE/LXC.pm, vmstatus), and neither
// interval is exact, so a container pinned at its limit shows up to a few
// percent above 1.0 (105.8 % seen on a real node). Deterministic per
// container and 10 s cycle: -3 % to +6 %.
func cpuJitter(vmid int, cycle time.Time) float64 {
	h := uint64(vmid)*0x9e3779b97f4a7c15 ^ uint64(cycle.Unix())*0xbf58476d1ce4e5b9
	h ^= h >> 31
	h *= 0x94d049bb133111eb
	h ^= h >> 29
	return 0.97 + 0.09*float64(h%10000)/10000
}

func (s *Sim) uptime(ct *container) int64 {
	if !ct.running {
		return 0
	}
	end := s.clock.Now()
	if n := s.nodeByName[ct.node]; n != nil && n.dead {
		end = n.diedAt // the last broadcast
	}
	return int64(math.Max(0, end.Sub(ct.started).Seconds()))
}

// listedDiskSize is PVE's maxdisk of a container (pve-container
// src/PVE/LXC.pm, vmstatus): the configured size= while it is stopped, what
// df shows of its root filesystem while it runs.
func (ct *container) listedDiskSize() uint64 {
	if ct.running {
		return ct.alloc.DiskBytes
	}
	return ct.diskSize
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
