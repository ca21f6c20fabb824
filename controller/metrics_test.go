package controller

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine"
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
	if s, ok := scoreSeries(t, m)["101"]; !ok || !(s > 0 && s <= 1) {
		t.Errorf("anomaly score of 101 = %v (a series: %v), want (0, 1]", s, ok)
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

// The gauges a pass keeps by container follow the containers: the counts
// per node and state are the listing's, a forgotten container's score
// series goes, and one that comes back under the same VMID is scored
// again (the loop keeps the gauges it sets, not only their labels).
func TestMetricsFollowContainersAcrossPasses(t *testing.T) {
	sim, client := newLoopSim(t, pvesim.Options{Nodes: 2, Speed: 0, Specs: []pvesim.ContainerSpec{
		{VMID: 101, Node: "pve1", Cores: 1, MemoryMiB: 2048, DiskGiB: 8, Workload: workload.Busy},
		{VMID: 102, Node: "pve1", Cores: 2, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Idle},
		{VMID: 103, Node: "pve2", Cores: 2, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Idle},
	}})
	c, m, _ := newMeteredLoop(t, client)
	ctx := context.Background()
	c.pass(ctx)
	counts := func(want map[[2]string]float64) {
		t.Helper()
		if n := testutil.CollectAndCount(m.containers); n != len(want) {
			t.Errorf("%d container count series, want %d", n, len(want))
		}
		for k, v := range want {
			if got := testutil.ToFloat64(m.containers.WithLabelValues(k[0], k[1])); got != v {
				t.Errorf("containers %v = %v, want %v", k, got, v)
			}
		}
	}
	counts(map[[2]string]float64{{"pve1", "running"}: 2, {"pve2", "running"}: 1})
	if err := sim.SetRunning(102, false); err != nil {
		t.Fatal(err)
	}
	if err := sim.RemoveContainer(101); err != nil {
		t.Fatal(err)
	}
	for range engine.ForgetAfterUnseen {
		c.pass(ctx)
	}
	counts(map[[2]string]float64{{"pve1", "stopped"}: 1, {"pve2", "running"}: 1})
	if _, tracked := c.Tracked[101]; tracked {
		t.Fatal("101 is still tracked after it was removed")
	}
	if n := testutil.CollectAndCount(m.score); n != 2 {
		t.Errorf("%d anomaly score series after 101 went, want 2", n)
	}
	if err := sim.AddContainer(pvesim.ContainerSpec{VMID: 101, Node: "pve2", Cores: 1, MemoryMiB: 2048, DiskGiB: 8, Workload: workload.Busy}); err != nil {
		t.Fatal(err)
	}
	c.pass(ctx)
	counts(map[[2]string]float64{{"pve1", "stopped"}: 1, {"pve2", "running"}: 2})
	tr := c.Tracked[101]
	if tr == nil {
		t.Fatal("101 is not tracked after it came back")
	}
	if got := scoreSeries(t, m)["101"]; got != tr.Score || !(got > 0 && got <= 1) {
		t.Errorf("anomaly score of 101 back = %v, want its score %v in (0, 1]", got, tr.Score)
	}
}

// scoreSeries are the anomaly_score series as a scrape reads them, by
// their vmid label.
func scoreSeries(t *testing.T, m *Metrics) map[string]float64 {
	t.Helper()
	ch := make(chan prometheus.Metric)
	go func() {
		m.score.Collect(ch)
		close(ch)
	}()
	out := map[string]float64{}
	for s := range ch {
		var d dto.Metric
		if err := s.Write(&d); err != nil {
			t.Fatal(err)
		}
		out[d.GetLabel()[0].GetValue()] = d.GetGauge().GetValue()
	}
	return out
}
