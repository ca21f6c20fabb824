package controller

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/controller/audit"
	"github.com/lxc-autoscale/lxc-autoscale/controller/engine"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/policies"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/workload"
)

// liveHeap is the heap still reachable: what is in use after collecting
// everything that is not.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestHeapStaysBoundedOverManyPasses runs the loop with full windows, a
// full export, containers deleted and created every other pass, failing
// node listings and failing writes, and requires the heap after 3N passes
// to be about what it was after N: once windows and the export are full,
// nothing may grow with the number of passes. A container the loop no
// longer sees keeps its state record StateKeepGone, then loses it.
func TestHeapStaysBoundedOverManyPasses(t *testing.T) {
	if testing.Short() {
		t.Skip("runs hundreds of passes")
	}
	const (
		nodes      = 3
		containers = 40
		n          = 80 // passes before the first measure: windows (12) and export (20) full, two retrains
	)
	kinds := workload.Kinds()
	spec := func(vmid int) pvesim.ContainerSpec {
		return pvesim.ContainerSpec{
			VMID: vmid, Node: fmt.Sprintf("pve%d", vmid%nodes+1), Cores: 2, MemoryMiB: 2048, DiskGiB: 8,
			Workload: kinds[vmid%len(kinds)],
		}
	}
	var specs []pvesim.ContainerSpec
	for vmid := 1000; vmid < 1000+containers; vmid++ {
		specs = append(specs, spec(vmid))
	}
	sim, client := newLoopSim(t, pvesim.Options{Nodes: nodes, Speed: 0, Specs: specs})
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	audit, err := audit.Open(audit.Options{Path: filepath.Join(dir, "audit.jsonl")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { audit.Close() })
	rules := loopRules()
	rules.Disk.Enabled = false // a resize task would wait on the stopped clock
	c := newLoop(t, client, func(o *Options) {
		o.Logger = zerolog.Nop() // a test log would be kept in memory
		o.Now = func() time.Time { return now }
		o.Window = 2 * time.Minute
		o.Model.RetrainInterval = 5 * time.Minute
		o.ExportFile = filepath.Join(dir, "lxc_metrics.json")
		o.ExportInterval = 10 * time.Second
		o.MaxMetricsEntries = 20
		o.StateFile = filepath.Join(dir, "state.json")
		o.Audit = audit
		o.Selection = policies.Selection{Default: rules}
	})
	ctx := context.Background()
	nextVMID := 1000 + containers
	step := func(pass int, advance time.Duration) {
		sim.Clock().Advance(advance)
		now = now.Add(advance)
		if pass%2 == 0 {
			ids := sim.ContainerIDs()
			if err := sim.RemoveContainer(ids[pass%len(ids)]); err != nil {
				t.Fatal(err)
			}
			if err := sim.AddContainer(spec(nextVMID)); err != nil {
				t.Fatal(err)
			}
			nextVMID++
		}
		switch pass % 10 {
		case 3:
			sim.InjectFault(pvesim.Fault{Route: "/nodes/{node}/lxc", Node: fmt.Sprintf("pve%d", pass%nodes+1), Status: 500, Count: 1})
		case 7:
			sim.InjectFault(pvesim.Fault{Method: "PUT", Route: "/nodes/{node}/lxc/{vmid}/config", Status: 500, Count: 2})
		}
		c.pass(ctx)
		c.exporting.Wait()
		sim.ClearFaults()
		sim.ResetRequests() // the simulator's log is not the controller's heap
	}

	for pass := range n {
		step(pass, 10*time.Second)
	}
	after1 := liveHeap()
	for pass := n; pass < 3*n; pass++ {
		step(pass, 10*time.Second)
	}
	after3 := liveHeap()
	t.Logf("live heap after %d passes %.2f MB, after %d %.2f MB; %d containers created",
		n, float64(after1)/(1<<20), 3*n, float64(after3)/(1<<20), nextVMID-1000)
	// A growth of 3.3 KB per pass (80 bytes per container and pass) passes
	// 512 KiB over 2N passes; the margin leaves room for the GC's and the
	// runtime's own noise (about 100 KB between runs).
	if limit := after1 + after1/8 + 512<<10; after3 > limit {
		t.Errorf("live heap grew from %d to %d bytes between pass %d and %d (limit %d)", after1, after3, n, 3*n, limit)
	}
	if got := len(c.Tracked); got > containers+engine.ForgetAfterUnseen {
		t.Errorf("%d containers tracked, want at most %d", got, containers+engine.ForgetAfterUnseen)
	}

	// Past StateKeepGone, the records of the deleted containers go.
	if len(c.state.Containers) <= containers {
		t.Fatalf("%d state records before the prune; the test expects those of deleted containers too", len(c.state.Containers))
	}
	step(3*n, StateKeepGone+time.Minute)
	for pass := 3*n + 1; pass < 3*n+engine.ForgetAfterUnseen+1; pass++ {
		step(pass, 10*time.Second)
	}
	c.saveState(true)
	for vmid := range c.state.Containers {
		if c.Tracked[vmid] == nil && !c.state.Containers[vmid].Paused {
			t.Errorf("container %d is gone, its state record is kept past StateKeepGone", vmid)
		}
	}
	loaded, err := LoadState(filepath.Join(dir, "state.json"), now)
	if err != nil {
		t.Fatal(err)
	}
	if len(loaded.Containers) > len(c.Tracked) {
		t.Errorf("the state file holds %d records for %d containers", len(loaded.Containers), len(c.Tracked))
	}
}
