package forest

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"unsafe"
)

// benchRows mirrors the speed anchors of the reference: N(0, I) rows plus
// 1% uniform[-6, 6] anomalies, all rows slices of one backing array.
func benchRows(n, width int, seed uint64) [][]float64 {
	rnd := rand.New(rand.NewPCG(seed, 1))
	backing := make([]float64, n*width)
	rows := make([][]float64, n)
	for i := range rows {
		row := backing[i*width : (i+1)*width : (i+1)*width]
		for j := range row {
			if i%100 == 0 {
				row[j] = rnd.Float64()*12 - 6
			} else {
				row[j] = rnd.NormFloat64()
			}
		}
		rows[i] = row
	}
	return rows
}

// millionRows is the 1,000,000 x 8 set, built once for all benchmarks.
var millionRows = sync.OnceValue(func() [][]float64 { return benchRows(1_000_000, 8, 42) })

// forestBytes is the memory a forest holds: its struct and its arrays.
func forestBytes(f *Forest) int {
	return int(unsafe.Sizeof(*f)) + cap(f.nodes)*int(unsafe.Sizeof(node{})) +
		cap(f.pathLength)*8 + cap(f.roots)*4 + f.kernelBytes()
}

// BenchmarkScore scores rows of the 1,000,000 x 8 set one at a time.
func BenchmarkScore(b *testing.B) {
	rows := millionRows()
	for _, trees := range []int{10, 100} {
		for _, psi := range []int{64, 256} {
			b.Run(fmt.Sprintf("trees=%d/psi=%d/features=8", trees, psi), func(b *testing.B) {
				f := mustFit(b, rows, Options{Trees: trees, SampleSize: psi, Seed: 1})
				b.ReportAllocs()
				i, sum := 0, 0.0
				for b.Loop() {
					sum += f.Score(rows[i])
					if i++; i == len(rows) {
						i = 0
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
				if sum == 0 {
					b.Fatal("no scores")
				}
			})
		}
	}
}

// BenchmarkScoreBatch scores 10,000 rows per call.
func BenchmarkScoreBatch(b *testing.B) {
	rows := millionRows()[:10_000]
	f := mustFit(b, rows, Options{Seed: 1})
	out := make([]float64, len(rows))
	b.ReportAllocs()
	for b.Loop() {
		f.ScoreBatch(rows, out)
	}
	b.ReportMetric(float64(b.N*len(rows))/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkFit fits 100 trees of 256 rows from the 1,000,000 x 8 set (a
// new seed each time, so the sampled rows are mostly not in cache) and
// reports the size of the forest.
func BenchmarkFit(b *testing.B) {
	rows := millionRows()
	for _, psi := range []int{64, 256} {
		b.Run(fmt.Sprintf("rows=1000000/trees=100/psi=%d/features=8", psi), func(b *testing.B) {
			b.ReportAllocs()
			seed := uint64(0)
			var f *Forest
			for b.Loop() {
				seed++
				f = mustFit(b, rows, Options{Seed: seed, SampleSize: psi})
			}
			b.ReportMetric(float64(forestBytes(f)), "forest_bytes")
		})
	}
}

// BenchmarkFitSmall is the controller's case: a window of recent samples.
func BenchmarkFitSmall(b *testing.B) {
	rows := millionRows()[:2000]
	b.ReportAllocs()
	for b.Loop() {
		mustFit(b, rows, Options{Seed: 1})
	}
}

// BenchmarkFitTraining is the controller's retraining: 100 trees of 256
// rows from a training set of 32,768 rows (engine's maxTrainingRows) of
// its 12 model features.
func BenchmarkFitTraining(b *testing.B) {
	rows := benchRows(32_768, 12, 9)
	b.ReportAllocs()
	for b.Loop() {
		mustFit(b, rows, Options{Seed: 42})
	}
}

func BenchmarkMarshalBinary(b *testing.B) {
	f := mustFit(b, millionRows()[:10_000], Options{Seed: 1})
	var size int
	b.ReportAllocs()
	for b.Loop() {
		data, _ := f.MarshalBinary()
		size = len(data)
	}
	b.ReportMetric(float64(size), "encoded_bytes")
}

func BenchmarkUnmarshalBinary(b *testing.B) {
	f := mustFit(b, millionRows()[:10_000], Options{Seed: 1})
	data, _ := f.MarshalBinary()
	b.ReportAllocs()
	for b.Loop() {
		var g Forest
		if err := g.UnmarshalBinary(data); err != nil {
			b.Fatal(err)
		}
	}
}
