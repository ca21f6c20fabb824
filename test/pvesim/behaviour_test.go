package pvesim_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
)

func TestTaskLifecycleHoldsLock(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	before := h.config("pve1", "100")["digest"]
	upid := h.upid(h.do(req{method: "POST", path: "/nodes/pve1/lxc/100/snapshot", params: form("snapname", "pre", "description", "before scaling")}))
	if !upidPattern.MatchString(upid) || !strings.Contains(upid, ":vzsnapshot:100:"+testTokenID+":") {
		t.Fatalf("UPID %q is not canonical for vzsnapshot of 100 by %s", upid, testTokenID)
	}
	st := h.task(upid)
	if st.Status != "running" || st.ExitStatus != "" || st.User != "root@pam" || st.TokenID != "test" || st.Type != "vzsnapshot" || st.ID != "100" {
		t.Fatalf("running task status = %+v", st)
	}
	conf := h.config("pve1", "100")
	if conf["lock"] != "snapshot" || conf["digest"] == before {
		t.Fatalf("during the task lock = %v digest changed = %v, want lock snapshot and a new digest", conf["lock"], conf["digest"] != before)
	}
	var list []map[string]any
	h.ok(h.get("/nodes/pve1/lxc", nil), &list)
	if i := slices.IndexFunc(list, func(m map[string]any) bool { return m["vmid"] == 100.0 }); i < 0 || list[i]["lock"] != "snapshot" {
		t.Fatalf("lxc list does not show lock snapshot for 100: %v", list)
	}
	if got := h.do(req{method: "PUT", path: "/nodes/pve1/lxc/100/config", params: form("cores", "3")}); got.status != 500 || got.reason != "CT is locked (snapshot)" {
		t.Fatalf("PUT config while snapshotting = %d %q, want 500 CT is locked (snapshot)", got.status, got.reason)
	}

	if st := h.finish(upid); st.ExitStatus != "OK" {
		t.Fatalf("exitstatus = %q, want OK", st.ExitStatus)
	}
	var log []struct {
		N int    `json:"n"`
		T string `json:"t"`
	}
	h.ok(h.get("/nodes/pve1/tasks/"+upid+"/log", nil), &log)
	if len(log) == 0 || log[len(log)-1].T != "TASK OK" || log[len(log)-1].N != len(log) {
		t.Fatalf("task log = %+v, want it to end with TASK OK", log)
	}
	conf = h.config("pve1", "100")
	if _, locked := conf["lock"]; locked || conf["parent"] != "pre" {
		t.Fatalf("after the task lock = %v parent = %v, want no lock and parent pre", conf["lock"], conf["parent"])
	}
	var snaps []map[string]any
	h.ok(h.get("/nodes/pve1/lxc/100/snapshot", nil), &snaps)
	if len(snaps) != 2 || snaps[0]["name"] != "pre" || snaps[0]["description"] != "before scaling" || snaps[1]["name"] != "current" || snaps[1]["digest"] != conf["digest"] {
		t.Fatalf("snapshots = %v", snaps)
	}
}

func TestInTaskFailuresAndSyncChecks(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	if err := h.sim.SetLock(100, "backup"); err != nil {
		t.Fatal(err)
	}
	// Snapshot calls check the lock inside the worker: 200 + a failing task.
	upid := h.upid(h.do(req{method: "POST", path: "/nodes/pve1/lxc/100/snapshot", params: form("snapname", "s1")}))
	if st := h.finish(upid); st.ExitStatus != "CT is locked (backup)" {
		t.Fatalf("exitstatus = %q, want CT is locked (backup)", st.ExitStatus)
	}
	var log []struct{ T string }
	h.ok(h.get("/nodes/pve1/tasks/"+upid+"/log", nil), &log)
	if log[len(log)-1].T != "TASK ERROR: CT is locked (backup)" {
		t.Fatalf("last log line = %q", log[len(log)-1].T)
	}
	// Resize, clone and delete check it before forking: a 500.
	for _, r := range []req{
		{method: "PUT", path: "/nodes/pve1/lxc/100/resize", params: form("disk", "rootfs", "size", "+1G")},
		{method: "POST", path: "/nodes/pve1/lxc/100/clone", params: form("newid", "200")},
		{method: "DELETE", path: "/nodes/pve1/lxc/100", params: form("force", "1")},
	} {
		if got := h.do(r); got.status != 500 || got.reason != "CT is locked (backup)" {
			t.Errorf("%s %s on a locked CT = %d %q, want 500 CT is locked (backup)", r.method, r.path, got.status, got.reason)
		}
	}
	if err := h.sim.SetLock(100, ""); err != nil {
		t.Fatal(err)
	}
	if got := h.do(req{method: "POST", path: "/nodes/pve1/lxc/100/snapshot", params: form("snapname", "current")}); got.status != 500 || got.reason != "unable to use snapshot name 'current' (reserved name)" {
		t.Errorf("reserved name = %d %q", got.status, got.reason)
	}
	upid = h.upid(h.do(req{method: "DELETE", path: "/nodes/pve1/lxc/100/snapshot/nosuch"}))
	if st := h.finish(upid); st.ExitStatus != "snapshot 'nosuch' does not exist" {
		t.Errorf("delete missing snapshot exit = %q", st.ExitStatus)
	}
}

