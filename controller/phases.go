package controller

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// passPhases are the label values of lxc_autoscale_pass_phase_seconds, in
// the order a pass runs them. collect (the listings) and config_reads (when
// a decision needs a container's config) are mostly waiting for Proxmox;
// the others are the pass's own work, which grows with the number of
// containers: backfill folds the history read in the background (the RRD
// backfill's, lxc_metrics.json's once) into the windows.
var passPhases = []string{"collect", "backfill", "decide", "config_reads", "act", "export", "save", "publish"}

func newPhaseHistogram() *prometheus.HistogramVec {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: metricsNamespace, Name: "pass_phase_seconds",
		Help: "Time of each phase of a pass: collect (list the nodes and their containers), backfill (fold the history read in the background into the windows), " +
			"decide (observe, train, score, decide), config_reads (the reads that learn a container's CPU setting or disk size), " +
			"act (apply or record the decisions), export (add a cycle to lxc_metrics.json; the file is written in the background), " +
			"save (the state file) and publish (the snapshot the API reads).",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
	}, []string{"phase"})
	for _, p := range passPhases {
		h.WithLabelValues(p)
	}
	return h
}

// phaseClock times the consecutive phases of one pass.
type phaseClock struct {
	hist  *prometheus.HistogramVec
	start time.Time // of the pass
	at    time.Time // of the phase in progress
}

// newPhaseClock starts timing a pass now.
func newPhaseClock(hist *prometheus.HistogramVec) *phaseClock {
	now := time.Now()
	return &phaseClock{hist: hist, start: now, at: now}
}

// done ends the phase that began at the previous mark.
func (p *phaseClock) done(phase string) {
	now := time.Now()
	p.hist.WithLabelValues(phase).Observe(now.Sub(p.at).Seconds())
	p.at = now
}

// configReads wraps the pass's config reads, which run inside decide:
// they are timed as a phase of their own and left out of decide.
func (p *phaseClock) configReads(learn func([]scaling.Decision)) func([]scaling.Decision) {
	return func(decisions []scaling.Decision) {
		started := time.Now()
		learn(decisions)
		took := time.Since(started)
		p.hist.WithLabelValues("config_reads").Observe(took.Seconds())
		p.at = p.at.Add(took)
	}
}
