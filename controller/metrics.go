package controller

import (
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lxc-autoscale/lxc-autoscale/controller/ctview"
	"github.com/lxc-autoscale/lxc-autoscale/controller/engine"
	"github.com/lxc-autoscale/lxc-autoscale/controller/labelcache"
)

const metricsNamespace = "lxc_autoscale"

// Metrics are the controller's collectors. NewMetrics registers them on
// the registry the caller injects; every part of the controller records
// through the same Metrics.
type Metrics struct {
	passDuration   prometheus.Histogram
	phases         *prometheus.HistogramVec // phase: passPhases
	passes         *prometheus.CounterVec   // result: ok, partial, failed
	lastPass       prometheus.Gauge
	containers     *prometheus.GaugeVec   // node, state
	nodeErrors     *prometheus.CounterVec // node
	actions        *prometheus.CounterVec // resource, direction, result
	skipped        *prometheus.CounterVec // resource, reason
	training       prometheus.Histogram
	modelTrainedAt prometheus.Gauge
	exportDuration prometheus.Histogram
	exports        *prometheus.CounterVec // result: ok, failed, dropped
	exportWritten  prometheus.Counter
	exportRepairs  prometheus.Counter
	windowBytes    prometheus.Gauge
	backfilled     prometheus.Counter
	backfillLeft   prometheus.Gauge // containers pending
	configReads    prometheus.Counter
	panics         prometheus.Counter
	stateSaves     *prometheus.CounterVec // result
	perContainer   *ctview.Store          // per container: allocation, usage, recommendation

	// The children a pass adds to again and again (the held changes by
	// resource and reason), kept: WithLabelValues hashes every call.
	skips labelcache.Cache[[2]string, prometheus.Counter]
}

// skip counts n changes held back, labels their resource and reason.
func (m *Metrics) skip(labels [2]string, n int) {
	m.skips.Get(labels, func() prometheus.Counter { return m.skipped.WithLabelValues(labels[:]...) }).Add(float64(n))
}

// NewMetrics builds the controller's collectors and registers them on reg
// (nil: not registered, for tests that do not look at them).
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	var cs collectors
	m := &Metrics{
		passDuration: cs.histogram("pass_duration_seconds",
			"Duration of one controller pass: collect, score, decide and act.",
			.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60),
		phases: add(&cs, newPhaseHistogram()),
		passes: cs.counterVec("passes_total",
			"Controller passes by result: ok, partial (some nodes failed) or failed (nothing collected).",
			"result"),
		lastPass: cs.gauge("last_successful_pass_timestamp_seconds",
			"Unix time of the end of the last pass that collected every online node."),
		containers: cs.gaugeVec("containers",
			"Containers seen in the last pass, by node and state (running, stopped, excluded).",
			"node", "state"),
		nodeErrors: cs.counterVec("node_collect_errors_total",
			"Failed container listings of a node; the pass goes on with the other nodes.",
			"node"),
		actions: cs.counterVec("actions_total",
			"Resource changes decided, by resource, direction and result (applied, dry_run, recommended, skipped, failed).",
			"resource", "direction", "result"),
		skipped: cs.counterVec("skipped_actions_total",
			"Resource changes wanted by the thresholds and not made, by resource and reason.",
			"resource", "reason"),
		training: cs.histogram("model_training_duration_seconds",
			"Time to build the feature matrix and fit the isolation forest.",
			.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5),
		modelTrainedAt: cs.gauge("model_trained_timestamp_seconds",
			"Unix time the current model was trained."),
		exportDuration: cs.histogram("export_duration_seconds",
			"Time to append a cycle to lxc_metrics.json, with the compaction it may run.",
			.001, .01, .05, .1, .25, .5, 1, 2.5, 5, 10),
		exports: cs.counterVec("exports_total",
			"Cycles appended to lxc_metrics.json by result (ok, failed, dropped: replaced by a newer one while a write was still in progress).",
			"result"),
		exportWritten: cs.counter("export_written_bytes_total",
			"Bytes written to lxc_metrics.json and its temporary files: appends, compactions, repairs."),
		exportRepairs: cs.counter("export_repairs_total",
			"Ends of lxc_metrics.json cut short by a crash (a cycle or the closing bracket) dropped at start."),
		windowBytes: cs.gauge("window_bytes",
			"Memory held by the containers' histories: sliding windows, coarse tiers, running aggregates and the recommender's histograms; summed once a minute."),
		backfilled: cs.counter("backfill_samples_total",
			"Samples loaded into the windows from RRD data or an existing lxc_metrics.json."),
		backfillLeft: cs.gauge("backfill_pending",
			"Containers whose RRD history the background backfill has still to read (queued, waiting for a node, or being read)."),
		configReads: cs.counter("config_reads_total",
			"Config reads made to learn what a listing does not show (cores, cpulimit, configured root filesystem size), once per change of them; the reads right before a write are not counted."),
		panics: cs.counter("container_panics_total",
			"Panics recovered while handling one container; the pass went on."),
		stateSaves: cs.counterVec("state_saves_total",
			"Writes of the state file by result (ok, failed).",
			"result"),
	}
	if reg != nil {
		for _, c := range cs {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	ctview.ZeroActions(m.actions)
	var err error
	m.perContainer, err = ctview.New(reg)
	return m, err
}

// collectors makes the controller's collectors, in its namespace, and
// keeps them for registration.
type collectors []prometheus.Collector

func add[C prometheus.Collector](cs *collectors, c C) C {
	*cs = append(*cs, c)
	return c
}

func (cs *collectors) counter(name, help string) prometheus.Counter {
	return add(cs, prometheus.NewCounter(prometheus.CounterOpts{Namespace: metricsNamespace, Name: name, Help: help}))
}

func (cs *collectors) counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return add(cs, prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: metricsNamespace, Name: name, Help: help}, labels))
}

