package controller

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// The containers gauge counts a listing's containers by node and state
// (running, stopped, anything else "other"), with a series for each pair
// listed and none left of a pair the listing no longer has, whether the
// listing comes node by node or mixed.
func TestCountContainersByNodeAndState(t *testing.T) {
	m, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	c := &Controller{metrics: m, Engine: engine.New(engine.Options{Interval: 10 * time.Second, Window: time.Hour}, engine.Hooks{})}
	rnd := rand.New(rand.NewPCG(5, 6))
	at := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for round := range 30 {
		nodes := []string{"pve1", "pve2", "pve3", "pve4", "pve5"}[:1+rnd.IntN(5)]
		var cts []proxmox.Container
		for node := range nodes {
			for range rnd.IntN(40) {
				cts = append(cts, proxmox.Container{VMID: 100 + len(cts), Node: nodes[node],
					Status: []string{"running", "stopped", "paused", ""}[rnd.IntN(4)]})
			}
		}
		if round%2 == 1 { // mixed
			rnd.Shuffle(len(cts), func(i, j int) { cts[i], cts[j] = cts[j], cts[i] })
		}
		want := map[[2]string]float64{}
		for _, ct := range cts {
			state := ct.Status
			if state != "running" && state != "stopped" {
				state = "other"
			}
			want[[2]string{ct.Node, state}]++
		}
		at = at.Add(10 * time.Second)
		c.countContainers(engine.Tick{End: at, Containers: cts})
		got := map[[2]string]float64{}
		ch := make(chan prometheus.Metric, 64)
		go func() { c.metrics.containers.Collect(ch); close(ch) }()
		for metric := range ch {
			var d dto.Metric
			if err := metric.Write(&d); err != nil {
				t.Fatal(err)
			}
			var key [2]string
			for _, l := range d.GetLabel() {
				switch l.GetName() {
				case "node":
					key[0] = l.GetValue()
				case "state":
					key[1] = l.GetValue()
				}
			}
			got[key] = d.GetGauge().GetValue()
		}
		if len(got) != len(want) {
			t.Fatalf("round %d: %d series %v, want %d %v", round, len(got), got, len(want), want)
		}
		for k, n := range want {
			if got[k] != n {
				t.Fatalf("round %d: %v = %v, want %v", round, k, got[k], n)
			}
		}
	}
}
