package workload

import (
	"testing"
	"time"
)

func BenchmarkAt(b *testing.B) {
	a := Allocation{CPUs: 2, MemoryBytes: gib, SwapBytes: 512 * mib, DiskBytes: 8 * gib}
	for _, k := range Kinds() {
		b.Run(string(k), func(b *testing.B) {
			m := NewSince(k, 1, epoch)
			at := epoch
			b.ReportAllocs()
			for b.Loop() {
				at = at.Add(10 * time.Second)
				m.At(at, a)
			}
		})
	}
}

func benchmarkHistory(b *testing.B, timeframe string) {
	m := New(Spike, 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := History(m, alwaysRunning, historyNow, timeframe, "AVERAGE"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHistoryHour(b *testing.B) { benchmarkHistory(b, "hour") }
func BenchmarkHistoryDay(b *testing.B)  { benchmarkHistory(b, "day") }
func BenchmarkHistoryYear(b *testing.B) { benchmarkHistory(b, "year") }
