package controller

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lxc-autoscale/lxc-autoscale/controller/chunks"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/policies"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
)

// listedTwice lists each node's first container twice while twice is
// set, as a listing caught in a migration may.
type listedTwice struct {
	Cluster
	twice *bool
}

func (l listedTwice) Containers(ctx context.Context, node string) ([]proxmox.Container, error) {
	cts, err := l.Cluster.Containers(ctx, node)
	if err == nil && *l.twice && len(cts) > 0 {
		cts = append(cts, cts[0])
	}
	return cts, err
}

// TestPublishInRangesIsOneWalk: two loops on two identical simulated
// clusters large enough for publish to build its views in ranges
// (controller/chunks), one on one goroutine and one on three, publish
// the same snapshot (the decisions as the config reads, whose containers
// are found in ranges too, left them) and the same per-container gauges
// pass after pass, with recommendations read afresh and carried over.
func TestPublishInRangesIsOneWalk(t *testing.T) {
	containers := chunks.Len + 150
	var loops [2]*Controller
	var sims [2]*pvesim.Sim
	var regs [2]*prometheus.Registry
	twice := false
	for k, workers := range []int{1, 3} {
		sim, client := newLoopSim(t, pvesim.Options{Nodes: 4, Containers: containers, Speed: 0, Start: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)})
		regs[k] = prometheus.NewRegistry()
		m, err := NewMetrics(regs[k])
		if err != nil {
			t.Fatal(err)
		}
		sims[k] = sim
		loops[k] = newLoop(t, listedTwice{client, &twice}, func(o *Options) {
			o.Now, o.Workers, o.Metrics = sim.Clock().Now, workers, m
			rules := loopRules()
			rules.Mode = scaling.ModeRecommend // a pending change's gauges, every pass
			o.Selection = policies.Selection{Default: rules}
		})
	}
	ctx := context.Background()
	decided := 0
	for pass := range 7 { // the recommendations read afresh at the first and the last
		twice = pass >= 4 // a container listed twice: two decisions, their configs read in turn
		var views, gauges [2]string
		for k, c := range loops {
			sims[k].Clock().Advance(10 * time.Second)
			c.pass(ctx)
			snap := c.Snapshot()
			if len(snap.Containers) != containers {
				t.Fatalf("pass %d: %d containers in the snapshot, want %d", pass, len(snap.Containers), containers)
			}
			for _, v := range snap.Containers {
				d := v.Decision
				v.Decision = nil // its address differs
				views[k] += fmt.Sprintf("%+v", v)
				if d != nil {
					views[k] += fmt.Sprintf(" decided %+v", *d)
					decided += k
				}
				views[k] += "\n"
			}
			families, err := regs[k].Gather()
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range families {
				if name := f.GetName(); strings.HasPrefix(name, "lxc_autoscale_container_") && !strings.HasSuffix(name, "_total") || name == "lxc_autoscale_anomaly_score" || name == "lxc_autoscale_recommendation" {
					for _, m := range f.GetMetric() {
						gauges[k] += name + " " + m.String() + "\n"
					}
				}
			}
		}
		if views[1] != views[0] {
			t.Fatalf("pass %d: three goroutines' snapshot\n%s\none's\n%s", pass, views[1], views[0])
		}
		if gauges[1] != gauges[0] || gauges[0] == "" {
			t.Fatalf("pass %d: three goroutines' gauges\n%s\none's\n%s", pass, gauges[1], gauges[0])
		}
	}
	if decided == 0 {
		t.Error("no decision made: nothing compared")
	}
}
