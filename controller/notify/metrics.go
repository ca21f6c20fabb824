package notify

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the Notifier's collectors, labelled by webhook name (a
// bounded set: the configuration's).
type metrics struct {
	events          *prometheus.CounterVec // webhook, result: delivered, failed, dropped
	attemptFailures *prometheus.CounterVec // webhook, reason: attemptReasons
	queued          *prometheus.GaugeVec   // webhook
}

// sinkMetrics are one webhook's children, made (and so published at
// zero) when the Notifier starts.
type sinkMetrics struct {
	delivered, failed, dropped prometheus.Counter
	attemptFailures            map[string]prometheus.Counter
	queued                     prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "lxc_autoscale", Subsystem: "notify", Name: "events_total",
			Help: "Events per webhook by result: delivered, failed (given up after retries, or refused) or dropped (never sent: queue full or shutting down). Failed and dropped events are audited.",
		}, []string{"webhook", "result"}),
		attemptFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "lxc_autoscale", Subsystem: "notify", Name: "attempt_failures_total",
			Help: "POSTs to a webhook that did not deliver, by reason: timeout, connection, status_5xx, status_4xx or redirect (never followed).",
		}, []string{"webhook", "reason"}),
		queued: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "lxc_autoscale", Subsystem: "notify", Name: "queue_length",
			Help: "Events waiting for a webhook, not counting the one being posted.",
		}, []string{"webhook"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.events, m.attemptFailures, m.queued} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

func (m *metrics) sink(webhook string) sinkMetrics {
	s := sinkMetrics{
		delivered:       m.events.WithLabelValues(webhook, "delivered"),
		failed:          m.events.WithLabelValues(webhook, "failed"),
		dropped:         m.events.WithLabelValues(webhook, "dropped"),
		attemptFailures: make(map[string]prometheus.Counter, len(attemptReasons)),
		queued:          m.queued.WithLabelValues(webhook),
	}
	for _, r := range attemptReasons {
		s.attemptFailures[r] = m.attemptFailures.WithLabelValues(webhook, r)
	}
	return s
}
