package httpapi

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/rs/zerolog"
)

// burst sends n requests to url+path as fast as workers connections
// allow and counts the answers by status; every 429 must carry a
// Retry-After of whole seconds, at least 1.
func burst(t *testing.T, url, path, token string, n, workers int) map[int]int {
	t.Helper()
	var mu sync.Mutex
	codes := map[int]int{}
	jobs := make(chan struct{}, n)
	for range n {
		jobs <- struct{}{}
	}
	close(jobs)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range jobs {
				req, err := http.NewRequest(http.MethodGet, url+path, nil)
				if err != nil {
					t.Error(err)
					return
				}
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusTooManyRequests {
					if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || secs < 1 {
						t.Errorf("429 on %s with Retry-After %q, want whole seconds >= 1", path, resp.Header.Get("Retry-After"))
					}
				}
				mu.Lock()
				codes[resp.StatusCode]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return codes
}

// countingCollector counts how often the registry is gathered.
type countingCollector struct {
	desc     *prometheus.Desc
	gathered atomic.Int64
}

func (c *countingCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *countingCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, float64(c.gathered.Add(1)))
}

// TestScrapesAndThePageAreNotStarvedByAPIClients sends bursts of 500
// requests from one address over HTTP with the default limit (10 per
// second, burst 20): /metrics, public or with a token, answers every one
// and gathers the registry at most once per metricsCacheTTL; the API is
// still limited (429 with Retry-After); the status page, whose buckets
// are its own, still opens after the API's are used up, and is limited
// in turn.
func TestScrapesAndThePageAreNotStarvedByAPIClients(t *testing.T) {
	for _, public := range []bool{true, false} {
		counter := &countingCollector{desc: prometheus.NewDesc("test_gathers_total", "Gatherings of the registry.", nil, nil)}
		api := newTestAPI(t, testAPIOptions{
			snapshots: pageSnapshotter{pageFixture()},
			server: func(o *Options) {
				o.RateLimit, o.Burst, o.MetricsPublic = 10, 20, public
				o.Registry.MustRegister(counter)
			},
		})
		srv := httptest.NewServer(api.server.Handler())
		token := ""
		if !public {
			token = testReadToken
		}
		started := time.Now()
		codes := burst(t, srv.URL, "/metrics", token, 500, 16)
		elapsed := time.Since(started)
		if codes[http.StatusOK] != 500 {
			t.Errorf("public=%v: 500 requests to /metrics answered %v, want 500 × 200", public, codes)
		}
		if most := int64(elapsed/metricsCacheTTL) + 2; counter.gathered.Load() > most {
			t.Errorf("public=%v: the registry was gathered %d times in %s for 500 requests, want at most %d (one per %s)",
				public, counter.gathered.Load(), elapsed, most, metricsCacheTTL)
		}

		codes = burst(t, srv.URL, "/api/v1/nodes", testReadToken, 500, 16)
		if codes[http.StatusTooManyRequests] < 400 || codes[http.StatusOK] < 20 || codes[http.StatusOK]+codes[http.StatusTooManyRequests] != 500 {
			t.Errorf("public=%v: 500 requests to /api/v1/nodes answered %v, want the burst of 20 (and a few more) 200, the rest 429", public, codes)
		}
		codes = burst(t, srv.URL, "/", testReadToken, 60, 4)
		if codes[http.StatusOK] < 20 || codes[http.StatusTooManyRequests] == 0 {
			t.Errorf("public=%v: 60 status page loads after the API's burst answered %v, want the page's own burst of 20 served, then 429", public, codes)
		}
		srv.Close()
	}
}

// TestMetricsCacheGathersOncePerTTL checks the cache alone with its clock:
// requests within the TTL share one gathering, whatever format and
// compression they ask for, and the first request after it gathers again.
func TestMetricsCacheGathersOncePerTTL(t *testing.T) {
	counter := &countingCollector{desc: prometheus.NewDesc("test_gathers_total", "Gatherings of the registry.", nil, nil)}
	reg := prometheus.NewRegistry()
	reg.MustRegister(counter)
	now := time.Unix(1_700_000_000, 0)
	cache := &metricsCache{gatherer: reg, ttl: time.Second, now: func() time.Time { return now }, log: zerolog.Nop()}
	srv := newTestAPI(t, testAPIOptions{}).server
	get := func(accept, encoding string) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		req.Header.Set("Accept", accept)
		req.Header.Set("Accept-Encoding", encoding)
		rec := httptest.NewRecorder()
		if err := cache.serve(srv.echo.NewContext(req, rec)); err != nil {
			t.Fatal(err)
		}
		return rec
	}
	plain := get("text/plain", "")
	if !bytes.Contains(plain.Body.Bytes(), []byte("test_gathers_total 1\n")) || plain.Header().Get("Content-Encoding") != "" {
		t.Fatalf("first answer %q (encoding %q), want the text format with the first gathering", plain.Body, plain.Header().Get("Content-Encoding"))
	}
	zipped := get("text/plain", "deflate, gzip;q=0.5")
	zr, err := gzip.NewReader(zipped.Body)
	if err != nil || zipped.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzip answer: %v (encoding %q)", err, zipped.Header().Get("Content-Encoding"))
	}
	if unzipped, _ := io.ReadAll(zr); !bytes.Equal(unzipped, plain.Body.Bytes()) {
		t.Errorf("gzip answer holds %q, want the same as the plain one", unzipped)
	}
	if rec := get("text/plain", "gzip;q=0"); rec.Header().Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 answered with Content-Encoding %q", rec.Header().Get("Content-Encoding"))
	}
	proto := get("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited", "")
	if ct := proto.Header().Get("Content-Type"); !bytes.HasPrefix([]byte(ct), []byte("application/vnd.google.protobuf")) {
		t.Errorf("protobuf asked, Content-Type %q", ct)
	}
	if n := counter.gathered.Load(); n != 1 {
		t.Errorf("%d gatherings within the TTL, want 1", n)
	}
	now = now.Add(time.Second)
	if rec := get("text/plain", ""); !bytes.Contains(rec.Body.Bytes(), []byte("test_gathers_total 2\n")) {
		t.Errorf("after the TTL: %q, want a second gathering", rec.Body)
	}
}

// TestMetricsCacheForgetsWhenStale: a gathering is dropped once its TTL
// has passed (the heap it holds is the registry's size), and only then.
func TestMetricsCacheForgetsWhenStale(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(&countingCollector{desc: prometheus.NewDesc("test_gathers_total", "Gatherings of the registry.", nil, nil)})
	now := time.Unix(1_700_000_000, 0)
	cache := &metricsCache{gatherer: reg, ttl: time.Second, now: func() time.Time { return now }, log: zerolog.Nop()}
	if _, err := cache.encoded(metricsEncoding{format: expfmt.NewFormat(expfmt.TypeTextPlain)}); err != nil {
		t.Fatal(err)
	}
	cache.forget()
	if cache.families == nil || cache.encodings == nil {
		t.Fatal("a fresh gathering was forgotten")
	}
	now = now.Add(time.Second)
	cache.forget()
	if cache.families != nil || cache.encodings != nil {
		t.Fatal("a stale gathering is still held")
	}
}
