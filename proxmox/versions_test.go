package proxmox

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
)

// TestClientDecodesEveryPVEVersion reads a cluster halfway through an
// upgrade (pve1 on 9, pve2 on 8.4, pve3 on 7.4, where the lxc list carries
// vmid as a string) and a PVE 8 cluster (pve2-vm RRD layout, 70 rows).
func TestClientDecodesEveryPVEVersion(t *testing.T) {
	t.Parallel()
	specs := []pvesim.ContainerSpec{
		{VMID: 101, Node: "pve1", Cores: 2, MemoryMiB: 1024, DiskGiB: 8},
		{VMID: 201, Node: "pve2", Cores: 1, MemoryMiB: 512, DiskGiB: 4},
		{VMID: 301, Node: "pve3", CPULimit: 1.5, MemoryMiB: 512, DiskGiB: 4},
		{VMID: 302, Node: "pve3", Cores: 1, MemoryMiB: 256, DiskGiB: 4, Stopped: true},
	}
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	sim, c := newSimClient(t, pvesim.Options{Nodes: 3, Specs: specs, Start: start,
		NodeVersions: []string{"9.1.1", "8.4.1", "7.4.19"}}, nil)
	ctx := context.Background()

	if v, err := c.Version(ctx); err != nil || v.Version != "9.1.1" || v.Release != "9.1" {
		t.Errorf("Version() = %+v, %v, want pve1's 9.1.1", v, err)
	}
	for node, want := range map[string]string{"pve1": "pve-manager/9.1.1/", "pve2": "pve-manager/8.4.1/", "pve3": "pve-manager/7.4-19/"} {
		ns, err := c.NodeStatus(ctx, node)
		if err != nil || !strings.HasPrefix(ns.PVEVersion, want) || ns.KernelVersion == "" || ns.CPUs == 0 {
			t.Errorf("NodeStatus(%s) = %+v, %v, want pveversion %s…", node, ns, err, want)
		}
	}
	for _, tt := range []struct {
		node string
		ids  []int
		psi  bool
	}{{"pve1", []int{101}, true}, {"pve2", []int{201}, false}, {"pve3", []int{301, 302}, false}} {
		cts, err := c.Containers(ctx, tt.node)
		if err != nil || len(cts) != len(tt.ids) {
			t.Fatalf("Containers(%s) = %+v, %v", tt.node, cts, err)
		}
		for i, ct := range cts {
			st := mustCT(t, sim, tt.ids[i])
			if ct.VMID != tt.ids[i] || ct.Node != tt.node || ct.MaxMem != mustMiB(t, st.Config["memory"])<<20 || ct.CPUs == 0 {
				t.Errorf("Containers(%s)[%d] = %+v, want vmid %d as in the simulator", tt.node, i, ct, tt.ids[i])
			}
			if running := ct.Status == "running"; (ct.Pressure != nil) != (tt.psi && running) {
				t.Errorf("CT %d on %s: pressure %v, want present only on PVE 9 while running", ct.VMID, tt.node, ct.Pressure)
			}
			cur, err := c.ContainerStatus(ctx, ct.Ref())
			if err != nil || cur.VMID != ct.VMID || cur.Status != ct.Status {
				t.Errorf("ContainerStatus(%s) = %+v, %v", ct.Ref(), cur, err)
			}
		}
	}
	all, err := c.ClusterContainers(ctx)
	if err != nil || len(all) != len(specs) {
		t.Errorf("ClusterContainers() = %d entries, %v", len(all), err)
	}

	// RRD: pve1 answers in PVE 9's layout; a PVE 8 node collects no PSI.
	for _, tt := range []struct {
		vmid int
		psi  bool
	}{{101, true}, {201, false}} {
		pts, err := c.RRD(ctx, refOf(t, sim, tt.vmid), TimeframeHour, CFAverage)
		if err != nil || len(pts) != 60 {
			t.Fatalf("RRD(%d) = %d points, %v, want 60", tt.vmid, len(pts), err)
		}
		last := pts[len(pts)-1]
		if !last.CPU.Valid || !last.MaxMem.Valid || last.PressureCPUSome.Valid != tt.psi {
			t.Errorf("RRD(%d) newest point %+v, want cpu and maxmem, PSI %v", tt.vmid, last, tt.psi)
		}
	}

	_, c8 := newSimClient(t, pvesim.Options{Nodes: 1, Specs: specs[:1], Start: start, NodeVersions: []string{"8.4.1"}}, nil)
	for tf, step := range map[Timeframe]time.Duration{TimeframeHour: time.Minute, TimeframeDay: 30 * time.Minute, TimeframeYear: 7 * 24 * time.Hour} {
		pts, err := c8.RRD(ctx, Ref{Node: "pve1", VMID: 101}, tf, CFMax)
		if err != nil || len(pts) != 70 {
			t.Fatalf("PVE 8 RRD(%s) = %d points, %v, want 70", tf, len(pts), err)
		}
		if got := pts[1].Time.Sub(pts[0].Time); got != step || pts[69].PressureCPUSome.Valid || !pts[69].CPU.Valid {
			t.Errorf("PVE 8 RRD(%s): step %v (want %v), newest %+v: want cpu, no PSI", tf, got, step, pts[69])
		}
	}
}

// TestClientReadsEmptyRRDRows: rows of a dead node's time hold only "time";
// the client keeps them as points with nothing valid.
func TestClientReadsEmptyRRDRows(t *testing.T) {
	t.Parallel()
	sim, c := newSimClient(t, pvesim.Options{Nodes: 2, Specs: []pvesim.ContainerSpec{
		{VMID: 201, Node: "pve2", Cores: 1, MemoryMiB: 512, DiskGiB: 4},
	}}, nil)
	if err := sim.KillNode("pve2"); err != nil {
		t.Fatal(err)
	}
	sim.Clock().Advance(5 * time.Minute)
	pts, err := c.RRD(context.Background(), Ref{Node: "pve2", VMID: 201}, TimeframeHour, "")
	if err != nil || len(pts) != 59 {
		t.Fatalf("RRD = %d points, %v, want 59 (PVE 9 drops an empty newest row)", len(pts), err)
	}
	last := pts[len(pts)-1]
	if last.Time.IsZero() || last.CPU.Valid || last.MaxMem.Valid || last.Disk.Valid {
		t.Errorf("newest point while the node is down = %+v, want a time and nothing valid", last)
	}
}

func mustMiB(t *testing.T, s string) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatalf("config memory %q: %v", s, err)
	}
	return n
}
