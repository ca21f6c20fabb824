package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/workload"
)

// timelineCooldown is the cooldown both ways in the fault timeline: long
// enough to see a broken one, short enough for many changes per container.
const timelineCooldown = 3 * time.Second

// The controller runs through a scripted timeline of what real clusters do
// (5xx bursts, a write whose answer never comes, a backup lock, a node that
// dies and comes back, a migration, an administrator's change, a restart)
// and the invariants hold throughout: every write that landed is audited
// applied or unknown, never failed; no write leaves the policy's bounds or
// the node's threads; no resource changes twice within its cooldown, also
// across the restart; no temporary file is left behind; and scaling goes on
// after every phase.
func TestE2EFaultTimelineKeepsInvariants(t *testing.T) {
	t.Parallel()
	specs := []pvesim.ContainerSpec{
		{VMID: 301, Node: "pve1", Cores: 1, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Busy},
		{VMID: 302, Node: "pve2", Cores: 1, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Busy},
		{VMID: 303, Node: "pve3", Cores: 1, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Busy},
		{VMID: 304, Node: "pve1", Cores: 4, MemoryMiB: 2048, DiskGiB: 8, Workload: workload.Idle},
		{VMID: 305, Node: "pve2", Cores: 2, MemoryMiB: 512, DiskGiB: 8, Workload: workload.Leak},
		{VMID: 306, Node: "pve1", Cores: 6, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Steady}, // above the max
		{VMID: 307, Node: "pve2", MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Busy},             // no cores
		{VMID: 308, Node: "pve3", Cores: 2, MemoryMiB: 1024, DiskGiB: 4, Workload: workload.DiskFill, Storage: "local-lvm"},
	}
	cd := timelineCooldown.String()
	e := newE2E(t, e2eOptions{nodes: 3, speed: 1, specs: specs, env: []string{
		"LXCA_SCALING_COOLDOWN_UP=" + cd, "LXCA_SCALING_COOLDOWN_DOWN=" + cd,
		"LXCA_SCALING_STABILIZATION_UP=1s", "LXCA_SCALING_STABILIZATION_DOWN=1s",
	}})
	landed := func() int {
		n := 0
		for _, w := range e.writes() {
			if w.Status == 200 {
				n++
			}
		}
		return n
	}
	// By the time a phase starts the busy containers may all sit at the
	// max, or back off after failed writes: an administrator's cut of one
	// of them (on a node that stays up, alternately) gives the controller a
	// change to make, at the start of each phase and again after it.
	busy := []int{301, 302}
	cut := func() {
		if err := e.sim.SetConfig(busy[0], "cores", "1"); err != nil {
			t.Fatal(err)
		}
		busy[0], busy[1] = busy[1], busy[0]
	}
	// phase lets the cluster's state act on the controller until the
	// event that ends it, then waits for a write to land again: within a
	// minute and a quarter, the backoff a container earns with two failed
	// writes in a row (30 s, then 60 s).
	phase := func(r *running, name string, ended func()) {
		t.Logf("phase %s", name)
		cut()
		ended()
		before := landed()
		cut()
		e.eventually(r, 75*time.Second, "a write landing after phase "+name, func() bool { return landed() > before })
	}
	passes := func(r *running, n int, name string) func() {
		return func() { e.awaitPasses(r, n, name) }
	}

	r := e.start("run")
	e.eventually(r, 20*time.Second, "the first writes", func() bool { return landed() >= 3 })

	e.sim.InjectFault(pvesim.Fault{Method: "PUT", Status: 500, Reason: "got timeout", Rate: 0.5})
	phase(r, "5xx burst", func() {
		e.awaitPasses(r, 3, "5xx burst")
		e.sim.ClearFaults()
	})

	e.sim.InjectFault(pvesim.Fault{Method: "PUT", Route: "/nodes/{node}/lxc/{vmid}/config", Hang: true, Count: 1})
	// past proxmox.timeout (5 s): pvesim logs the hung write when the client gives up
	phase(r, "unanswered write", func() {
		e.eventually(r, 75*time.Second, "the client giving up on the unanswered write", func() bool {
			for _, w := range e.writes() {
				if w.Status == 0 {
					return true
				}
			}
			return false
		})
	})

	if err := e.sim.SetLock(302, "backup"); err != nil {
		t.Fatal(err)
	}
	phase(r, "backup lock", passes(r, 2, "backup lock"))
	if err := e.sim.SetLock(302, ""); err != nil {
		t.Fatal(err)
	}

	if err := e.sim.KillNode("pve3"); err != nil {
		t.Fatal(err)
	}
	phase(r, "node death", passes(r, 4, "node death"))
	if err := e.sim.ReviveNode("pve3"); err != nil {
		t.Fatal(err)
	}

	if err := e.sim.MigrateContainer(301, "pve2"); err != nil {
		t.Fatal(err)
	}
	if err := e.sim.SetConfig(305, "memory", "1536"); err != nil {
		t.Fatal(err)
	}
	phase(r, "migration and a foreign change", passes(r, 2, "migration and a foreign change"))

	if code := r.stop(t); code != 0 {
		t.Fatalf("run exited %d on SIGTERM", code)
	}
	r = e.start("run")
	phase(r, "restart", passes(r, 2, "restart"))
	if code := r.stop(t); code != 0 {
		t.Fatalf("run exited %d on SIGTERM", code)
	}

	checkTimelineInvariants(t, e)
}

