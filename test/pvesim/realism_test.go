package pvesim_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/workload"
)

// lxcEntry finds one container in a node's listing.
func (h *harness) lxcEntry(node string, vmid int) map[string]any {
	h.t.Helper()
	var list []map[string]any
	h.ok(h.get("/nodes/"+node+"/lxc", nil), &list)
	for _, e := range list {
		if e["vmid"] == float64(vmid) {
			return e
		}
	}
	h.t.Fatalf("ct %d not in the listing of %s", vmid, node)
	return nil
}

// A running container's maxdisk is what df shows: below the configured
// size on every storage formatted with ext4, exactly the size on a ZFS
// subvolume; a stopped container shows the configured size.
func TestMaxdiskFollowsTheStorageType(t *testing.T) {
	t.Parallel()
	const size = 8 << 30
	var specs []pvesim.ContainerSpec
	storages := []string{"local", "local-lvm", "local-zfs", "san-lvm", "cephpool"}
	for i, st := range storages {
		specs = append(specs, pvesim.ContainerSpec{VMID: 200 + i, Node: "pve1", Cores: 1, DiskGiB: 8, Storage: st, Workload: workload.Idle})
	}
	h := newHarness(t, func(o *pvesim.Options) { o.Specs = specs })
	for i, st := range storages {
		vmid := 200 + i
		conf := h.config("pve1", fmt.Sprint(vmid))
		e := h.lxcEntry("pve1", vmid)
		maxdisk := uint64(e["maxdisk"].(float64))
		switch st {
		case "local-zfs":
			if maxdisk != size {
				t.Errorf("%s (%v): running maxdisk %d, want the refquota %d", st, conf["rootfs"], maxdisk, size)
			}
		default:
			// mkfs.ext4 of 8 GiB: 7.81 GiB in df.
			if maxdisk >= size || maxdisk < size*95/100 {
				t.Errorf("%s (%v): running maxdisk %d, want df's size a few %% below %d", st, conf["rootfs"], maxdisk, size)
			}
		}
		if used := uint64(e["disk"].(float64)); used > maxdisk {
			t.Errorf("%s: disk %d above maxdisk %d", st, used, maxdisk)
		}
		if err := h.sim.SetRunning(vmid, false); err != nil {
			t.Fatal(err)
		}
		e = h.lxcEntry("pve1", vmid)
		if e["maxdisk"] != float64(size) || e["disk"] != 0.0 {
			t.Errorf("%s stopped: maxdisk %v disk %v, want the configured %d and 0", st, e["maxdisk"], e["disk"], size)
		}
	}
	if conf := h.config("pve1", "202"); conf["rootfs"] != "local-zfs:subvol-202-disk-0,size=8G" {
		t.Errorf("zfs rootfs = %v", conf["rootfs"])
	}
	if conf := h.config("pve1", "200"); conf["rootfs"] != "local:200/vm-200-disk-0.raw,size=8G" {
		t.Errorf("dir rootfs = %v", conf["rootfs"])
	}
}

// With Ideal, maxdisk is the configured size whatever the storage.
func TestIdealReportsTheConfiguredDiskSize(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(o *pvesim.Options) { o.Ideal = true })
	if e := h.lxcEntry("pve1", 100); e["maxdisk"] != float64(8<<30) {
		t.Errorf("ideal maxdisk = %v", e["maxdisk"])
	}
}

// A container pinned at its limit shows cpu above 1.0 now and then, as
// PVE's accounting does; never far above.
func TestCPUOfAPinnedContainerExceedsOne(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(o *pvesim.Options) {
		o.Specs = []pvesim.ContainerSpec{{VMID: 300, Node: "pve1", Cores: 1, Workload: workload.Busy}}
	})
	above, peak := 0, 0.0
	for range 60 {
		cpu := h.lxcEntry("pve1", 300)["cpu"].(float64)
		peak = max(peak, cpu)
		if cpu > 1 {
			above++
		}
		h.sim.Clock().Advance(10 * time.Second)
	}
	if above == 0 || peak > 1.07 {
		t.Errorf("cpu above 1.0 in %d of 60 cycles, peak %.3f: want some, at most 1.07", above, peak)
	}
	ideal := newHarness(t, func(o *pvesim.Options) {
		o.Ideal = true
		o.Specs = []pvesim.ContainerSpec{{VMID: 300, Node: "pve1", Cores: 1, Workload: workload.Busy}}
	})
	for range 60 {
		if cpu := ideal.lxcEntry("pve1", 300)["cpu"].(float64); cpu > 1 {
			t.Fatalf("ideal cpu %v above 1", cpu)
		}
		ideal.sim.Clock().Advance(10 * time.Second)
	}
}

