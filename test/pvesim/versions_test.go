package pvesim_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/workload"
)

var psiKeys = []string{"pressurecpusome", "pressurecpufull", "pressureiosome", "pressureiofull", "pressurememorysome", "pressurememoryfull"}

// mixedVersions is a cluster halfway through an upgrade: pve1 on 9, pve2 on
// 8.4, pve3 on 7.4, each with a running container.
func mixedVersions(o *pvesim.Options) {
	o.NodeVersions = []string{"9.1.1", "8.4.1", "7.4.19"}
	o.Specs = append(testSpecs(), pvesim.ContainerSpec{VMID: 105, Node: "pve2", Name: "eight", Cores: 1, MemoryMiB: 512, DiskGiB: 4, Workload: workload.Steady})
}

func TestNodeVersionsDifferPerNode(t *testing.T) {
	t.Parallel()
	h := newHarness(t, mixedVersions)
	var v map[string]string
	h.ok(h.get("/version", nil), &v)
	if v["version"] != "9.1.1" || v["release"] != "9.1" || v["repoid"] == "" {
		t.Errorf("/version = %v, want pve1's 9.1.1", v)
	}
	for node, want := range map[string]struct{ pveversion, kernel string }{
		"pve1": {"pve-manager/9.1.1/", "Linux 6.14."},
		"pve2": {"pve-manager/8.4.1/", "Linux 6.8."},
		"pve3": {"pve-manager/7.4-19/", "Linux 5.15."},
	} {
		var st map[string]any
		h.ok(h.get("/nodes/"+node+"/status", nil), &st)
		pv, _ := st["pveversion"].(string)
		kv, _ := st["kversion"].(string)
		if !strings.HasPrefix(pv, want.pveversion) || !strings.HasPrefix(kv, want.kernel) {
			t.Errorf("%s status pveversion %q kversion %q, want prefixes %q and %q", node, pv, kv, want.pveversion, want.kernel)
		}
	}
	for _, tt := range []struct {
		node, id  string
		vmid      any // as decoded from JSON
		psi       bool
		stringIDs bool
	}{
		{"pve1", "100", 100.0, true, false},
		{"pve2", "105", 105.0, false, false},
		{"pve3", "104", "104", false, true},
	} {
		var list []map[string]any
		h.ok(h.get("/nodes/"+tt.node+"/lxc", nil), &list)
		i := slices.IndexFunc(list, func(e map[string]any) bool { return e["vmid"] == tt.vmid })
		if i < 0 {
			t.Errorf("%s lxc list has no vmid %#v: %v", tt.node, tt.vmid, list)
			continue
		}
		e := list[i]
		for _, k := range psiKeys {
			if _, has := e[k]; has != tt.psi {
				t.Errorf("%s running CT has %s: %v, want %v", tt.node, k, has, tt.psi)
			}
		}
		var cur map[string]any
		h.ok(h.get("/nodes/"+tt.node+"/lxc/"+tt.id+"/status/current", nil), &cur)
		if _, isString := cur["vmid"].(string); isString != tt.stringIDs {
			t.Errorf("%s status/current vmid %#v, want a string: %v", tt.node, cur["vmid"], tt.stringIDs)
		}
		if _, has := cur["pressurecpusome"]; has != tt.psi {
			t.Errorf("%s status/current has PSI: %v, want %v", tt.node, has, tt.psi)
		}
	}
}

// TestRRDLayoutFollowsVersions: the answering node's version picks the
// layout, the collecting node's version whether PSI is there.
func TestRRDLayoutFollowsVersions(t *testing.T) {
	t.Parallel()
	nine := newHarness(t, mixedVersions)
	eight := newHarness(t, func(o *pvesim.Options) { o.NodeVersions = []string{"8.4.1"} })
	tests := []struct {
		name      string
		h         *harness
		vmid      string
		timeframe string
		rows      int
		step      int64
		psi       bool
	}{
		{"9 from 9", nine, "100", "hour", 60, 60, true},
		{"9 from 8", nine, "105", "hour", 60, 60, false},
		{"9 from 7", nine, "104", "day", 1440, 60, false},
		{"8 hour", eight, "100", "hour", 70, 60, false},
		{"8 day", eight, "100", "day", 70, 1800, false},
		{"8 week", eight, "100", "week", 70, 3 * 3600, false},
		{"8 month", eight, "100", "month", 70, 12 * 3600, false},
		{"8 year", eight, "100", "year", 70, 7 * 86400, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rows []map[string]float64
			tt.h.ok(tt.h.get("/nodes/pve1/lxc/"+tt.vmid+"/rrddata", form("timeframe", tt.timeframe)), &rows)
			if len(rows) != tt.rows {
				t.Fatalf("%d rows, want %d", len(rows), tt.rows)
			}
			if step := int64(rows[1]["time"] - rows[0]["time"]); step != tt.step {
				t.Errorf("step %d s, want %d", step, tt.step)
			}
			last := rows[len(rows)-1]
			if _, hasCPU := last["cpu"]; !hasCPU {
				t.Fatalf("newest row of a running CT lacks cpu: %v", last)
			}
			if _, hasPSI := last["pressurecpusome"]; hasPSI != tt.psi {
				t.Errorf("newest row has PSI: %v, want %v (%v)", hasPSI, tt.psi, last)
			}
		})
	}
	got := eight.get("/nodes/pve1/lxc/999/rrddata", form("timeframe", "hour"))
	if got.status != 500 || !strings.Contains(got.reason, "/pve2-vm/999") {
		t.Errorf("missing RRD on PVE 8 = %d %q, want 500 naming pve2-vm/999", got.status, got.reason)
	}
}

func TestNodeVersionsRejectsBadInput(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		versions []string
		want     string
	}{
		{[]string{"9.1.1", "6.4-1"}, "NodeVersions[1]"},
		{[]string{"9.1"}, "NodeVersions[0]"},
		{[]string{"9.1.1", "9.1.1", "9.1.1", "9.1.1"}, "4 entries for 3 nodes"},
	} {
		_, err := pvesim.New(pvesim.Options{Nodes: 3, NodeVersions: tt.versions})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(NodeVersions %v) error %v, want one naming %q", tt.versions, err, tt.want)
		}
	}
}