func TestDigestChangesOnEveryWrite(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	digest := func() string {
		d, _ := h.config("pve1", "100")["digest"].(string)
		if len(d) != 40 {
			t.Fatalf("digest %q is not 40 hex", d)
		}
		return d
	}
	d0 := digest()
	if d := digest(); d != d0 {
		t.Fatalf("digest changed without a write")
	}
	h.ok(h.do(req{method: "PUT", path: "/nodes/pve1/lxc/100/config", params: form("memory", "3072", "digest", d0)}), nil)
	d1 := digest()
	if d1 == d0 {
		t.Fatal("PUT config did not change the digest")
	}
	if err := h.sim.SetLock(100, "backup"); err != nil {
		t.Fatal(err)
	}
	if d := digest(); d == d1 {
		t.Fatal("setting a lock left the digest unchanged")
	}
	if err := h.sim.SetLock(100, ""); err != nil {
		t.Fatal(err)
	}
	// The digest is the SHA-1 of the file: the same content, the same digest.
	if d := digest(); d != d1 {
		t.Fatal("clearing the lock did not restore the digest of the identical file")
	}
	if err := h.sim.SetConfig(100, "cores", "7"); err != nil {
		t.Fatal(err)
	}
	for _, r := range []req{
		{method: "PUT", path: "/nodes/pve1/lxc/100/config", params: form("cores", "2", "digest", d1)},
		{method: "PUT", path: "/nodes/pve1/lxc/100/resize", params: form("disk", "rootfs", "size", "+1G", "digest", d1)},
	} {
		got := h.do(r)
		if got.status != 500 || got.reason != "detected modified configuration - file changed by other user? Try again." {
			t.Errorf("%s with stale digest = %d %q", r.path, got.status, got.reason)
		}
	}
	if st, _ := h.sim.Container(100); st.Config["cores"] != "7" || st.Digest != digest() {
		t.Errorf("Container(100) = cores %q digest %q", st.Config["cores"], st.Digest)
	}
}

func TestPutConfigHotplugAndRules(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	const cfg = "/nodes/pve1/lxc/100/config"
	h.ok(h.do(req{method: "PUT", path: cfg, params: form("cores", "4", "memory", "4096", "swap", "1024", "cpuunits", "50000", "cpulimit", "3")}), nil)
	var cur map[string]any
	h.ok(h.get("/nodes/pve1/lxc/100/status/current", nil), &cur)
	if cur["status"] != "running" || cur["cpus"] != 4.0 || cur["maxmem"] != float64(4096<<20) || cur["maxswap"] != float64(1024<<20) {
		t.Fatalf("running CT after PUT: %v", cur)
	}
	conf := h.config("pve1", "100")
	if conf["cpuunits"] != 10000.0 || conf["cpulimit"] != "3" {
		t.Errorf("cpuunits = %v (want clamped 10000), cpulimit = %#v (want string \"3\")", conf["cpuunits"], conf["cpulimit"])
	}
	h.ok(h.do(req{method: "PUT", path: cfg, params: form("delete", "cpulimit,cpuunits")}), nil)
	conf = h.config("pve1", "100")
	if _, has := conf["cpulimit"]; has {
		t.Errorf("cpulimit still set after delete: %v", conf)
	}
	if got := h.do(req{method: "PUT", path: cfg, params: form("delete", "memory")}); got.status != 500 || got.reason != "unable to delete required option 'memory'" {
		t.Errorf("delete memory = %d %q", got.status, got.reason)
	}
	if st, _ := h.sim.Container(100); st.Config["memory"] != "4096" || !st.Running {
		t.Errorf("state after PUTs = %+v", st)
	}
}

