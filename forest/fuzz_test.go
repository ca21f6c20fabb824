package forest

import (
	"encoding/binary"
	"math"
	"testing"
)

// rowsFromBytes turns fuzz input into rows: the first byte picks the width
// (1 to 8), then every 8 bytes are one float64.
func rowsFromBytes(data []byte) [][]float64 {
	if len(data) == 0 {
		return nil
	}
	width := int(data[0]%8) + 1
	data = data[1:]
	var rows [][]float64
	for len(data) >= 8*width {
		row := make([]float64, width)
		for j := range row {
			row[j] = math.Float64frombits(binary.LittleEndian.Uint64(data[8*j:]))
		}
		rows = append(rows, row)
		data = data[8*width:]
	}
	return rows
}

func floatsToBytes(width byte, values ...float64) []byte {
	b := []byte{width - 1}
	for _, v := range values {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

func checkScore(t *testing.T, f *Forest, x []float64) {
	t.Helper()
	s := f.Score(x)
	finite := true
	for _, v := range x {
		finite = finite && !math.IsNaN(v) && !math.IsInf(v, 0)
	}
	if finite && !(s > 0 && s <= 1) {
		t.Fatalf("Score(%v) = %v, want in (0, 1]", x, s)
	}
	if math.IsNaN(s) {
		t.Fatalf("Score(%v) = NaN", x)
	}
}

func FuzzFitScore(f *testing.F) {
	f.Add(uint8(10), uint8(16), uint64(1), floatsToBytes(2, 1, 2, 3, 4, 5, 6, 1e30, -1e30))
	f.Add(uint8(3), uint8(0), uint64(7), floatsToBytes(1, 0, 0, 0, 0))
	f.Add(uint8(1), uint8(1), uint64(0), floatsToBytes(3, 1, 2, 3))
	f.Add(uint8(5), uint8(4), uint64(3), floatsToBytes(2, math.NaN(), 1, 2, 3))
	f.Add(uint8(5), uint8(4), uint64(3), floatsToBytes(2, 1e-8, 2e-8, 3e-8, 1, math.Copysign(0, -1), 0, math.SmallestNonzeroFloat64, 5))
	f.Fuzz(func(t *testing.T, trees, sampleSize uint8, seed uint64, data []byte) {
		rows := rowsFromBytes(data)
		forest, err := Fit(rows, Options{Trees: int(trees % 20), SampleSize: int(sampleSize % 64), Seed: seed})
		if err != nil {
			return
		}
		for _, x := range rows {
			checkScore(t, forest, x)
		}
		// Rows Fit never saw, including NaN and values beyond float32.
		odd := make([]float64, forest.NumFeatures())
		for _, v := range []float64{math.NaN(), math.Inf(1), -1e300, 0} {
			for j := range odd {
				odd[j] = v
			}
			checkScore(t, forest, odd)
		}
		data2, _ := forest.MarshalBinary()
		var g Forest
		if err := g.UnmarshalBinary(data2); err != nil {
			t.Fatalf("UnmarshalBinary(MarshalBinary()) = %v", err)
		}
		for _, x := range rows {
			if a, b := forest.Score(x), g.Score(x); a != b && !(math.IsNaN(a) && math.IsNaN(b)) {
				t.Fatalf("decoded forest: Score(%v) = %v, want %v", x, b, a)
			}
		}
	})
}

func FuzzUnmarshalBinary(f *testing.F) {
	for _, opts := range []Options{{Trees: 1, SampleSize: 4}, {Trees: 3, SampleSize: 16, Seed: 2}, {Trees: 2, SampleSize: 1}} {
		forest, err := Fit(gaussianRows(40, 3, 5), opts)
		if err != nil {
			f.Fatal(err)
		}
		data, _ := forest.MarshalBinary()
		f.Add(data)
	}
	f.Add([]byte("IFST"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var g Forest
		if err := g.UnmarshalBinary(data); err != nil {
			return
		}
		x := make([]float64, g.NumFeatures())
		for _, v := range []float64{0, 1, -1, 1e30, -1e30, math.NaN(), math.Inf(-1)} {
			for j := range x {
				x[j] = v
			}
			checkScore(t, &g, x)
		}
		again, _ := g.MarshalBinary()
		if string(again) != string(data) {
			t.Fatal("an accepted encoding does not re-encode to itself")
		}
	})
}