func (cs *collectors) gauge(name, help string) prometheus.Gauge {
	return add(cs, prometheus.NewGauge(prometheus.GaugeOpts{Namespace: metricsNamespace, Name: name, Help: help}))
}

func (cs *collectors) gaugeVec(name, help string, labels ...string) *prometheus.GaugeVec {
	return add(cs, prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: metricsNamespace, Name: name, Help: help}, labels))
}

func (cs *collectors) histogram(name, help string, buckets ...float64) prometheus.Histogram {
	return add(cs, prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: metricsNamespace, Name: name, Help: help, Buckets: buckets}))
}

// countContainers sets the containers gauges, counted first: a child per
// container would hash its labels 10,000 times a pass. A listing comes
// node by node, so a node is looked up among the few only where the
// listing moves to another, rather than a (node, state) key hashed per
// container. window_bytes, which moves by bytes a pass, is summed over
// 10,000 histories once a minute.
func (c *Controller) countContainers(t engine.Tick) {
	states := [...]string{"running", "stopped", "other"}
	type nodeCount struct {
		node string
		n    [len(states)]int
	}
	var counts []nodeCount
	at := -1
	for i := range t.Containers {
		ct := &t.Containers[i]
		if at < 0 || counts[at].node != ct.Node {
			if at = slices.IndexFunc(counts, func(n nodeCount) bool { return n.node == ct.Node }); at < 0 {
				at, counts = len(counts), append(counts, nodeCount{node: ct.Node})
			}
		}
		switch ct.Status {
		case "running":
			counts[at].n[0]++
		case "stopped":
			counts[at].n[1]++
		default:
			counts[at].n[2]++
		}
	}
	c.metrics.containers.Reset()
	for _, nc := range counts {
		for k, n := range nc.n {
			if n > 0 {
				c.metrics.containers.WithLabelValues(nc.node, states[k]).Set(float64(n))
			}
		}
	}
	if !c.historyAt.IsZero() && t.End.Sub(c.historyAt) < time.Minute && t.End.After(c.historyAt) {
		return
	}
	c.historyAt = t.End
	bytes := 0
	for _, tr := range c.Tracked {
		bytes += tr.HistoryBytes()
	}
	c.metrics.windowBytes.Set(float64(bytes))
}
