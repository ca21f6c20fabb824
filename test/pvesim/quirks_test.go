package pvesim_test

import (
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
)

// TestWireTypesFollowPVE checks the JSON types PVE really sends, which
// differ from its schema (reference §3.3).
func TestWireTypesFollowPVE(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	conf := h.config("pve1", "101")
	if conf["cpulimit"] != "1.5" || conf["memory"] != 1024.0 || conf["unprivileged"] != 1.0 || conf["hostname"] != "db" {
		t.Errorf("config types: cpulimit %#v memory %#v unprivileged %#v", conf["cpulimit"], conf["memory"], conf["unprivileged"])
	}
	var list []map[string]any
	h.ok(h.get("/nodes/pve1/lxc", nil), &list)
	if len(list) != 2 || list[0]["vmid"] != 100.0 || list[0]["cpus"] != 2.0 || list[1]["cpus"] != "1.5" {
		t.Fatalf("lxc list vmid/cpus types: %v", list)
	}
	web := list[0]
	for _, k := range []string{"cpu", "mem", "maxmem", "swap", "maxswap", "disk", "maxdisk", "netin", "netout", "diskread", "diskwrite", "uptime", "pid",
		"pressurecpusome", "pressurecpufull", "pressureiosome", "pressureiofull", "pressurememorysome", "pressurememoryfull"} {
		if _, isNum := web[k].(float64); !isNum {
			t.Errorf("running CT %s = %#v, want a number", k, web[k])
		}
	}
	if web["type"] != "lxc" || web["tags"] != "autoscale" || web["status"] != "running" {
		t.Errorf("list entry = %v", web)
	}
	if cpu := web["cpu"].(float64); cpu < 0 || cpu > 1 {
		t.Errorf("cpu %v is not a fraction of cpus", cpu)
	}
	var stopped []map[string]any
	h.ok(h.get("/nodes/pve2/lxc", nil), &stopped)
	for _, ct := range stopped {
		_, hasPID := ct["pid"]
		_, hasPressure := ct["pressurecpusome"]
		if ct["status"] != "stopped" || hasPID || hasPressure || ct["cpu"] != 0.0 || ct["mem"] != 0.0 {
			t.Errorf("stopped CT entry = %v", ct)
		}
		if ct["vmid"] == 103.0 && ct["template"] != 1.0 {
			t.Errorf("template CT lacks template: 1: %v", ct)
		}
	}
	var res []map[string]any
	h.ok(h.get("/cluster/resources", nil), &res)
	kinds := map[string]int{}
	for _, r := range res {
		kinds[r["type"].(string)]++
		switch r["id"] {
		case "lxc/101":
			if r["maxcpu"] != 1.5 || r["template"] != 0.0 || r["vmid"] != 101.0 {
				t.Errorf("resources lxc/101 = %v, want fractional maxcpu and numeric template", r)
			}
		case "node/pve1":
			if r["maxcpu"] != float64(pvesim.DefaultNodeThreads[0]) || r["status"] != "online" || r["cgroup-mode"] != 2.0 {
				t.Errorf("resources node/pve1 = %v", r)
			}
		}
	}
	if kinds["lxc"] != 5 || kinds["node"] != 3 || kinds["qemu"] != 0 || kinds["storage"] == 0 {
		t.Errorf("resource types = %v", kinds)
	}
	var vms []map[string]any
	h.ok(h.get("/cluster/resources", form("type", "vm")), &vms)
	if len(vms) != 5 {
		t.Errorf("type=vm gave %d entries, want the 5 containers", len(vms))
	}
	var cur map[string]any
	h.ok(h.get("/nodes/pve1/lxc/100/status/current", nil), &cur)
	if ha, _ := cur["ha"].(map[string]any); ha["managed"] != 0.0 {
		t.Errorf("status/current ha = %v", cur["ha"])
	}
}

func TestRRDData(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	tests := []struct {
		vmid, timeframe, cf string
		rows                int
		step                int64
		running             bool
	}{
		{"100", "hour", "", 60, 60, true},
		{"100", "day", "MAX", 1440, 60, true},
		{"100", "week", "AVERAGE", 336, 1800, true},
		{"102", "hour", "", 60, 60, false},
	}
	for _, tt := range tests {
		t.Run(tt.vmid+"/"+tt.timeframe+"/"+tt.cf, func(t *testing.T) {
			params := form("timeframe", tt.timeframe)
			if tt.cf != "" {
				params.Set("cf", tt.cf)
			}
			var rows []map[string]float64
			h.ok(h.get("/nodes/pve1/lxc/"+tt.vmid+"/rrddata", params), &rows)
			if len(rows) != tt.rows {
				t.Fatalf("%d rows, want %d", len(rows), tt.rows)
			}
			last := int64(rows[len(rows)-1]["time"])
			if end := testStart.Unix() / tt.step * tt.step; last != end-tt.step {
				t.Errorf("last row at %d, want %d (one step before the current boundary)", last, end-tt.step)
			}
			if int64(rows[1]["time"]-rows[0]["time"]) != tt.step {
				t.Errorf("step %v, want %d", rows[1]["time"]-rows[0]["time"], tt.step)
			}
			r := rows[len(rows)-1]
			_, hasCPU := r["cpu"]
			if hasCPU != tt.running || r["maxcpu"] == 0 || r["maxmem"] == 0 {
				t.Errorf("row %v: cpu present %v, want %v; maxcpu and maxmem always", r, hasCPU, tt.running)
			}
			if tt.running && (r["cpu"] < 0 || r["cpu"] > 1) {
				t.Errorf("cpu %v is not a fraction of maxcpu", r["cpu"])
			}
		})
	}
	// History follows allocation changes: more memory shows in maxmem from then on.
	h.ok(h.do(req{method: "PUT", path: "/nodes/pve1/lxc/100/config", params: form("memory", "4096")}), nil)
	h.sim.Clock().Advance(5 * time.Minute)
	var rows []map[string]float64
	h.ok(h.get("/nodes/pve1/lxc/100/rrddata", form("timeframe", "hour")), &rows)
	if first, last := rows[0]["maxmem"], rows[len(rows)-1]["maxmem"]; first != 2048<<20 || last != 4096<<20 {
		t.Errorf("maxmem first %v last %v, want 2 GiB before the change and 4 GiB after", first, last)
	}
}
