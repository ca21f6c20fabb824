package httpapi

import (
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/rs/zerolog"
)

// BenchmarkMetricsScrape is one scrape of /metrics as Prometheus asks for
// it (text, gzip) with the six per-container gauges of 10,000 containers:
// gathering, encoding and compressing, each scrape after the cache's TTL.
func BenchmarkMetricsScrape(b *testing.B) {
	reg := prometheus.NewRegistry()
	names := []string{"cpu_utilisation_ratio", "memory_used_bytes", "cores", "memory_limit_bytes", "anomaly_score", "disk_used_bytes"}
	for i, name := range names {
		g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "lxc_autoscale", Subsystem: "container", Name: name, Help: "bench"}, []string{"vmid", "node"})
		reg.MustRegister(g)
		for ct := range 10_000 {
			g.WithLabelValues(strconv.Itoa(100+ct), "pve"+strconv.Itoa(ct%32)).Set(float64(ct*(i+1)) / 7)
		}
	}
	now := time.Unix(1_700_000_000, 0)
	cache := &metricsCache{gatherer: reg, ttl: time.Second, now: func() time.Time { return now }, log: zerolog.Nop()}
	enc := metricsEncoding{format: expfmt.NewFormat(expfmt.TypeTextPlain), gzip: true}
	var size int
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(10 * time.Second)
		body, err := cache.encoded(enc)
		if err != nil {
			b.Fatal(err)
		}
		size = len(body)
	}
	b.ReportMetric(float64(size), "gzip-bytes")
}
