package controller

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/controller/audit"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/workload"
)

// requestsFor counts the simulator's requests on one route for one vmid.
func requestsFor(sim *pvesim.Sim, method, route string, vmid int) int {
	n := 0
	suffix := "/lxc/" + strconv.Itoa(vmid) + "/"
	for _, q := range sim.Requests() {
		if q.Method == method && q.Route == route && strings.Contains(q.Path+"/", suffix) {
			n++
		}
	}
	return n
}

// Containers whose CPU the administrator set otherwise (no cores: every
// thread of the node; only cpulimit; cpulimit below cores) keep their CPU
// setting, and the controller says so once: one config read, one log line,
// no audit record, no write, however many passes. When the administrator
// sets cores, the listing shows it and the controller manages them.
func TestUnmanagedCoresAreReadOnceAndLeftAlone(t *testing.T) {
	specs := []pvesim.ContainerSpec{
		{VMID: 101, Node: "pve1", MemoryMiB: 2048, DiskGiB: 8, Workload: workload.Idle},                        // no cores
		{VMID: 102, Node: "pve1", CPULimit: 2, MemoryMiB: 2048, DiskGiB: 8, Workload: workload.Idle},           // cpulimit only
		{VMID: 103, Node: "pve1", Cores: 4, CPULimit: 1, MemoryMiB: 2048, DiskGiB: 8, Workload: workload.Idle}, // capped below cores
	}
	sim, client := newLoopSim(t, pvesim.Options{Nodes: 1, NodeThreads: []int{64}, Speed: 0, Specs: specs})
	var logs bytes.Buffer
	auditPath := filepath.Join(t.TempDir(), "audit.jsonl")
	audit, err := audit.Open(audit.Options{Path: auditPath})
	if err != nil {
		t.Fatal(err)
	}
	c := newLoop(t, client, func(o *Options) {
		o.Logger = zerolog.New(&logs).Level(zerolog.InfoLevel)
		o.Audit = audit
		o.Model.Enabled = false
		o.Selection.Default.Memory.Enabled = false
		o.Selection.Default.Disk.Enabled = false
		o.Guard.MaxWritesPerPass = 1
	})
	ctx := context.Background()
	for range 20 {
		c.pass(ctx)
		sim.Clock().Advance(10 * time.Second)
	}
	for _, s := range specs {
		if n := requestsFor(sim, "GET", "/nodes/{node}/lxc/{vmid}/config", s.VMID); n != 1 {
			t.Errorf("ct %d: %d config reads in 20 passes, want 1", s.VMID, n)
		}
		if n := strings.Count(logs.String(), `"vmid":`+strconv.Itoa(s.VMID)+`,"node":"pve1","cores"`); n != 1 {
			t.Errorf("ct %d: %d log lines leaving its cores alone, want 1:\n%s", s.VMID, n, logs.String())
		}
	}
	for _, w := range sim.Requests() {
		if w.Method != "GET" {
			t.Errorf("write %s %s to a container whose CPU is the administrator's", w.Method, w.Path)
		}
	}
	if b, _ := os.ReadFile(auditPath); len(b) > 0 {
		t.Errorf("audit records for changes never made:\n%s", b)
	}

	// The administrator gives 101 cores: the listing's cpus changes, the
	// controller reads once more and now manages them.
	if err := sim.SetConfig(101, "cores", "8"); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		c.pass(ctx)
		sim.Clock().Advance(10 * time.Second)
	}
	// Each write has its own read right before it; besides those, one read
	// before the cores were set and one after.
	reads := requestsFor(sim, "GET", "/nodes/{node}/lxc/{vmid}/config", 101)
	writes := requestsFor(sim, "PUT", "/nodes/{node}/lxc/{vmid}/config", 101)
	if writes == 0 || reads-writes != 2 {
		t.Errorf("ct 101: %d config reads for %d writes, want 2 more reads than writes", reads, writes)
	}
	if st, _ := sim.Container(101); st.Config["cores"] == "8" {
		t.Errorf("ct 101 idle with 8 managed cores was not scaled down: %v", st.Config["cores"])
	}
}