func TestResizeRules(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	const rs = "/nodes/pve1/lxc/100/resize"
	tests := []struct {
		size, reason string
	}{
		{"4G", "unable to shrink disk size"},
		{"8G", "disk is already at specified size"},
		{"+0", "disk is already at specified size"},
	}
	for _, tt := range tests {
		if got := h.do(req{method: "PUT", path: rs, params: form("disk", "rootfs", "size", tt.size)}); got.status != 500 || got.reason != tt.reason {
			t.Errorf("resize to %s = %d %q, want 500 %q", tt.size, got.status, got.reason, tt.reason)
		}
	}
	if got := h.do(req{method: "PUT", path: rs, params: form("disk", "mp0", "size", "+1G")}); got.status != 500 || got.reason != "disk 'mp0' does not exist" {
		t.Errorf("resize of a missing mount point = %d %q", got.status, got.reason)
	}
	upid := h.upid(h.do(req{method: "PUT", path: rs, params: form("disk", "rootfs", "size", "+1.5G")}))
	if !strings.Contains(upid, ":resize:100:") {
		t.Errorf("UPID %q is not a resize task", upid)
	}
	// The resize holds the config flock; PVE waits up to 10 s for it, longer than this task runs.
	h.ok(h.do(req{method: "PUT", path: "/nodes/pve1/lxc/100/config", params: form("cores", "3")}), nil)
	if st := h.finish(upid); st.ExitStatus != "OK" {
		t.Fatalf("resize exit = %q", st.ExitStatus)
	}
	if got := h.config("pve1", "100")["rootfs"]; got != "local-lvm:vm-100-disk-0,size=9728M" {
		t.Errorf("rootfs = %v, want size written back as 9728M", got)
	}
	upid = h.upid(h.do(req{method: "PUT", path: rs, params: form("disk", "rootfs", "size", "10G")}))
	h.finish(upid)
	if got := h.config("pve1", "100")["rootfs"]; got != "local-lvm:vm-100-disk-0,size=10G" {
		t.Errorf("rootfs = %v, want size=10G", got)
	}
}

func TestSlowResizeTimesOutConfigWrites(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(o *pvesim.Options) { o.TaskDuration = time.Minute })
	upid := h.upid(h.do(req{method: "PUT", path: "/nodes/pve1/lxc/100/resize", params: form("disk", "rootfs", "size", "+1G")}))
	for _, r := range []req{
		{method: "PUT", path: "/nodes/pve1/lxc/100/config", params: form("cores", "3")},
		{method: "PUT", path: "/nodes/pve1/lxc/100/resize", params: form("disk", "rootfs", "size", "+1G")},
	} {
		if got := h.do(r); got.status != 500 || got.reason != "can't lock file '/run/lock/lxc/pve-config-100.lock' - got timeout" {
			t.Errorf("%s during a long resize = %d %q, want the flock timeout", r.path, got.status, got.reason)
		}
	}
	h.sim.FinishTasks()
	if st := h.task(upid); st.Status != "stopped" || st.ExitStatus != "OK" {
		t.Fatalf("after FinishTasks: %+v", st)
	}
	h.ok(h.do(req{method: "PUT", path: "/nodes/pve1/lxc/100/config", params: form("cores", "3")}), nil)
}

