package passmetrics

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// Gauges are the series of one gauge family, read from a source when
// scraped: a value per container that changes every pass would otherwise
// cost a lookup of its child per container per pass, for a scrape or two
// a minute. A series the source no longer yields is gone.
type Gauges struct {
	desc   *prometheus.Desc
	mu     sync.Mutex
	source func(emit func(value float64, labels ...string))
}

// NewGauges returns the family desc names, without a source (no series).
func NewGauges(desc *prometheus.Desc) *Gauges { return &Gauges{desc: desc} }

// From makes source what a scrape reads: it calls emit once per series,
// with the values of desc's labels.
func (g *Gauges) From(source func(emit func(value float64, labels ...string))) {
	g.mu.Lock()
	g.source = source
	g.mu.Unlock()
}

func (g *Gauges) Describe(ch chan<- *prometheus.Desc) { ch <- g.desc }

func (g *Gauges) Collect(ch chan<- prometheus.Metric) {
	g.mu.Lock()
	source := g.source
	g.mu.Unlock()
	if source == nil {
		return
	}
	source(func(value float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, value, labels...)
	})
}
