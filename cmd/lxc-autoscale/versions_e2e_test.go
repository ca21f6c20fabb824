package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/workload"
)

// A cluster in the middle of an upgrade (PVE 9, 8 and 7 nodes: vmid as a
// string before 8.2, no PSI before 9, another RRD layout) is collected,
// exported and scaled on every node alike.
func TestE2EMixedVersionsClusterIsScaledAndExportedWhole(t *testing.T) {
	t.Parallel()
	specs := []pvesim.ContainerSpec{
		{VMID: 401, Node: "pve1", Cores: 1, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Busy},
		{VMID: 402, Node: "pve2", Cores: 1, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Busy},
		{VMID: 403, Node: "pve3", Cores: 1, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Busy},
		{VMID: 404, Node: "pve3", CPULimit: 1.5, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Idle},
		{VMID: 405, Node: "pve2", Cores: 1, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Idle, Stopped: true},
	}
	e := newE2E(t, e2eOptions{nodes: 3, speed: 1, specs: specs, versions: []string{"9.1.1", "8.1.4", "7.4-19"}})
	r := e.start("run")
	e.eventually(r, 30*time.Second, "the busy container of every node gaining cores", func() bool {
		return e.confInt(401, "cores") > 1 && e.confInt(402, "cores") > 1 && e.confInt(403, "cores") > 1
	})
	var cycles []map[string]json.RawMessage
	e.eventually(r, 10*time.Second, "an export with every running container", func() bool {
		b, err := os.ReadFile(filepath.Join(e.dir, "lxc_metrics.json"))
		if err != nil || json.Unmarshal(b, &cycles) != nil || len(cycles) == 0 {
			return false
		}
		var ids []int
		for k := range cycles[len(cycles)-1] {
			if id, err := strconv.Atoi(k); err == nil {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		return slices.Equal(ids, []int{401, 402, 403, 404})
	})
	r.stop(t)
}
