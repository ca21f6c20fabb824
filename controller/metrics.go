package controller

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine"
	"github.com/lxc-autoscale/lxc-autoscale/controller/labelcache"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
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
	score          *prometheus.GaugeVec   // vmid
	recommendation *prometheus.GaugeVec   // vmid, resource
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

	// The children a pass sets again and again (a score per container, a
	// skip per held change), kept: WithLabelValues hashes every call.
	scores labelcache.Cache[int, prometheus.Gauge]
	skips  labelcache.Cache[[2]string, prometheus.Counter]
}

func (m *Metrics) setScore(vmid int, score float64) {
	m.scores.Get(vmid, func() prometheus.Gauge { return m.score.WithLabelValues(strconv.Itoa(vmid)) }).Set(score)
}

// forgetScore drops a container's score series and kept child alike.
func (m *Metrics) forgetScore(vmid int) {
	m.scores.Drop(vmid)
	m.score.DeleteLabelValues(strconv.Itoa(vmid))
}

func (m *Metrics) skip(res scaling.Resource, reason scaling.SkipReason) {
	labels := [2]string{string(res), string(reason)}
	m.skips.Get(labels, func() prometheus.Counter { return m.skipped.WithLabelValues(labels[:]...) }).Inc()
}

// NewMetrics builds the controller's collectors and registers them on reg
// (nil: not registered, for tests that do not look at them).
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		passDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: metricsNamespace, Name: "pass_duration_seconds",
			Help:    "Duration of one controller pass: collect, score, decide and act.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}),
		phases: newPhaseHistogram(),
		passes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: metricsNamespace, Name: "passes_total",
			Help: "Controller passes by result: ok, partial (some nodes failed) or failed (nothing collected).",
		}, []string{"result"}),
		lastPass: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: metricsNamespace, Name: "last_successful_pass_timestamp_seconds",
			Help: "Unix time of the end of the last pass that collected every online node.",
		}),
		containers: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: metricsNamespace, Name: "containers",
			Help: "Containers seen in the last pass, by node and state (running, stopped, excluded).",
		}, []string{"node", "state"}),
		nodeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: metricsNamespace, Name: "node_collect_errors_total",
			Help: "Failed container listings of a node; the pass goes on with the other nodes.",
		}, []string{"node"}),
		actions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: metricsNamespace, Name: "actions_total",
			Help: "Resource changes decided, by resource, direction and result (applied, dry_run, recommended, skipped, failed).",
		}, []string{"resource", "direction", "result"}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: metricsNamespace, Name: "skipped_actions_total",
			Help: "Resource changes wanted by the thresholds and not made, by resource and reason.",
		}, []string{"resource", "reason"}),
		score: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: metricsNamespace, Name: "anomaly_score",
			Help: "Latest isolation forest anomaly score of each container, in (0, 1]; above the threshold is anomalous.",
		}, []string{"vmid"}),
		recommendation: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: metricsNamespace, Name: "recommendation",
			Help: "Recommended value of each resource of each container (cores; memory and swap in bytes; disk in bytes).",
		}, []string{"vmid", "resource"}),
		training: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: metricsNamespace, Name: "model_training_duration_seconds",
			Help:    "Time to build the feature matrix and fit the isolation forest.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}),
		modelTrainedAt: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: metricsNamespace, Name: "model_trained_timestamp_seconds",
			Help: "Unix time the current model was trained.",
		}),
		exportDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: metricsNamespace, Name: "export_duration_seconds",
			Help:    "Time to append a cycle to lxc_metrics.json, with the compaction it may run.",
			Buckets: []float64{.001, .01, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}),
		exports: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: metricsNamespace, Name: "exports_total",
			Help: "Cycles appended to lxc_metrics.json by result (ok, failed, dropped: replaced by a newer one while a write was still in progress).",
		}, []string{"result"}),
		exportWritten: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: metricsNamespace, Name: "export_written_bytes_total",
			Help: "Bytes written to lxc_metrics.json and its temporary files: appends, compactions, repairs.",
		}),
		exportRepairs: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: metricsNamespace, Name: "export_repairs_total",
			Help: "Ends of lxc_metrics.json cut short by a crash (a cycle or the closing bracket) dropped at start.",
		}),
		windowBytes: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: metricsNamespace, Name: "window_bytes",
			Help: "Memory held by the containers' histories: sliding windows, coarse tiers and running aggregates.",
		}),
		backfilled: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: metricsNamespace, Name: "backfill_samples_total",
			Help: "Samples loaded into the windows from RRD data or an existing lxc_metrics.json.",
		}),
		backfillLeft: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: metricsNamespace, Name: "backfill_pending",
			Help: "Containers whose RRD history the background backfill has still to read (queued, waiting for a node, or being read).",
		}),
		configReads: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: metricsNamespace, Name: "config_reads_total",
			Help: "Config reads made to learn what a listing does not show (cores, cpulimit, configured root filesystem size), once per change of them; the reads right before a write are not counted.",
		}),
		panics: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: metricsNamespace, Name: "container_panics_total",
			Help: "Panics recovered while handling one container; the pass went on.",
		}),
		stateSaves: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: metricsNamespace, Name: "state_saves_total",
			Help: "Writes of the state file by result (ok, failed).",
		}, []string{"result"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{
			m.passDuration, m.phases, m.passes, m.lastPass, m.containers, m.nodeErrors, m.actions, m.skipped,
			m.score, m.recommendation, m.training, m.modelTrainedAt, m.exportDuration, m.exports, m.exportWritten, m.exportRepairs,
			m.windowBytes, m.backfilled, m.backfillLeft, m.configReads, m.panics, m.stateSaves,
		} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// countContainers sets the containers gauges, counted first: a child per
// container would hash its labels 10,000 times a pass.
func (c *Controller) countContainers(t engine.Tick) {
	type nodeState struct{ node, state string }
	counts := map[nodeState]int{}
	for _, ct := range t.Containers {
		state := ct.Status
		if state != "running" && state != "stopped" {
			state = "other"
		}
		counts[nodeState{ct.Node, state}]++
	}
	c.metrics.containers.Reset()
	for k, n := range counts {
		c.metrics.containers.WithLabelValues(k.node, k.state).Set(float64(n))
	}
	bytes := 0
	for _, tr := range c.Tracked {
		bytes += tr.HistoryBytes()
	}
	c.metrics.windowBytes.Set(float64(bytes))
}