func TestCloneRules(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	var next string
	h.ok(h.get("/cluster/nextid", nil), &next)
	if next != "105" {
		t.Fatalf("nextid = %q, want the string \"105\"", next)
	}
	fails := []struct {
		name   string
		path   string
		params []string
		reason string
	}{
		{"id taken", "/nodes/pve1/lxc/100/clone", []string{"newid", "101"}, "CT 101 already exists on node 'pve1'"},
		{"running full clone", "/nodes/pve1/lxc/100/clone", []string{"newid", "105"}, "Full clone of a running container is only possible from a snapshot"},
		{"linked from non-template", "/nodes/pve2/lxc/102/clone", []string{"newid", "105", "full", "0"}, "Linked clone feature for 'local-lvm:vm-102-disk-0' is not available"},
		{"storage on linked", "/nodes/pve2/lxc/103/clone", []string{"newid", "105", "storage", "local-lvm"}, "parameter 'storage' not allowed for linked clones"},
		{"local storage to other node", "/nodes/pve2/lxc/102/clone", []string{"newid", "105", "target", "pve1"}, "can't clone CT to node 'pve1' (CT uses local storage)"},
		{"missing snapshot", "/nodes/pve1/lxc/100/clone", []string{"newid", "105", "snapname", "nope"}, "snapshot 'nope' does not exist"},
	}
	for _, tt := range fails {
		if got := h.do(req{method: "POST", path: tt.path, params: form(tt.params...)}); got.status != 500 || got.reason != tt.reason {
			t.Errorf("%s: %d %q, want 500 %q", tt.name, got.status, got.reason, tt.reason)
		}
	}
	upid := h.upid(h.do(req{method: "POST", path: "/nodes/pve2/lxc/102/clone", params: form("newid", next, "hostname", "batch-2")}))
	if !strings.Contains(upid, ":vzclone:102:") {
		t.Errorf("UPID %q is not vzclone of the source", upid)
	}
	clone := h.config("pve2", next)
	if clone["lock"] != "create" || clone["hostname"] != "batch-2" || h.config("pve2", "102")["lock"] != "disk" {
		t.Fatalf("during clone: target %v, source lock %v", clone, h.config("pve2", "102")["lock"])
	}
	h.finish(upid)
	clone = h.config("pve2", next)
	if _, locked := clone["lock"]; locked || clone["rootfs"] != "local-lvm:vm-105-disk-0,size=16G" {
		t.Errorf("after clone: %v", clone)
	}
	// A linked clone of the template, and a clone to another node from shared storage.
	h.finish(h.upid(h.do(req{method: "POST", path: "/nodes/pve2/lxc/103/clone", params: form("newid", "106")})))
	if got := h.config("pve2", "106")["rootfs"]; got != "local-lvm:vm-103-disk-0/vm-106-disk-0,size=4G" {
		t.Errorf("linked clone rootfs = %v", got)
	}
	if err := h.sim.SetRunning(104, false); err != nil {
		t.Fatal(err)
	}
	h.finish(h.upid(h.do(req{method: "POST", path: "/nodes/pve3/lxc/104/clone", params: form("newid", "107", "target", "pve1")})))
	if st, ok := h.sim.Container(107); !ok || st.Node != "pve1" || st.Running {
		t.Errorf("clone to pve1: %+v %v", st, ok)
	}
}

func TestCloneTaskFailureRemovesTarget(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.sim.InjectFault(pvesim.Fault{Route: "/nodes/{node}/lxc/{vmid}/clone", TaskExit: "storage full", Count: 1})
	upid := h.upid(h.do(req{method: "POST", path: "/nodes/pve2/lxc/102/clone", params: form("newid", "150")}))
	if _, ok := h.sim.Container(150); !ok {
		t.Fatal("clone target does not exist while the task runs")
	}
	if st := h.finish(upid); st.ExitStatus != "clone failed: storage full" {
		t.Errorf("exit = %q", st.ExitStatus)
	}
	if _, ok := h.sim.Container(150); ok {
		t.Error("failed clone left its target behind")
	}
	if st, _ := h.sim.Container(102); st.Lock != "" {
		t.Errorf("source still locked %q", st.Lock)
	}
}

func TestDeleteRules(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	if got := h.do(req{method: "DELETE", path: "/nodes/pve1/lxc/100"}); got.status != 500 || got.reason != "unable to destroy CT 100 - container is running" {
		t.Errorf("delete running = %d %q", got.status, got.reason)
	}
	if got := h.do(req{method: "DELETE", path: "/nodes/pve3/lxc/104", params: form("force", "1")}); got.status != 500 || got.reason != "can't remove CT 104 - protection mode enabled" {
		t.Errorf("delete protected = %d %q", got.status, got.reason)
	}
	upid := h.upid(h.do(req{method: "DELETE", path: "/nodes/pve1/lxc/100", params: form("force", "1", "purge", "1")}))
	if st, _ := h.sim.Container(100); st.Lock != "destroyed" || st.Running {
		t.Errorf("during destroy: lock %q running %v", st.Lock, st.Running)
	}
	h.finish(upid)
	if got := h.get("/nodes/pve1/lxc/100/config", nil); got.status != 500 {
		t.Errorf("config after destroy = %d, want 500", got.status)
	}
}