// Nodes come in a mix of sizes; a container with more cores than its node
// has threads gets no more than the threads (its cpu stays below
// threads/cores), and one without cores lists the node's threads as cpus.
func TestNodeThreadsMixAndClampCores(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(o *pvesim.Options) {
		o.Nodes = 5
		o.Specs = []pvesim.ContainerSpec{
			{VMID: 400, Node: "pve3", Cores: 8, Workload: workload.Busy},    // 4 threads
			{VMID: 401, Node: "pve3", Workload: workload.Idle},              // no cores, no cpulimit
			{VMID: 402, Node: "pve3", CPULimit: 2, Workload: workload.Idle}, // cpulimit only
		}
	})
	var nodes []map[string]any
	h.ok(h.get("/nodes", nil), &nodes)
	for i, n := range nodes {
		if want := float64(pvesim.DefaultNodeThreads[i]); n["maxcpu"] != want {
			t.Errorf("%v maxcpu %v, want %v", n["node"], n["maxcpu"], want)
		}
	}
	var st struct {
		CPUInfo struct{ CPUs int } `json:"cpuinfo"`
	}
	h.ok(h.get("/nodes/pve3/status", nil), &st)
	if st.CPUInfo.CPUs != 4 {
		t.Fatalf("pve3 cpuinfo.cpus = %d, want 4", st.CPUInfo.CPUs)
	}
	for range 30 {
		e := h.lxcEntry("pve3", 400)
		if e["cpus"] != 8.0 || e["cpu"].(float64) > 0.5*1.07 {
			t.Fatalf("8 cores on 4 threads: cpus %v cpu %v, want cpus 8 and cpu at most half (+jitter)", e["cpus"], e["cpu"])
		}
		h.sim.Clock().Advance(10 * time.Second)
	}
	if e := h.lxcEntry("pve3", 401); e["cpus"] != 4.0 {
		t.Errorf("no cores: cpus %v, want the node's 4 threads", e["cpus"])
	}
	if e := h.lxcEntry("pve3", 402); e["cpus"] != "2" {
		t.Errorf("cpulimit only: cpus %#v, want the string \"2\"", e["cpus"])
	}
	if _, err := pvesim.New(pvesim.Options{NodeThreads: []int{4, 0}}); err == nil {
		t.Error("NodeThreads with 0 accepted")
	}
}

// The generated cluster has every CPU shape and storage type PVE clusters
// have, so that whatever runs on the default pvesim meets them.
func TestGeneratedClusterHasEveryShape(t *testing.T) {
	t.Parallel()
	sim, err := pvesim.New(pvesim.Options{Nodes: 5, Containers: 300, Seed: 1, Start: testStart})
	if err != nil {
		t.Fatal(err)
	}
	var noCores, limitOnly, both int
	storages := map[string]int{}
	for _, id := range sim.ContainerIDs() {
		st, _ := sim.Container(id)
		_, cores := st.Config["cores"]
		_, limit := st.Config["cpulimit"]
		switch {
		case !cores && !limit:
			noCores++
		case !cores && limit:
			limitOnly++
		case cores && limit:
			both++
		}
		v := st.Config["rootfs"]
		for i := range v {
			if v[i] == ':' {
				storages[v[:i]]++
				break
			}
		}
	}
	if noCores == 0 || limitOnly == 0 || both == 0 || len(storages) != 5 {
		t.Errorf("no cores %d, cpulimit only %d, both %d, storages %v: want each shape and all 5 storages", noCores, limitOnly, both, storages)
	}
}
