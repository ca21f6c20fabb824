package sim

import (
	"os"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/policies"
)

// shippedRules are config's defaults (config.Default, scaling.rules),
// enforced: what a cluster that never tuned them runs.
func shippedRules() scaling.Rules {
	return scaling.Rules{
		Mode:   scaling.ModeEnforce,
		CPU:    scaling.CPURules{Enabled: true, Up: 0.90, Down: 0.45, Step: 1, Min: 1, Max: 8, Target: 0.80},
		Memory: scaling.MemoryRules{Enabled: true, Up: 0.85, Down: 0.45, Step: 512 * mib, Min: 512 * mib, Max: 8192 * mib, Margin: 256 * mib, Target: 0.70},
		Disk:   scaling.DiskRules{Enabled: true, Threshold: 0.85, Step: 2 << 30, Max: 64 << 30},

		CooldownUp: 2 * time.Minute, CooldownDown: 45 * time.Minute,
		StabilizationUp: 30 * time.Second, StabilizationDown: 45 * time.Minute,
	}
}

// A JVM-like heap (testdata/jvm_sawtooth.csv: 1.2 -> 2.9 GiB every 3 h,
// then a collection) is given what its sawtooth's top needs and left
// there: a decrease to the usage history's p50 plus the margin (3143 MiB
// for 2887 used, 0.92 of it) was undone by the up threshold before the
// next collection, and the next hour's quiet shrank it again, twice a
// cycle (17 changes in 30 hours, legacy 13.8).
func TestSimulateSawtoothHeapIsNotShrunkEveryCycle(t *testing.T) {
	f, err := os.Open("testdata/jvm_sawtooth.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr, err := ParseTrace(f, scaling.Allocation{Cores: 2, MemoryMiB: 2048})
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Interval: 10 * time.Second, Window: time.Hour, Selection: policies.Selection{Default: shippedRules()},
		Policies: []string{PolicyLegacy, PolicyOurs}, Timeline: true}
	r := mustSimulate(t, tr, o)
	ours, legacy := r[PolicyOurs], r[PolicyLegacy].Total
	changes, last := 0, 0.0
	for i, p := range ours.Timeline[211] {
		if i > 0 && p.MemMiB != last {
			changes++
		}
		last = p.MemMiB
	}
	if changes > 2 {
		t.Errorf("ours changed the memory limit %d times in 30 hours of a 3-h sawtooth; want at most 2", changes)
	}
	if ours.Total.OOMEvents != 0 || ours.Total.Flaps != 0 || ours.Total.Actions*2 > legacy.Actions {
		t.Errorf("ours: %+v; want no OOM, no flap and at most half legacy's %.1f actions", ours.Total, legacy.Actions)
	}
}
