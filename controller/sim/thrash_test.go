package sim

import (
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// TestSimulateThrashBumpDoesNotLoop: memory pressure that does not fall
// when the limit grows (a recorded trace's PSI, or one the limit does not
// cause) bumps a container thrashing at 0.9 of its limit once, and no
// more while its use stays below the up threshold of the new limit: six
// hours of 80 % pressure end with the limit grown once, not walked to
// the max as a bump on pressure alone would.
func TestSimulateThrashBumpDoesNotLoop(t *testing.T) {
	const vmid = 101
	tc := simTrace(vmid, scaling.Allocation{Cores: 2, MemoryMiB: 2048}, 6*time.Hour, time.Minute, constant(1, 0.8*2048))
	for i := range tc.Points {
		tc.Points[i].PressureMemory = 80
	}
	o := simOptions()
	o.Policies = []string{PolicyOurs}
	res := mustSimulate(t, Trace{Containers: []TraceContainer{tc}}, o)
	ours := res[PolicyOurs]
	if got := final(t, ours, vmid).MemMiB; got <= 2048 || got >= 8192 {
		t.Errorf("memory ends at %v MiB; want grown once above 2048 MiB and far from the 8192 MiB max", got)
	}
	if a := ours.PerContainer[vmid].Actions; a != 1 {
		t.Errorf("%v actions under pressure that never falls; want the one bump", a)
	}
}
