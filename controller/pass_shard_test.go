package controller

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/policies"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
)

// TestShardedPassIsOneWalk: two loops on two identical simulated clusters
// (pvesim's workload mix, 60 containers on 3 nodes), one walking each
// pass on one goroutine, the other on three (Options.Workers), make the
// same decisions, scores and recommendations, read the same configs and
// log the same of each container, in the same order, pass after pass:
// the engine's sharding (engine's TestShardsAreOneWalk) through the loop,
// its config reads, snapshot and hooks.
func TestShardedPassIsOneWalk(t *testing.T) {
	var logs [2]bytes.Buffer
	var loops [2]*Controller
	var sims [2]*pvesim.Sim
	for k, workers := range []int{1, 3} {
		sim, client := newLoopSim(t, pvesim.Options{Nodes: 3, Containers: 60, Speed: 0, Start: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)})
		sims[k] = sim
		loops[k] = newLoop(t, client, func(o *Options) {
			o.Now, o.Workers = sim.Clock().Now, workers
			o.Logger = zerolog.New(&logs[k]).Level(zerolog.InfoLevel)
			rules := loopRules()
			rules.Mode = scaling.ModeDryRun
			o.Selection = policies.Selection{Default: rules}
			o.Model.RetrainInterval, o.Model.TrainingWindow, o.Model.Threshold = 2*time.Minute, 5*time.Minute, 0.55
		})
	}
	ctx := context.Background()
	decided, anomalous := 0, 0
	for pass := range 60 {
		var views [2]string
		for k, c := range loops {
			sims[k].Clock().Advance(10 * time.Second)
			c.pass(ctx)
			for _, v := range c.Snapshot().Containers {
				views[k] += fmt.Sprintf("%d %s score %v anomalous %v recommended %+v", v.VMID, v.Node, v.Score, v.Anomalous, v.Recommended)
				if v.Anomalous {
					anomalous += k
				}
				if v.Decision != nil {
					views[k] += fmt.Sprintf(" decided %+v", *v.Decision)
					decided += k
				}
				views[k] += "\n"
			}
		}
		if views[1] != views[0] {
			t.Fatalf("pass %d: three goroutines\n%s\none\n%s", pass, views[1], views[0])
		}
	}
	// What the loop logs of a container (changes, migrations, runaways, panics, forgotten ones, config reads).
	var said [2]string
	for k := range logs {
		for line := range strings.Lines(logs[k].String()) {
			if strings.Contains(line, `"vmid":`) {
				said[k] += line
			}
		}
	}
	if said[1] != said[0] || decided == 0 || anomalous == 0 || !strings.Contains(said[0], "resource change") {
		t.Errorf("%d decisions, %d anomalous; logged of the containers with three goroutines\n%s\nwith one\n%s", decided, anomalous, said[1], said[0])
	}
}
