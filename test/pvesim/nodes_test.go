package pvesim_test

import (
	"errors"
	"maps"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
)

// nodeEntry returns the entry of node in /nodes.
func (h *harness) nodeEntry(node string) map[string]any {
	h.t.Helper()
	var nodes []map[string]any
	h.ok(h.get("/nodes", nil), &nodes)
	for _, n := range nodes {
		if n["node"] == node {
			return n
		}
	}
	h.t.Fatalf("/nodes lacks %s: %v", node, nodes)
	return nil
}

// resource returns the /cluster/resources entry with id.
func (h *harness) resource(id string) map[string]any {
	h.t.Helper()
	var res []map[string]any
	h.ok(h.get("/cluster/resources", nil), &res)
	for _, r := range res {
		if r["id"] == id {
			return r
		}
	}
	h.t.Fatalf("/cluster/resources lacks %s", id)
	return nil
}

func (h *harness) clusterOnline(node string) bool {
	h.t.Helper()
	var st []map[string]any
	h.ok(h.get("/cluster/status", nil), &st)
	for _, e := range st {
		if e["name"] == node {
			return e["online"] == 1.0
		}
	}
	h.t.Fatalf("/cluster/status lacks %s", node)
	return false
}

// refused checks that proxied calls for node answer like an unreachable node.
func (h *harness) refused(node string) {
	h.t.Helper()
	for _, path := range []string{"/nodes/" + node + "/lxc", "/nodes/" + node + "/status", "/nodes/" + node + "/lxc/104/config"} {
		if got := h.get(path, nil); got.status != 595 || got.reason != "Connection refused" || len(got.raw) != 0 {
			h.t.Errorf("GET %s = %d %q body %q, want 595 Connection refused with no body", path, got.status, got.reason, got.raw)
		}
	}
}

func TestKilledNodeListedOnlineUntilGrace(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	before := h.nodeEntry("pve3")
	ctBefore := h.resource("lxc/104")
	if err := h.sim.KillNode("pve3"); err != nil {
		t.Fatal(err)
	}
	h.refused("pve3")
	h.sim.Clock().Advance(29 * time.Second)
	// Within the grace: listed online with the stats of its last broadcast.
	n := h.nodeEntry("pve3")
	if n["status"] != "online" || n["uptime"] != before["uptime"] || n["cpu"] != before["cpu"] || n["mem"] != before["mem"] {
		t.Errorf("pve3 within the grace = %v, want online with its last stats %v", n, before)
	}
	if !h.clusterOnline("pve3") {
		t.Error("/cluster/status shows pve3 offline within the grace")
	}
	if ct := h.resource("lxc/104"); ct["status"] != "running" || ct["uptime"] != ctBefore["uptime"] || ct["cpu"] != ctBefore["cpu"] || ct["netin"] != ctBefore["netin"] {
		t.Errorf("lxc/104 within the grace = %v, want still running with its last stats %v", ct, ctBefore)
	}
	if st := h.resource("node/pve3"); st["status"] != "online" {
		t.Errorf("node/pve3 within the grace = %v", st)
	}
	h.refused("pve3")

	h.sim.Clock().Advance(time.Second)
	// The cluster noticed: offline, as SetNodeOnline(false) shows it.
	n = h.nodeEntry("pve3")
	_, hasCPU := n["cpu"]
	_, hasUptime := n["uptime"]
	if n["status"] != "offline" || hasCPU || hasUptime || n["maxcpu"] != float64(pvesim.DefaultNodeThreads[2]) {
		t.Errorf("pve3 after the grace = %v, want offline with maxcpu and no stats", n)
	}
	if h.clusterOnline("pve3") {
		t.Error("/cluster/status shows pve3 online after the grace")
	}
	if ct := h.resource("lxc/104"); ct["status"] != "unknown" || ct["mem"] != nil {
		t.Errorf("lxc/104 after the grace = %v, want unknown without stats", ct)
	}
	h.refused("pve3")

	if err := h.sim.ReviveNode("pve3"); err != nil {
		t.Fatal(err)
	}
	n = h.nodeEntry("pve3")
	if n["status"] != "online" || n["uptime"] != 0.0 {
		t.Errorf("revived pve3 = %v, want online with a fresh uptime", n)
	}
	var list []map[string]any
	h.ok(h.get("/nodes/pve3/lxc", nil), &list)
	if len(list) != 1 || list[0]["status"] != "stopped" {
		t.Errorf("after the reboot pve3 lists %v, want CT 104 stopped (no onboot)", list)
	}
}