func checkTimelineInvariants(t *testing.T, e *e2e) {
	t.Helper()
	audit := readAudit(t, filepath.Join(e.dir, "audit.jsonl"))
	threads := map[string]int{}
	for i, name := range e.sim.NodeNames() {
		threads[name] = pvesim.DefaultNodeThreads[i%len(pvesim.DefaultNodeThreads)]
	}
	type change struct {
		at    time.Time
		value string
	}
	last := map[string]change{} // vmid/resource -> last landed change
	writes := 0
	for _, w := range e.writes() {
		if w.Status != 200 || w.Method != "PUT" {
			continue
		}
		vmid := vmidOf(w.Path)
		writes++
		for _, res := range []string{"cores", "memory", "swap", "size"} {
			v := w.Params.Get(res)
			if v == "" {
				continue
			}
			resource := res
			if res == "size" {
				resource = "disk"
			}
			// Audited applied or unknown, never failed.
			if !auditShows(audit, vmid, resource, func(result string) bool { return result == "applied" || result == "unknown" }) {
				t.Errorf("landed %s of %d = %s has no applied or unknown audit record", resource, vmid, v)
			}
			// Within the bounds (cpu 1..4, memory 512..2048 MiB) and the node.
			n, _ := strconv.Atoi(v)
			switch res {
			case "cores":
				if n < 1 || n > 4 || n > threads[w.Node] {
					t.Errorf("%d: cores %d outside 1..4 or above %s's %d threads", vmid, n, w.Node, threads[w.Node])
				}
			case "memory":
				if n < 512 || n > 2048 {
					t.Errorf("%d: memory %d MiB outside 512..2048", vmid, n)
				}
			}
			// Never twice within the cooldown. The request log's times are
			// the simulator's clock, which runs at real speed here.
			key := strconv.Itoa(vmid) + "/" + resource
			if p, ok := last[key]; ok && w.Time.Sub(p.at) < timelineCooldown-100*time.Millisecond {
				t.Errorf("%s changed %s -> %s only %s after the previous change (cooldown %s)", key, p.value, v, w.Time.Sub(p.at), timelineCooldown)
			}
			last[key] = change{at: w.Time, value: v}
		}
	}
	if writes < 10 {
		t.Errorf("only %d writes landed in the whole timeline", writes)
	}
	for _, a := range audit {
		if a["vmid"] == 307.0 && a["resource"] == "cores" {
			t.Errorf("cores of 307 (no cores set) were touched: %v", a)
		}
	}
	entries, err := os.ReadDir(e.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range entries {
		if strings.HasPrefix(f.Name(), ".") {
			t.Errorf("temporary file left behind: %s", f.Name())
		}
	}
	t.Logf("%d writes landed, %d audit records", writes, len(audit))
}

func readAudit(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("audit line %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

func auditShows(audit []map[string]any, vmid int, resource string, ok func(result string) bool) bool {
	for _, a := range audit {
		if a["vmid"] == float64(vmid) && a["resource"] == resource {
			if r, _ := a["result"].(string); ok(r) {
				return true
			}
		}
	}
	return false
}

func vmidOf(path string) int {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if p == "lxc" && i+1 < len(parts) {
			n, _ := strconv.Atoi(parts[i+1])
			return n
		}
	}
	return 0
}
