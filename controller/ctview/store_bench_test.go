package ctview

import (
	"flag"
	"runtime"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

var workers = flag.Int("workers", 1, "BenchmarkSetPass's goroutines")

// BenchmarkSetPass is the store's share of a pass at 10,000 containers
// whose usage changes every pass and whose allocation does not, with the
// heap the store holds (-args -workers N: SetPass's goroutines).
func BenchmarkSetPass(b *testing.B) {
	const containers = 10_000
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s, _ := New(nil)
	now := t0
	vs := make([]Values, containers)
	pass := func(i int) {
		for vmid := range containers {
			vs[vmid] = values(100+vmid, "pve1", 2, float64((vmid+i)%7)/4)
		}
		s.SetPass(now, vs, *workers)
	}
	pass(0)
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	heldPer := float64(after.HeapInuse-before.HeapInuse) / containers
	i := 0
	for b.Loop() {
		i++
		now = now.Add(10 * time.Second)
		pass(i)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/containers, "ns/container")
	b.ReportMetric(heldPer, "heap-B/container")
	runtime.KeepAlive(s)
}

// BenchmarkCollect is a scrape's share of the store at 10,000 containers:
// six gauges each.
func BenchmarkCollect(b *testing.B) {
	reg := prometheus.NewRegistry()
	s, err := New(reg)
	if err != nil {
		b.Fatal(err)
	}
	for vmid := range 10_000 {
		s.Set(t0, values(100+vmid, "pve1", 2, 1))
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := reg.Gather(); err != nil {
			b.Fatal(err)
		}
	}
}