// No write sets more cores than the node has threads, nor more than
// ceil(cpulimit) when a cpulimit above the cores is set: PVE accepts both
// and the container gains nothing.
func TestCoresNeverExceedNodeThreadsOrCPULimit(t *testing.T) {
	sim, client := newLoopSim(t, pvesim.Options{Nodes: 2, NodeThreads: []int{4, 64}, Speed: 0, Specs: []pvesim.ContainerSpec{
		{VMID: 101, Node: "pve1", Cores: 2, MemoryMiB: 2048, DiskGiB: 8, Workload: workload.Busy},
		{VMID: 102, Node: "pve2", Cores: 1, CPULimit: 2.5, MemoryMiB: 2048, DiskGiB: 8, Workload: workload.Busy},
	}})
	c := newLoop(t, client, func(o *Options) {
		o.Selection.Default.CPU.Max = 16
		o.Selection.Default.CPU.Target = 0.5 // sized: a busy container asks for many cores at once
		o.Selection.Default.Memory.Enabled = false
		o.Selection.Default.Disk.Enabled = false
	})
	for range 30 {
		c.pass(context.Background())
		sim.Clock().Advance(10 * time.Second)
	}
	for _, w := range sim.Requests() {
		if w.Method != "PUT" || w.Params.Get("cores") == "" {
			continue
		}
		cores, _ := strconv.Atoi(w.Params.Get("cores"))
		if strings.Contains(w.Path, "/101/") && cores > 4 {
			t.Errorf("ct 101 on a 4-thread node set to %d cores", cores)
		}
		if strings.Contains(w.Path, "/102/") && cores > 3 {
			t.Errorf("ct 102 with cpulimit 2.5 set to %d cores", cores)
		}
	}
	if st, _ := sim.Container(101); st.Config["cores"] != "4" {
		t.Errorf("busy ct 101 has %s cores, want the node's 4 threads", st.Config["cores"])
	}
	if st, _ := sim.Container(102); st.Config["cores"] != "3" {
		t.Errorf("busy ct 102 has %s cores, want ceil(cpulimit 2.5) = 3", st.Config["cores"])
	}
	// An operator's change through the API is held to the same limit.
	for vmid, want := range map[int]int{101: 4, 102: 3} {
		if _, rules, ok := c.Bounds(vmid); !ok || rules.CPU.Max != want {
			t.Errorf("Bounds(%d): CPU max %d (ok %v), want %d", vmid, rules.CPU.Max, ok, want)
		}
	}
}

// PVE's cpu above 1.0 (accounting jitter) is the whole allocation busy:
// neither the window nor lxc_metrics.json says more than 100 %.
func TestCPUAboveOneIsClampedInWindowAndExport(t *testing.T) {
	sim, client := newLoopSim(t, pvesim.Options{Nodes: 1, Speed: 0, Specs: []pvesim.ContainerSpec{
		{VMID: 101, Node: "pve1", Cores: 1, MemoryMiB: 2048, DiskGiB: 8, Workload: workload.Busy},
	}})
	export := filepath.Join(t.TempDir(), "lxc_metrics.json")
	c := newLoop(t, client, func(o *Options) {
		o.Scale = false
		o.ExportFile, o.ExportInterval, o.MaxMetricsEntries = export, time.Nanosecond, 1000
	})
	sawAbove := false
	for range 40 {
		if st, _ := sim.Container(101); st.Usage.CPU > 1 {
			sawAbove = true
		}
		c.pass(context.Background())
		sim.Clock().Advance(10 * time.Second)
	}
	c.exporting.Wait()
	if !sawAbove {
		t.Fatal("pvesim never reported cpu above 1.0 for a pinned container; the test proves nothing")
	}
	w := c.Tracked[101].Window
	for i := range w.Len() {
		if s := w.At(i); s.CPU > s.Cores {
			t.Errorf("window sample %d: %v busy of %v cores", i, s.CPU, s.Cores)
		}
	}
	cycles := decodeFile(t, export)
	if len(cycles) == 0 {
		t.Fatal("lxc_metrics.json holds no cycle")
	}
	for _, cy := range cycles {
		for _, e := range cy.Entries {
			if e.CPUPercent > 100 || e.CPUPercent < 0 {
				t.Errorf("cpu_usage_percent %v outside 0-100", e.CPUPercent)
			}
		}
	}
}

// A restart of a large cluster learns many unmanaged containers in one
// pass: the first unmanagedLogLimit are named at info level, the rest are
// counted in one summary line and named at debug level only.
func TestManyUnmanagedContainersAreSummarised(t *testing.T) {
	var specs []pvesim.ContainerSpec
	for i := range unmanagedLogLimit + 5 {
		specs = append(specs, pvesim.ContainerSpec{VMID: 101 + i, Node: "pve1", MemoryMiB: 2048, DiskGiB: 8, Workload: workload.Idle})
	}
	_, client := newLoopSim(t, pvesim.Options{Nodes: 1, NodeThreads: []int{64}, Speed: 0, Specs: specs})
	var logs bytes.Buffer
	c := newLoop(t, client, func(o *Options) {
		o.Logger = zerolog.New(&logs).Level(zerolog.InfoLevel)
		o.Model.Enabled = false
		o.Selection.Default.Memory.Enabled = false
		o.Selection.Default.Disk.Enabled = false
	})
	c.pass(context.Background())
	if n := strings.Count(logs.String(), "leaving a container's cores to the administrator"); n != unmanagedLogLimit {
		t.Errorf("%d containers named at info level, want %d:\n%s", n, unmanagedLogLimit, logs.String())
	}
	want := `"containers":5,"vmids":[111,112,113,114,115]`
	if !strings.Contains(logs.String(), want) || strings.Count(logs.String(), "leaving more containers' settings") != 1 {
		t.Errorf("no single summary line with %s:\n%s", want, logs.String())
	}
}
