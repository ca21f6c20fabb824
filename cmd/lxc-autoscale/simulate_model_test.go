package main

import (
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/sim"
)

// TestModelHoldsARunawayNotDemand runs ours with the anomaly model on and
// off (simulate --compare-model) over the runaway scenario and over real
// demand that pins cores (busy, flash crowd, nightly job, batch). On the
// runaway, the model's hold (controller/scaling/runaway.go) keeps cores
// from being fed to a spinning loop: far less core waste and fewer
// actions, nothing starved. On demand it holds nothing: every total as
// with the model off.
func TestModelHoldsARunawayNotDemand(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates five scenarios twice")
	}
	cfg, err := loadSimulationConfig(&environment{}, newFlagSet(simulateCommand()))
	if err != nil {
		t.Fatal(err)
	}
	opts := simOptions(cfg, simulateRequest{policies: []string{sim.PolicyOurs}})
	run := func(name string, d time.Duration) (on, off sim.Metrics) {
		t.Helper()
		tr, err := scenarioTrace(name, scenarioOptions{seed: 1, duration: d, durationSet: true})
		if err != nil {
			t.Fatal(err)
		}
		res, err := simulateCompared(tr, opts, true)
		if err != nil {
			t.Fatal(err)
		}
		return res[0].Total, res[1].Total
	}
	on, off := run("runaway", 12*time.Hour)
	if !(on.WasteCoreHours < 0.7*off.WasteCoreHours) || on.Actions >= off.Actions || on.StarvationMinutes > off.StarvationMinutes {
		t.Errorf("runaway: model on wastes %.1f core-h in %v actions, starves %.1f min; off %.1f core-h in %v actions, %.1f min: want under 0.7 x the waste, fewer actions, no more starvation",
			on.WasteCoreHours, on.Actions, on.StarvationMinutes, off.WasteCoreHours, off.Actions, off.StarvationMinutes)
	}
	for _, name := range []string{"busy", "flashcrowd", "nightly", "batch"} {
		d := 12 * time.Hour
		if name == "nightly" {
			d = 36 * time.Hour // two nights: a second job the model has seen one of
		}
		if on, off := run(name, d); on.StarvationMinutes > off.StarvationMinutes || on.OOMEvents > off.OOMEvents ||
			on.WasteCoreHours > off.WasteCoreHours || on.WasteGBHours > off.WasteGBHours || on.Actions > off.Actions || on.Flaps > off.Flaps {
			t.Errorf("%s (demand): model on %+v, off %+v: want no total worse", name, on, off)
		}
	}
}
