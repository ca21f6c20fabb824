package forest

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// benchRows mirrors the speed anchors of the reference: N(0, I) rows plus
// 1% uniform[-6, 6] anomalies.
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

var benchMillion = func() func() [][]float64 {
	var rows [][]float64
	return func() [][]float64 {
		if rows == nil {
			rows = benchRows(1_000_000, 8, 42)
		}
		return rows
	}
}()

func BenchmarkScore(b *testing.B) {
	for _, trees := range []int{10, 100} {
		for _, psi := range []int{64, 256} {
			b.Run(fmt.Sprintf("trees=%d/psi=%d", trees, psi), func(b *testing.B) {
				rows := benchRows(100_000, 8, 7)
				f, err := Fit(rows, Options{Trees: trees, SampleSize: psi, Seed: 1})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				i := 0
				sink := 0.0
				for b.Loop() {
					sink += f.Score(rows[i])
					i++
					if i == len(rows) {
						i = 0
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
				if sink == 0 {
					b.Fatal("no scores")
				}
			})
		}
	}
}

func BenchmarkFit(b *testing.B) {
	rows := benchMillion()
	b.Run("rows=1000000/trees=100/psi=256/features=8", func(b *testing.B) {
		b.ReportAllocs()
		seed := uint64(0)
		var f *Forest
		for b.Loop() {
			var err error
			seed++
			f, err = Fit(rows, Options{Seed: seed})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(forestBytes(f)), "forest_bytes")
	})
}

// forestBytes is the memory a forest holds: its struct, nodes and roots.
func forestBytes(f *Forest) int {
	return int(unsafe.Sizeof(*f)) + cap(f.nodes)*int(unsafe.Sizeof(node{})) + cap(f.roots)*4
}