func TestKilledNodeGraceIsConfigurableAndOnbootRestarts(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(o *pvesim.Options) { o.NodeDeathGrace = 2 * time.Minute })
	if err := h.sim.SetConfig(104, "onboot", "1"); err != nil {
		t.Fatal(err)
	}
	if err := h.sim.KillNode("pve3"); err != nil {
		t.Fatal(err)
	}
	h.sim.Clock().Advance(time.Minute)
	if n := h.nodeEntry("pve3"); n["status"] != "online" {
		t.Errorf("pve3 one minute into a 2 min grace = %v", n["status"])
	}
	h.sim.Clock().Advance(time.Minute)
	if n := h.nodeEntry("pve3"); n["status"] != "offline" {
		t.Errorf("pve3 after a 2 min grace = %v", n["status"])
	}
	h.sim.SetNodeOnline("pve3", true) // the old switch revives a killed node too
	var cur map[string]any
	h.ok(h.get("/nodes/pve3/lxc/104/status/current", nil), &cur)
	if cur["status"] != "running" || cur["uptime"] != 0.0 {
		t.Errorf("onboot CT after the reboot = %v, want running since now", cur)
	}
	if err := h.sim.KillNode("pve9"); !errors.Is(err, pvesim.ErrNoSuchNode) {
		t.Errorf("KillNode(pve9) = %v, want ErrNoSuchNode", err)
	}
	if _, err := pvesim.New(pvesim.Options{NodeDeathGrace: -time.Second}); err == nil {
		t.Error("New accepted a negative NodeDeathGrace")
	}
}

// TestDownNodeLeavesRRDRowsEmpty: pvestatd of a dead node sends nothing,
// so rows of that time hold only "time"; PVE 9 drops such a newest row.
func TestDownNodeLeavesRRDRowsEmpty(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		versions []string
		rows     int
	}{{"9", nil, 59}, {"8", []string{"8.4.1"}, 70}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, func(o *pvesim.Options) { o.NodeVersions = tt.versions })
			if err := h.sim.KillNode("pve3"); err != nil {
				t.Fatal(err)
			}
			h.sim.Clock().Advance(10 * time.Minute)
			var rows []map[string]float64
			h.ok(h.get("/nodes/pve1/lxc/104/rrddata", form("timeframe", "hour")), &rows)
			if len(rows) != tt.rows {
				t.Fatalf("%d rows, want %d", len(rows), tt.rows)
			}
			died := testStart.Unix()
			for _, r := range rows {
				keys := slices.Sorted(maps.Keys(r))
				switch t0 := int64(r["time"]); {
				case t0+60 <= died:
					if _, ok := r["cpu"]; !ok {
						t.Errorf("row at %d before the death lacks cpu: %v", t0, keys)
					}
				case t0 >= died:
					if len(keys) != 1 {
						t.Errorf("row at %d after the death = %v, want only time", t0, keys)
					}
				}
			}
			if err := h.sim.ReviveNode("pve3"); err != nil {
				t.Fatal(err)
			}
			h.sim.Clock().Advance(2 * time.Minute)
			h.ok(h.get("/nodes/pve1/lxc/104/rrddata", form("timeframe", "hour")), &rows)
			if last := rows[len(rows)-1]; len(last) != 5 || last["disk"] != 0 {
				t.Errorf("newest row after the reboot (CT stopped) = %v, want time, maxcpu, maxmem, maxdisk, disk 0", last)
			}
		})
	}
}

