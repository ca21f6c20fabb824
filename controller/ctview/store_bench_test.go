package ctview

import (
	"runtime"
	"testing"
	"time"
)

// BenchmarkSetPass is the store's share of a pass at 10,000 containers
// whose usage changes every pass and whose allocation does not, with the
// heap the store holds.
func BenchmarkSetPass(b *testing.B) {
	const containers = 10_000
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s, _ := New(nil)
	now := t0
	pass := func(i int) {
		for vmid := range containers {
			s.Set(now, values(100+vmid, "pve1", 2, float64((vmid+i)%7)/4))
		}
	}
	pass(0)
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/containers, "heap-B/container")
	i := 0
	for b.Loop() {
		i++
		now = now.Add(10 * time.Second)
		pass(i)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/containers, "ns/container")
	runtime.KeepAlive(s)
}
