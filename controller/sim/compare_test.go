package sim

import (
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// TestCompareTrace: each container is judged alone, in the trace's order,
// on its own metrics, and bounded (on itself alone) only where ours
// wastes more cores than legacy; the trace is judged on the totals.
func TestCompareTrace(t *testing.T) {
	quiet := simTrace(101, scaling.Allocation{Cores: 4, MemoryMiB: 2048}, 3*time.Hour, time.Minute, constant(0.5, 600))
	busy := simTrace(102, scaling.Allocation{Cores: 1, MemoryMiB: 2048}, 3*time.Hour, time.Minute, constant(1.5, 600))
	tr := Trace{Containers: []TraceContainer{quiet, busy}}
	o := simOptions()
	legacy := PolicyResult{Policy: PolicyLegacy, PerContainer: map[int]Metrics{
		101: {WasteCoreHours: 2, StarvationMinutes: 10, Actions: 4},
		102: {WasteCoreHours: 5, StarvationMinutes: 100, Actions: 6},
	}}
	ours := PolicyResult{Policy: PolicyOurs, PerContainer: map[int]Metrics{
		101: {WasteCoreHours: 3, StarvationMinutes: 1, Actions: 1},
		102: {WasteCoreHours: 1, StarvationMinutes: 1, Actions: 1},
	}}
	legacy.Total = AddMetrics(legacy.PerContainer[101], legacy.PerContainer[102])
	ours.Total = AddMetrics(ours.PerContainer[101], ours.PerContainer[102])

	whole, per, err := CompareTrace(tr, o, []PolicyResult{legacy, ours})
	if err != nil {
		t.Fatal(err)
	}
	if whole.Containers != 2 || whole.Ours.WasteCoreHours != 4 || whole.Legacy.WasteCoreHours != 7 || whole.LeastCoreWaste != nil {
		t.Errorf("trace: %d containers, core waste ours %v legacy %v, bound %v; want 2, 4, 7, none (ours wastes less)",
			whole.Containers, whole.Ours.WasteCoreHours, whole.Legacy.WasteCoreHours, whole.LeastCoreWaste)
	}
	if len(per) != 2 || per[0].Name != "101" || per[1].Name != "102" {
		t.Fatalf("per container = %+v, want 101 then 102", per)
	}
	if per[0].Containers != 1 || per[0].Ours != ours.PerContainer[101] || per[0].Legacy != legacy.PerContainer[101] {
		t.Errorf("101 compared on %+v against %+v, want its own metrics", per[0].Ours, per[0].Legacy)
	}
	// 101: ours wastes more, so its bound is that of 101 alone at its own
	// budgets (5 starved minutes, 2 changes).
	want, err := LeastCoreWaste(Trace{Containers: []TraceContainer{quiet}}, o, 5, 2, true)
	if err != nil {
		t.Fatal(err)
	}
	if per[0].LeastCoreWaste == nil || *per[0].LeastCoreWaste != want {
		t.Errorf("101's bound = %v, want %v (101 alone)", per[0].LeastCoreWaste, want)
	}
	if per[1].LeastCoreWaste != nil {
		t.Errorf("102's bound = %v, want none: ours wastes less there", *per[1].LeastCoreWaste)
	}

	if _, _, err := CompareTrace(tr, o, []PolicyResult{ours}); err == nil {
		t.Errorf("CompareTrace without legacy: err = %v, want one naming the missing policy", err)
	}
}
