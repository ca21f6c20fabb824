package scenario

import (
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/sim"
)

// TestNoPolicyWastesLessThanTheLeastCoreWaste: on every scenario (6
// hours, two seeds), static, legacy (one phase: a mean of phases is not a
// schedule) and ours each waste at least the core-hours sim.LeastCoreWaste
// says any policy must with the starvation within the maxes and the
// actions (of every resource: more than its changes of cores) that policy
// had, and, when it made no flap, at least the least of a schedule
// without flaps. A bound set too high fails here.
func TestNoPolicyWastesLessThanTheLeastCoreWaste(t *testing.T) {
	o := sim.Options{LegacyPhases: 1}
	for _, sp := range List() {
		for seed := uint64(1); seed <= 2; seed++ {
			tr := generate(t, sp.Name, seed, 6*time.Hour)
			res, err := sim.Simulate(tr, o)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res {
				for _, flapFree := range []bool{false, r.Total.Flaps == 0} {
					least, err := sim.LeastCoreWaste(tr, o, r.Total.Avoidable(), r.Total.Actions, flapFree)
					if err != nil {
						t.Fatal(err)
					}
					if r.Total.WasteCoreHours < least-1e-9 {
						t.Errorf("%s seed %d, %s: wasted %.3f core-h starving %.1f minutes with %.0f actions, %.0f flaps; the least any policy can (flap-free %v) is %.3f",
							sp.Name, seed, r.Policy, r.Total.WasteCoreHours, r.Total.Avoidable(), r.Total.Actions, r.Total.Flaps, flapFree, least)
					}
				}
			}
		}
	}
}
