package forest

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestGatherKeysMatchesGatherColumn compares the vector gather with the
// column-by-column one, key for key, on rows of many widths (full groups
// of 8 columns and partial ones) holding NaNs, infinities, values beyond
// the float32 range or rounding to its edges, zeros of both signs and
// denormals; it also wants the keys outside the rows given left alone.
func TestGatherKeysMatchesGatherColumn(t *testing.T) {
	t.Parallel()
	if !useGatherKernel {
		t.Skip("no gather kernel on this CPU")
	}
	specials := []float64{math.NaN(), math.Inf(1), math.Inf(-1), 1e300, -1e300, 0, math.Copysign(0, -1),
		math.SmallestNonzeroFloat64, 1e-40, -1e-45, 0.7e-45, math.MaxFloat32, -math.MaxFloat32,
		math.Nextafter(math.MaxFloat32, math.Inf(1)), 3.4028236e38, 1 + 0x1p-24, 1 + 0x1p-23 + 0x1p-24}
	rnd := rand.New(rand.NewPCG(7, 7))
	const sentinel = 0x5a5a5a5a
	for _, width := range []int{1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 40, 255} {
		for _, n := range []int{8, 16, 64, 256} {
			rows := make([][]float64, n)
			for i := range rows {
				rows[i] = make([]float64, width)
				for j := range rows[i] {
					if rnd.IntN(5) == 0 {
						rows[i][j] = specials[rnd.IntN(len(specials))]
					} else {
						rows[i][j] = rnd.NormFloat64() * math.Pow(10, float64(rnd.IntN(20)-10))
					}
				}
			}
			stride := n + 3
			keys := make([]int32, width*stride)
			for i := range keys {
				keys[i] = sentinel
			}
			lo, hi := make([]int32, (width+7)&^7), make([]int32, (width+7)&^7)
			gatherKeys(&rows[0], n, width, &keys[0], stride, &lo[0], &hi[0])
			want := make([]int32, n)
			for c := range width {
				wantLo, wantHi := gatherColumn(rows, c, want)
				col := keys[c*stride : (c+1)*stride]
				if !slices.Equal(col[:n], want) || lo[c] != wantLo || hi[c] != wantHi {
					t.Fatalf("width %d, %d rows, column %d: gatherKeys gives keys %v, range [%d, %d]; gatherColumn %v, [%d, %d]",
						width, n, c, col[:n], lo[c], hi[c], want, wantLo, wantHi)
				}
				for _, k := range col[n:] {
					if k != sentinel {
						t.Fatalf("width %d, %d rows, column %d: gatherKeys wrote past the rows", width, n, c)
					}
				}
			}
		}
	}
}

// TestFitWithoutGatherKernel wants the same forests from the vector gather
// and from gatherColumn, with sample sizes that leave rows for
// gatherColumn after the kernel's blocks of 8.
func TestFitWithoutGatherKernel(t *testing.T) {
	if !useGatherKernel {
		t.Skip("no gather kernel on this CPU")
	}
	// Not parallel: it switches the kernel off for the whole package.
	rows := gaussianRows(3000, 11, 23)
	for _, opts := range []Options{{Seed: 1, Trees: 20}, {Seed: 2, Trees: 20, SampleSize: 100}, {Seed: 3, Trees: 20, SampleSize: 5}} {
		withKernel, _ := mustFit(t, rows, opts).MarshalBinary()
		useGatherKernel = false
		without, _ := mustFit(t, rows, opts).MarshalBinary()
		useGatherKernel = true
		if !slices.Equal(withKernel, without) {
			t.Errorf("%+v: the forests with and without the gather kernel differ", opts)
		}
	}
}
