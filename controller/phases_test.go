package controller

import (
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/workload"
)

// TestPassPhasesTileThePass slows the listings and the first config read
// down and checks that each wait lands in its own phase: every phase is
// observed once per pass (the backfill folds what was read), the listing's
// latency is in collect, the config read's in config_reads and not again
// in decide, so that the phases add up to no more than the pass.
func TestPassPhasesTileThePass(t *testing.T) {
	const listLatency, readLatency = 40 * time.Millisecond, 120 * time.Millisecond
	sim, client := newLoopSim(t, pvesim.Options{Nodes: 1, Speed: 0, Specs: []pvesim.ContainerSpec{
		{VMID: 101, Node: "pve1", Cores: 1, MemoryMiB: 2048, DiskGiB: 8, Workload: workload.Busy},
	}})
	sim.InjectFault(pvesim.Fault{Method: http.MethodGet, Route: "/nodes/{node}/lxc", Latency: listLatency})
	sim.InjectFault(pvesim.Fault{Method: http.MethodGet, Route: "/nodes/{node}/lxc/{vmid}/config", Latency: readLatency, Count: 1})
	c, _, reg := newMeteredLoop(t, client)
	ctx := backfillContext(t, c)
	c.pass(ctx)
	c.pass(ctx)

	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	phases := map[string]*dto.Histogram{}
	var pass *dto.Histogram
	for _, f := range families {
		switch f.GetName() {
		case "lxc_autoscale_pass_phase_seconds":
			for _, s := range f.GetMetric() {
				phases[s.GetLabel()[0].GetValue()] = s.GetHistogram()
			}
		case "lxc_autoscale_pass_duration_seconds":
			pass = f.GetMetric()[0].GetHistogram()
		}
	}
	if pass.GetSampleCount() != 2 {
		t.Fatalf("%d passes observed, want 2", pass.GetSampleCount())
	}
	sum := 0.0
	for _, name := range passPhases {
		h := phases[name]
		if h.GetSampleCount() != 2 {
			t.Errorf("phase %s observed %d times, want 2", name, h.GetSampleCount())
		}
		sum += h.GetSampleSum()
	}
	if got := phases["collect"].GetSampleSum(); got < 2*listLatency.Seconds() {
		t.Errorf("collect took %.3f s over two passes, want at least the listings' latency %.3f s", got, 2*listLatency.Seconds())
	}
	if got := phases["config_reads"].GetSampleSum(); got < readLatency.Seconds() {
		t.Errorf("config_reads took %.3f s, want at least the read's latency %.3f s", got, readLatency.Seconds())
	}
	if sum > pass.GetSampleSum() {
		t.Errorf("phases add up to %.3f s, more than the passes' %.3f s: a wait is counted twice", sum, pass.GetSampleSum())
	}
}

// newMeteredLoop is a loop with backfill, scaling cores only, whose
// metrics are registered on a registry of its own; mutate changes more.
func newMeteredLoop(t *testing.T, client Cluster, mutate ...func(*Options)) (*Controller, *Metrics, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	c := newLoop(t, client, func(o *Options) {
		o.Metrics = m
		o.Backfill = true
		o.Selection.Default.Disk.Enabled = false
		o.Selection.Default.Memory.Enabled = false
		for _, f := range mutate {
			f(o)
		}
	})
	return c, m, reg
}