// TestStoppedContainerReportsZeros: PVE::LXC::vmstatus (pve-container
// src/PVE/LXC.pm) sets the usage of a stopped container to 0 rather than
// leaving it out, and its RRD rows hold only the configured sizes and disk.
func TestStoppedContainerReportsZeros(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	var list []map[string]any
	h.ok(h.get("/nodes/pve2/lxc", nil), &list)
	var cur map[string]any
	h.ok(h.get("/nodes/pve2/lxc/102/status/current", nil), &cur)
	for name, e := range map[string]map[string]any{"lxc list": list[slices.IndexFunc(list, func(e map[string]any) bool { return e["vmid"] == 102.0 })], "status/current": cur} {
		for _, k := range []string{"cpu", "mem", "swap", "disk", "netin", "netout", "diskread", "diskwrite", "uptime"} {
			if v, ok := e[k]; !ok || v != 0.0 {
				t.Errorf("%s: stopped CT %s = %#v (present %v), want 0", name, k, v, ok)
			}
		}
		for _, k := range []string{"maxmem", "maxswap", "maxdisk", "cpus"} {
			if v, ok := e[k].(float64); !ok || (v == 0 && k != "maxswap") {
				t.Errorf("%s: stopped CT %s = %#v, want its configured size", name, k, e[k])
			}
		}
		if _, ok := e["pid"]; ok {
			t.Errorf("%s: stopped CT has a pid", name)
		}
	}
	var rows []map[string]float64
	h.ok(h.get("/nodes/pve2/lxc/102/rrddata", form("timeframe", "hour")), &rows)
	for _, r := range rows {
		if keys := slices.Sorted(maps.Keys(r)); !slices.Equal(keys, []string{"disk", "maxcpu", "maxdisk", "maxmem", "time"}) || r["disk"] != 0 {
			t.Fatalf("stopped CT row = %v, want exactly time, maxcpu, maxmem, maxdisk and disk 0", r)
		}
	}
}

// TestFaultForOneClient: a fault with Token hits only the client that
// presents that token id, or that user's ticket session.
func TestFaultForOneClient(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(o *pvesim.Options) { o.Tokens = []string{testToken, "root@pam!other=othersecret"} })
	var sess struct {
		Ticket string `json:"ticket"`
	}
	h.ok(h.do(req{method: "POST", path: "/access/ticket", noAuth: true, params: form("username", "alice@pve", "password", "wonderland")}), &sess)
	other := http.Header{"Authorization": {"PVEAPIToken=root@pam!other=othersecret"}}
	alice := http.Header{"Cookie": {"PVEAuthCookie=" + sess.Ticket}}

	h.sim.InjectFault(pvesim.Fault{Token: testTokenID, Status: 595, Reason: "No route to host"})
	h.sim.InjectFault(pvesim.Fault{Token: "alice@pve", Route: "/nodes", Status: 503})
	if got := h.get("/version", nil); got.status != 595 || got.reason != "No route to host" {
		t.Errorf("the cut-off token got %d %q", got.status, got.reason)
	}
	h.ok(h.do(req{method: "GET", path: "/version", header: other}), nil)
	h.ok(h.do(req{method: "GET", path: "/version", header: alice}), nil)
	if got := h.do(req{method: "GET", path: "/nodes", header: alice}); got.status != 503 {
		t.Errorf("alice's ticket session got %d on /nodes, want the 503 fault", got.status)
	}
	h.ok(h.do(req{method: "GET", path: "/nodes", header: other}), nil)
}

// TestKilledNodeLeavesTasksUnfinished: a task running on a node that dies
// ends "unexpected status" and its lock stays behind.
func TestKilledNodeLeavesTasksUnfinished(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	upid := h.upid(h.do(req{method: "POST", path: "/nodes/pve3/lxc/104/snapshot", params: form("snapname", "before")}))
	if err := h.sim.KillNode("pve3"); err != nil {
		t.Fatal(err)
	}
	h.sim.FinishTasks()
	h.sim.Clock().Advance(time.Minute)
	if got := h.get("/nodes/pve3/tasks/"+upid+"/status", nil); got.status != 595 {
		t.Errorf("task status on the dead node = %d, want 595", got.status)
	}
	if err := h.sim.ReviveNode("pve3"); err != nil {
		t.Fatal(err)
	}
	if st := h.task(upid); st.Status != "stopped" || st.ExitStatus != "unexpected status" {
		t.Errorf("task after the reboot = %+v, want stopped with unexpected status", st)
	}
	if lock := h.config("pve3", "104")["lock"]; lock != "snapshot" {
		t.Errorf("lock after the reboot = %v, want the stale snapshot lock", lock)
	}
}
