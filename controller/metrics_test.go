package controller

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/workload"
)

// TestMetricsAfterAPass runs a pass that acts and checks the metrics it
// leaves behind: promlint clean, and the series the issue names present.
func TestMetricsAfterAPass(t *testing.T) {
	_, client := newLoopSim(t, pvesim.Options{Nodes: 2, Speed: 0, Specs: []pvesim.ContainerSpec{
		{VMID: 101, Node: "pve1", Cores: 1, MemoryMiB: 2048, DiskGiB: 8, Workload: workload.Busy},
		{VMID: 102, Node: "pve2", Cores: 2, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Idle, Stopped: true},
	}})
	c, m, reg := newMeteredLoop(t, client, func(o *Options) {
		o.Selection.Default.CooldownUp = time.Hour // the second pass changes nothing
	})
	ctx := backfillContext(t, c)
	c.pass(ctx)

	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
	for _, check := range []struct {
		name      string
		collector prometheus.Collector
		want      float64
	}{
		{"containers running on pve1", m.containers.WithLabelValues("pve1", "running"), 1},
		{"containers stopped on pve2", m.containers.WithLabelValues("pve2", "stopped"), 1},
		{"cores increases applied", m.actions.WithLabelValues("cores", "up", scaling.ResultApplied), 1},
		{"cores recommendation of 101", m.recommendation.WithLabelValues("101", "cores"), 2},
		{"passes ok", m.passes.WithLabelValues("ok"), 1},
	} {
		if got := testutil.ToFloat64(check.collector); got != check.want {
			t.Errorf("%s = %v, want %v", check.name, got, check.want)
		}
	}
	// The model needs the history the first pass asked for: one sample
	// of one container is not enough to train on.
	awaitBackfill(t, c)
	c.pass(ctx)
	if s := testutil.ToFloat64(m.score.WithLabelValues("101")); !(s > 0 && s <= 1) {
		t.Errorf("anomaly score of 101 = %v, want (0, 1]", s)
	}
	if n := testutil.CollectAndCount(m.score); n != 1 {
		t.Errorf("%d anomaly score series, want 1 (the running container)", n)
	}
	if n := testutil.CollectAndCount(m.training); n != 1 {
		t.Errorf("training histogram: %d series", n)
	}
	if ts := testutil.ToFloat64(m.lastPass); ts <= 0 {
		t.Errorf("last successful pass timestamp = %v", ts)
	}
}
