package sim

import (
	"math"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// TestLeastCoreWasteOfAConstantDemand: 1.5 cores for an hour on 2 cores.
// Unstarved, 1.5 cores need 2 (1.5 < 0.95 x 2): 0.5 cores wasted at every
// point. Starving the container at 1 core wastes nothing, but takes a
// change: with none allowed the 2 cores stay whatever starvation is
// allowed; with one and starvation at every point but the first, only
// the first point's 0.5 cores are left; with one and half the points
// starved, half the points keep 2 cores.
func TestLeastCoreWasteOfAConstantDemand(t *testing.T) {
	tc := simTrace(300, scaling.Allocation{Cores: 2, MemoryMiB: 4096}, time.Hour, time.Minute, constant(1.5, 1000))
	tr := Trace{Containers: []TraceContainer{tc}}
	const step = 10 * time.Second // the grid: a 1-minute trace is measured every 10 s
	points := int(time.Hour/step) + 1
	perPoint := 0.5 * step.Hours()
	half := (points - 1) / 2
	for _, c := range []struct {
		name             string
		starved, changes float64
		want             float64
	}{
		{"no starvation, no change", 0, 0, perPoint * float64(points)},
		{"every point but the first starved, no change", float64(points-1) * step.Minutes(), 0, perPoint * float64(points)},
		{"every point but the first starved, one change", float64(points-1) * step.Minutes(), 1, perPoint},
		{"half of them starved, one change", float64(half) * step.Minutes(), 1, perPoint * float64(points-half)},
	} {
		got, err := LeastCoreWaste(tr, simOptions(), c.starved, c.changes, false)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s: least %.5f core-h, want %.5f", c.name, got, c.want)
		}
	}
}

// TestLeastCoreWasteSpendsNoBudgetBeyondTheCeiling: 40 cores from the
// half hour on, past every max, starve the container under every policy:
// starving them takes nothing from the budget, and 4 cores (the ceiling)
// under 40 waste nothing. Before, 1.5 cores on 1 starve: the first point
// has the initial core, a change to 2 serves the rest (0.5 wasted each).
func TestLeastCoreWasteSpendsNoBudgetBeyondTheCeiling(t *testing.T) {
	tc := simTrace(300, scaling.Allocation{Cores: 1, MemoryMiB: 4096}, time.Hour, time.Minute, func(at time.Duration) (float64, float64) {
		if at >= 30*time.Minute {
			return 40, 500 // past legacy's 4 and simRules' 4
		}
		return 1.5, 500
	})
	tr := Trace{Containers: []TraceContainer{tc}}
	const step = 10 * time.Second
	served := int(30*time.Minute/step) - 1 // the points before the jump, the first aside
	got, err := LeastCoreWaste(tr, simOptions(), step.Minutes(), 2, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := 0.5 * float64(served) * step.Hours(); math.Abs(got-want) > 1e-9 {
		t.Errorf("least %.5f core-h, want %.5f (0.5 cores at the %d points served, none past the ceiling)", got, want, served)
	}
}

// TestLeastCoreWasteWithoutFlaps: 0.5 cores for 20 minutes, then 1.5 for
// 40, on 2 cores, unstarved. Down to 1 core after the first point and up
// to 2 when the demand steps saves 1 core for 20 minutes, but the up
// reverses the down within 30 minutes: a flap. Without flaps the 2 cores
// stay.
func TestLeastCoreWasteWithoutFlaps(t *testing.T) {
	tc := simTrace(300, scaling.Allocation{Cores: 2, MemoryMiB: 4096}, time.Hour, time.Minute, func(at time.Duration) (float64, float64) {
		if at < 20*time.Minute {
			return 0.5, 500
		}
		return 1.5, 500
	})
	tr := Trace{Containers: []TraceContainer{tc}}
	const step = 10 * time.Second
	low := int(20 * time.Minute / step) // points at 0.5 cores
	high := int(time.Hour/step) + 1 - low
	held := (1.5*float64(low) + 0.5*float64(high)) * step.Hours()
	followed := held - float64(low-1)*step.Hours() // 1 core fewer at each low point but the first
	for _, c := range []struct {
		flapFree bool
		want     float64
	}{{false, followed}, {true, held}} {
		got, err := LeastCoreWaste(tr, simOptions(), 0, 2, c.flapFree)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-c.want) > 1e-9 {
			t.Errorf("flap-free %v: least %.5f core-h, want %.5f", c.flapFree, got, c.want)
		}
	}
}

// TestLeastCoreWasteSkipsAContainerNeverMeasured: a container whose one
// sample falls between two grid points is never measured (simGrid), and
// adds nothing to the bound.
func TestLeastCoreWasteSkipsAContainerNeverMeasured(t *testing.T) {
	tc := simTrace(300, scaling.Allocation{Cores: 2, MemoryMiB: 4096}, time.Hour, time.Minute, constant(1.5, 1000))
	lone := TraceContainer{VMID: 301, Initial: scaling.Allocation{Cores: 8, MemoryMiB: 4096},
		Points: []TracePoint{{Time: simStart.Add(5 * time.Second), CPUCores: 0.1, MemoryBytes: 100 * mib}}}
	alone, err := LeastCoreWaste(Trace{Containers: []TraceContainer{tc}}, simOptions(), 0, 0, true)
	if err != nil {
		t.Fatal(err)
	}
	both, err := LeastCoreWaste(Trace{Containers: []TraceContainer{tc, lone}}, simOptions(), 0, 0, true)
	if err != nil {
		t.Fatal(err)
	}
	if both != alone {
		t.Errorf("least %.5f core-h with the container never measured, %.5f without", both, alone)
	}
}
