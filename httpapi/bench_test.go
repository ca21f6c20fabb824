package httpapi

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// benchSnapshot is a loop's view of n containers, every fourth with a
// decision, as the listing would serve it.
func benchSnapshot(n int) controller.Snapshot {
	snap := controller.Snapshot{Time: v1FixtureTime, LastSuccess: v1FixtureTime, Interval: 30 * time.Second, Nodes: 8}
	snap.Containers = make([]controller.ContainerView, n)
	for i := range snap.Containers {
		vmid := 100 + i
		v := controller.ContainerView{
			Listed: controller.Listed{VMID: vmid, Node: fmt.Sprintf("pve%d", i%8+1), Name: fmt.Sprintf("ct-%d", vmid), Status: "running",
				Alloc: scaling.Allocation{Cores: 1 + i%8, MemoryMiB: 512 << (i % 4), SwapMiB: 512, DiskBytes: 8 << 30}},
			CPUUtilisation: float64(i%100) / 100, MemoryUsed: 300 << 20, DiskUsed: 3 << 30,
			Score: 0.3 + float64(i%50)/100, Samples: 60,
		}
		if i%4 == 0 {
			v.Decision = &scaling.Decision{
				VMID: vmid, Node: v.Node, Mode: scaling.ModeEnforce, Score: v.Score,
				Changes: []scaling.Change{{Resource: scaling.ResourceCores, Direction: scaling.Up, From: int64(v.Alloc.Cores), To: int64(v.Alloc.Cores + 1), Text: "cpu above 80%"}},
				Holds:   []scaling.Hold{{Resource: scaling.ResourceMemory, Reason: scaling.SkipCooldown, Text: "3m left"}},
			}
		}
		snap.Containers[i] = v
	}
	return snap
}

// benchServer serves a Server whose listing comes from a 1,000-container
// snapshot over loopback TCP. The read path does not touch Proxmox; the
// harness's simulated cluster is only there because Operations needs one.
func benchServer(b *testing.B) (url string, client *http.Client) {
	b.Helper()
	api := newTestAPI(b, testAPIOptions{snapshots: &fixedSnapshots{snap: benchSnapshot(1000)}})
	srv := httptest.NewServer(api.server.Handler())
	b.Cleanup(srv.Close)
	transport := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}
	b.Cleanup(transport.CloseIdleConnections)
	return srv.URL + v1Prefix + "/containers", &http.Client{Transport: transport, Timeout: 10 * time.Second}
}

func getContainers(client *http.Client, url string) error {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+testReadToken)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

// BenchmarkListContainers is GET /api/v1/containers with 1,000 containers
// in the snapshot, over loopback TCP: one request after another
// (sequential), the encoding a new pass costs once (encode-per-pass), then
// a steady 500 requests/s for 3 s (rate500), which reports the latency
// percentiles (target p99 under 5 ms).
func BenchmarkListContainers(b *testing.B) {
	b.Run("sequential", func(b *testing.B) {
		url, client := benchServer(b)
		if err := getContainers(client, url); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			if err := getContainers(client, url); err != nil {
				b.Fatal(err)
			}
		}
	})
	// What a new pass costs: the listing encoded once, then cached.
	b.Run("encode-per-pass", func(b *testing.B) {
		snap := benchSnapshot(1000)
		b.ReportAllocs()
		for b.Loop() {
			var cache v1ListingCache
			if _, err := cache.get(snap); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("rate500", func(b *testing.B) {
		url, client := benchServer(b)
		// Warm the connection pool so that the first requests do not pay
		// for connection setup.
		for range 20 {
			if err := getContainers(client, url); err != nil {
				b.Fatal(err)
			}
		}
		const (
			perSecond = 500
			duration  = 3 * time.Second
		)
		b.ResetTimer()
		latencies, errs := driveAtRate(client, url, perSecond, duration)
		b.StopTimer()
		if errs > 0 {
			b.Fatalf("%d of %d requests failed", errs, len(latencies)+errs)
		}
		slices.Sort(latencies)
		for _, q := range []struct {
			name string
			p    float64
		}{{"p50-ms", 0.50}, {"p90-ms", 0.90}, {"p99-ms", 0.99}, {"max-ms", 1}} {
			b.ReportMetric(percentileMillis(latencies, q.p), q.name)
		}
		b.ReportMetric(float64(len(latencies))/duration.Seconds(), "req/s")
	})
}

// driveAtRate starts one request every 1/perSecond for duration, each on
// its own goroutine (an open loop: a slow answer does not delay the next
// request, so queueing shows in the latencies), and returns the latency
// of each successful request and the count of failures.
func driveAtRate(client *http.Client, url string, perSecond int, duration time.Duration) ([]time.Duration, int) {
	total := int(duration.Seconds() * float64(perSecond))
	interval := time.Second / time.Duration(perSecond)
	var (
		mu        sync.Mutex
		latencies = make([]time.Duration, 0, total)
		errs      int
		wg        sync.WaitGroup
	)
	start := time.Now()
	for i := range total {
		// Scheduled from the start, not from the previous request, so
		// that timer slack does not lower the rate.
		time.Sleep(time.Until(start.Add(time.Duration(i) * interval)))
		wg.Go(func() {
			sent := time.Now()
			err := getContainers(client, url)
			took := time.Since(sent)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs++
				return
			}
			latencies = append(latencies, took)
		})
	}
	wg.Wait()
	return latencies, errs
}

// percentileMillis is the p-quantile of sorted latencies, in milliseconds
// (nearest rank).
func percentileMillis(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	i = max(0, min(i, len(sorted)-1))
	return float64(sorted[i]) / float64(time.Millisecond)
}

func TestPercentileMillis(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	var sorted []time.Duration
	for i := 1; i <= 100; i++ {
		sorted = append(sorted, ms(i))
	}
	for _, tc := range []struct {
		p    float64
		want float64
	}{{0.5, 50}, {0.9, 90}, {0.99, 99}, {1, 100}, {0, 1}} {
		if got := percentileMillis(sorted, tc.p); got != tc.want {
			t.Errorf("p%v = %v, want %v", tc.p, got, tc.want)
		}
	}
	if got := percentileMillis(nil, 0.5); !math.IsNaN(got) {
		t.Errorf("empty: %v, want NaN", got)
	}
}