func TestStartStopAndRollback(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	if got := h.do(req{method: "POST", path: "/nodes/pve2/lxc/102/status/stop"}); got.status != 500 || got.reason != "CT 102 not running" {
		t.Errorf("stop stopped = %d %q", got.status, got.reason)
	}
	if got := h.do(req{method: "POST", path: "/nodes/pve1/lxc/100/status/start", params: form("skiplock", "1")}); got.status != 400 || got.errors["skiplock"] != "Only root may use this option." {
		t.Errorf("skiplock by a token = %d %v", got.status, got.errors)
	}
	h.finish(h.upid(h.do(req{method: "POST", path: "/nodes/pve2/lxc/102/status/start"})))
	if st, _ := h.sim.Container(102); !st.Running {
		t.Fatal("102 not running after vzstart")
	}
	h.finish(h.upid(h.do(req{method: "POST", path: "/nodes/pve1/lxc/100/snapshot", params: form("snapname", "base")})))
	h.ok(h.do(req{method: "PUT", path: "/nodes/pve1/lxc/100/config", params: form("memory", "8192")}), nil)
	upid := h.upid(h.do(req{method: "POST", path: "/nodes/pve1/lxc/100/snapshot/base/rollback", params: form("start", "1")}))
	if st, _ := h.sim.Container(100); st.Running || st.Lock != "rollback" {
		t.Errorf("during rollback running %v lock %q, want stopped and locked", st.Running, st.Lock)
	}
	h.finish(upid)
	st, _ := h.sim.Container(100)
	if st.Config["memory"] != "2048" || st.Config["parent"] != "base" || !st.Running || st.Lock != "" {
		t.Errorf("after rollback: %+v", st)
	}
	h.finish(h.upid(h.do(req{method: "DELETE", path: "/nodes/pve1/lxc/100/snapshot/base"})))
	if st, _ := h.sim.Container(100); len(st.Snapshots) != 0 || st.Config["parent"] != "" {
		t.Errorf("after snapshot delete: snapshots %v parent %q", st.Snapshots, st.Config["parent"])
	}
}

func TestOfflineNode(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.sim.SetNodeOnline("pve2", false)
	var nodes []map[string]any
	h.ok(h.get("/nodes", nil), &nodes)
	for _, n := range nodes {
		if n["node"] != "pve2" {
			continue
		}
		_, hasCPU := n["cpu"]
		_, hasUptime := n["uptime"]
		if n["status"] != "offline" || hasCPU || hasUptime || n["maxcpu"] != float64(pvesim.DefaultNodeThreads[1]) || n["maxmem"] == nil {
			t.Errorf("offline node entry = %v", n)
		}
	}
	var res []map[string]any
	h.ok(h.get("/cluster/resources", form("type", "vm")), &res)
	for _, r := range res {
		if r["node"] == "pve2" && (r["status"] != "unknown" || r["mem"] != nil) {
			t.Errorf("CT on an offline node = %v, want status unknown without stats", r)
		}
	}
	for _, path := range []string{"/nodes/pve2/lxc", "/nodes/pve2/lxc/102/status/current", "/nodes/pve2/status"} {
		got := h.get(path, nil)
		if got.status != 595 || got.reason != "Connection refused" || len(got.raw) != 0 {
			t.Errorf("GET %s = %d %q body %q, want 595 Connection refused, empty", path, got.status, got.reason, got.raw)
		}
	}
	h.ok(h.get("/nodes/pve2/lxc/102/rrddata", form("timeframe", "hour")), nil)
	h.sim.SetNodeOnline("pve2", true)
	h.ok(h.get("/nodes/pve2/lxc", nil), nil)
}

