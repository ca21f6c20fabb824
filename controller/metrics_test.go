package controller

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/policies"
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
		{"passes ok", m.passes.WithLabelValues("ok"), 1},
	} {
		if got := testutil.ToFloat64(check.collector); got != check.want {
			t.Errorf("%s = %v, want %v", check.name, got, check.want)
		}
	}
	if got := gaugeValue(t, reg, "lxc_autoscale_recommendation", map[string]string{"vmid": "101", "resource": "cores"}); got != 2 {
		t.Errorf("cores recommendation of 101 = %v, want 2", got)
	}
	// The model needs the history the first pass asked for: one sample
	// of one container is not enough to train on.
	awaitBackfill(t, c)
	c.pass(ctx)
	if s, ok := scoreSeries(t, m)["101"]; !ok || !(s > 0 && s <= 1) {
		t.Errorf("anomaly score of 101 = %v (a series: %v), want (0, 1]", s, ok)
	}
	if n := len(scoreSeries(t, m)); n != 1 {
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
	ctx := backfillContext(t, c) // the backfill newMeteredLoop starts ends with the test
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
	if n := len(scoreSeries(t, m)); n != 2 {
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

// The per-container gauges over HTTP against pvesim: after the pass that
// scales a container up, its recommendation is the new size; the pass
// after shows the new allocation; a deleted container's series go; the
// counters alerts rate exist at 0 before anything failed.
func TestPerContainerGaugesFollowChanges(t *testing.T) {
	sim, client := newLoopSim(t, pvesim.Options{Nodes: 2, Speed: 0, Specs: []pvesim.ContainerSpec{
		{VMID: 101, Node: "pve1", Cores: 1, MemoryMiB: 2048, DiskGiB: 8, Workload: workload.Busy},
		{VMID: 102, Node: "pve2", Cores: 2, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Idle},
	}})
	c, m, reg := newMeteredLoop(t, client, func(o *Options) {
		o.Selection.Default.CooldownUp = time.Hour // one change, then none
		o.Selection.Policies = []policies.Policy{{Name: "watch-102", Match: policies.Match{VMIDs: []int{102}}, Rules: loopRules()}}
		o.Selection.Policies[0].Rules.Mode = scaling.ModeRecommend
	})
	ctx := backfillContext(t, c)
	gauge := func(name, vmid, node string) float64 {
		t.Helper()
		return gaugeValue(t, reg, name, map[string]string{"vmid": vmid, "node": node})
	}
	check := func(when, name, vmid, node string, want float64) {
		t.Helper()
		if got := gauge(name, vmid, node); got != want {
			t.Errorf("%s: %s{vmid=%s,node=%s} = %v, want %v", when, name, vmid, node, got, want)
		}
	}
	c.pass(ctx)
	check("first pass", "lxc_autoscale_container_cores", "101", "pve1", 1)
	check("first pass", "lxc_autoscale_container_recommended_cores", "101", "pve1", 2)
	check("first pass", "lxc_autoscale_container_memory_bytes", "101", "pve1", 2048<<20)
	// 102's policy only recommends: the idle container's memory could
	// shrink, and that is what the gauge says while the limit stays.
	check("first pass", "lxc_autoscale_container_recommended_memory_bytes", "102", "pve2", 512<<20)
	check("first pass", "lxc_autoscale_container_memory_bytes", "102", "pve2", 1024<<20)
	check("first pass", "lxc_autoscale_container_recommended_cores", "102", "pve2", 1)
	if got := gaugeValue(t, reg, "lxc_autoscale_recommendation", map[string]string{"vmid": "102", "resource": "memory"}); got != 512<<20 {
		t.Errorf("first pass: memory recommendation of 102 = %v, want 512 MiB", got)
	}
	if used := gauge("lxc_autoscale_container_cpu_used_cores", "101", "pve1"); !(used > 0.5 && used <= 1) {
		t.Errorf("cpu used by the busy container = %v cores of 1", used)
	}
	if used := gauge("lxc_autoscale_container_memory_used_bytes", "102", "pve2"); !(used > 0 && used < 1024<<20) {
		t.Errorf("memory used by 102 = %v bytes of 1 GiB", used)
	}
	c.pass(ctx)
	check("the pass after the change", "lxc_autoscale_container_cores", "101", "pve1", 2)
	check("the pass after the change", "lxc_autoscale_container_recommended_cores", "101", "pve1", 2)
	for _, node := range []string{"pve1", "pve2"} {
		if n := testutil.ToFloat64(m.nodeErrors.WithLabelValues(node)); n != 0 {
			t.Errorf("node errors of %s = %v, want 0", node, n)
		}
	}
	if n := testutil.CollectAndCount(m.nodeErrors); n != 2 {
		t.Errorf("%d node error series, want one per node at 0", n)
	}
	if n := testutil.CollectAndCount(m.actions); n < len(scaling.Resources)*4 {
		t.Errorf("%d action series, want the applied and failed ones of each resource and direction at 0", n)
	}
	snap := c.Snapshot()
	if snap.Mode != "enforce" || len(snap.Policies) != 1 || snap.Policies[0].Mode != "recommend" {
		t.Errorf("snapshot modes: %q %+v; want enforce and watch-102 recommend", snap.Mode, snap.Policies)
	}
	if len(snap.NodeList) != 2 || snap.NodeList[0].Name != "pve1" || snap.NodeList[0].Threads == 0 || snap.NodeList[0].MemoryBytes == 0 || !snap.NodeList[0].Online {
		t.Errorf("snapshot nodes: %+v", snap.NodeList)
	}
	if h, ok := c.History(101, snap.Time); !ok || math.IsNaN(h.CPU[len(h.CPU)-1]) {
		t.Errorf("history of 101: known %v, newest minute %v", ok, h.CPU[len(h.CPU)-1])
	}

	if err := sim.RemoveContainer(102); err != nil {
		t.Fatal(err)
	}
	for range engine.ForgetAfterUnseen {
		c.pass(ctx)
	}
	for _, name := range []string{"lxc_autoscale_container_cores", "lxc_autoscale_container_memory_bytes", "lxc_autoscale_container_cpu_used_cores",
		"lxc_autoscale_container_memory_used_bytes", "lxc_autoscale_container_recommended_cores", "lxc_autoscale_container_recommended_memory_bytes"} {
		if got := gauge(name, "102", "pve2"); !math.IsNaN(got) {
			t.Errorf("%s of the deleted container 102 is still there (%v)", name, got)
		}
		if got := gauge(name, "101", "pve1"); math.IsNaN(got) {
			t.Errorf("%s of 101 is gone", name)
		}
	}
	if got := gaugeValue(t, reg, "lxc_autoscale_recommendation", map[string]string{"vmid": "102"}); !math.IsNaN(got) {
		t.Errorf("the deleted container 102 still has a recommendation (%v)", got)
	}
	if _, ok := c.History(102, snap.Time); ok {
		t.Error("the deleted container still has a history")
	}
}

// gaugeValue is the value of the gauge of name whose labels include
// want, as reg serves it; NaN when there is none.
func gaugeValue(t *testing.T, reg prometheus.Gatherer, name string, want map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, mt := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range mt.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			for k, v := range want {
				if labels[k] != v {
					continue series
				}
			}
			return mt.GetGauge().GetValue()
		}
	}
	return math.NaN()
}

// scoreSeries are the anomaly_score series as a scrape reads them, by
// their vmid label.
func scoreSeries(t *testing.T, m *Metrics) map[string]float64 {
	t.Helper()
	ch := make(chan prometheus.Metric)
	go func() {
		m.perContainer.Collect(ch)
		close(ch)
	}()
	out := map[string]float64{}
	for s := range ch {
		if !strings.Contains(s.Desc().String(), `"lxc_autoscale_anomaly_score"`) {
			continue
		}
		var d dto.Metric
		if err := s.Write(&d); err != nil {
			t.Fatal(err)
		}
		out[d.GetLabel()[0].GetValue()] = d.GetGauge().GetValue()
	}
	return out
}