func TestFaults(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.sim.InjectFault(pvesim.Fault{Method: "GET", Route: "/nodes/{node}/lxc", Node: "pve1", Status: 503, Reason: "Service Unavailable Now", Count: 2})
	for i := range 2 {
		if got := h.get("/nodes/pve1/lxc", nil); got.status != 503 || got.reason != "Service Unavailable Now" {
			t.Fatalf("request %d = %d %q, want the fault", i, got.status, got.reason)
		}
	}
	h.ok(h.get("/nodes/pve2/lxc", nil), nil)
	h.ok(h.get("/nodes/pve1/lxc", nil), nil)

	h.sim.InjectFault(pvesim.Fault{Route: "/nodes/{node}/lxc/{vmid}/resize", TaskExit: "lvresize failed"})
	upid := h.upid(h.do(req{method: "PUT", path: "/nodes/pve1/lxc/100/resize", params: form("disk", "rootfs", "size", "+1G")}))
	if st := h.finish(upid); st.ExitStatus != "lvresize failed" {
		t.Errorf("exit = %q", st.ExitStatus)
	}
	if got := h.config("pve1", "100")["rootfs"]; got != "local-lvm:vm-100-disk-0,size=8G" {
		t.Errorf("failed resize changed rootfs to %v", got)
	}
	h.sim.ClearFaults()

	h.sim.InjectFault(pvesim.Fault{Route: "/version", Latency: 80 * time.Millisecond, Count: 1})
	start := time.Now()
	h.ok(h.get("/version", nil), nil)
	if el := time.Since(start); el < 80*time.Millisecond {
		t.Errorf("latency fault answered after %v, want at least 80ms", el)
	}

	h.sim.InjectFault(pvesim.Fault{Route: "/nodes", Status: 500, Reason: "simulated failure", Rate: 0.5})
	failed := 0
	for range 100 {
		if got := h.get("/nodes", nil); got.status == 500 {
			failed++
		}
	}
	if failed < 20 || failed > 80 {
		t.Errorf("rate 0.5 failed %d of 100 requests", failed)
	}
	h.sim.ClearFaults()

	h.sim.InjectFault(pvesim.Fault{Route: "/version", Hang: true})
	client := &http.Client{Timeout: 100 * time.Millisecond}
	hr, _ := http.NewRequest("GET", h.srv.URL+"/api2/json/version", nil)
	hr.Header.Set("Authorization", "PVEAPIToken="+testToken)
	if resp, err := client.Do(hr); err == nil {
		resp.Body.Close()
		t.Fatalf("hanging request answered %s", resp.Status)
	}
	h.sim.ClearFaults()
	h.ok(h.get("/version", nil), nil)
}

func TestRequestLog(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.ok(h.do(req{method: "PUT", path: "/nodes/pve1/lxc/100/config", params: form("cores", "4")}), nil)
	h.do(req{method: "POST", path: "/access/ticket", noAuth: true, params: form("username", "alice@pve", "password", "wonderland")})
	h.get("/nodes/pve1/lxc/100/nope", nil)
	log := h.sim.Requests()
	if len(log) != 3 {
		t.Fatalf("log has %d entries, want 3: %+v", len(log), log)
	}
	put := log[0]
	if put.Method != "PUT" || put.Route != "/nodes/{node}/lxc/{vmid}/config" || put.Path != "/nodes/pve1/lxc/100/config" ||
		put.Node != "pve1" || put.Status != 200 || put.Token != testTokenID || put.Params.Encode() != "cores=4" || !put.Time.Equal(testStart) {
		t.Errorf("PUT entry = %+v", put)
	}
	if login := log[1]; login.Params.Has("password") || login.Params.Get("username") != "alice@pve" || login.Status != 200 {
		t.Errorf("login entry = %+v (the password must never be logged)", login)
	}
	if unknown := log[2]; unknown.Route != "" || unknown.Status != 501 {
		t.Errorf("unrouted entry = %+v", unknown)
	}
	for _, r := range log {
		b, _ := json.Marshal(r)
		if strings.Contains(string(b), "secret") || strings.Contains(string(b), "wonderland") {
			t.Errorf("log entry leaks a secret: %s", b)
		}
	}
	h.sim.ResetRequests()
	if n := len(h.sim.Requests()); n != 0 {
		t.Errorf("after ResetRequests the log has %d entries", n)
	}
}
