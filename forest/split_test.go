package forest

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSplitKernelsMatchGo compares minMaxKernel and partitionKernel with
// minMaxSmall and partitionSmall on random nodes of every size, keys
// including the extremes and limits that send every row one way: the
// same range, the same split point, the same rows on each side, and the
// output outside the node left alone.
func TestSplitKernelsMatchGo(t *testing.T) {
	t.Parallel()
	if !useSplitKernel {
		t.Skip("no split kernels on this CPU")
	}
	rnd := rand.New(rand.NewPCG(8, 8))
	var col [256]int32
	for trial := range 3000 {
		for i := range col {
			switch rnd.IntN(20) {
			case 0:
				col[i] = math.MinInt32
			case 1:
				col[i] = math.MaxInt32
			default:
				col[i] = rnd.Int32N(2000) - 1000
			}
		}
		var members, want, got [256]uint8
		for i, p := range rnd.Perm(256) {
			members[i] = uint8(p)
		}
		size := int32(trial%256 + 1)
		start := rnd.Int32N(257 - size)
		end := start + size
		lo, hi := minMaxSmall(&col, &members, start, end)
		if klo, khi := minMaxKernel(&col, &members, start, end); klo != lo || khi != hi {
			t.Fatalf("rows [%d, %d): minMaxKernel = %d, %d, minMaxSmall %d, %d", start, end, klo, khi, lo, hi)
		}
		var limit int32
		switch trial % 7 {
		case 0:
			limit = lo - 1 // every row right, unless lo is MinInt32
		case 1:
			limit = hi // every row left
		default:
			limit = lo + rnd.Int32N(max(1, hi/2-lo/2))
		}
		for i := range want {
			want[i], got[i] = uint8(rnd.Uint32()), uint8(rnd.Uint32())
		}
		copy(got[:], want[:])
		mid := partitionSmall(&col, limit, &members, &want, start, end)
		if kmid := partitionKernel(&col, limit, &members, &got, start, end); kmid != mid {
			t.Fatalf("rows [%d, %d), limit %d: partitionKernel splits at %d, partitionSmall at %d", start, end, limit, kmid, mid)
		}
		if !slices.Equal(got[:start], want[:start]) || !slices.Equal(got[end:], want[end:]) {
			t.Fatalf("rows [%d, %d): partitionKernel wrote outside the node", start, end)
		}
		for _, side := range [][2]int32{{start, mid}, {mid, end}} {
			g, w := slices.Clone(got[side[0]:side[1]]), slices.Clone(want[side[0]:side[1]])
			slices.Sort(g)
			slices.Sort(w)
			if !slices.Equal(g, w) {
				t.Fatalf("rows [%d, %d), limit %d: rows [%d, %d) differ: %v, want %v", start, end, limit, side[0], side[1], g, w)
			}
		}
	}
}

// TestFitWithoutSplitKernels wants the same forests with and without the
// split kernels.
func TestFitWithoutSplitKernels(t *testing.T) {
	if !useSplitKernel {
		t.Skip("no split kernels on this CPU")
	}
	// Not parallel: it switches the kernels off for the whole package.
	rows := gaussianRows(3000, 6, 24)
	for _, opts := range []Options{{Seed: 1, Trees: 20}, {Seed: 2, Trees: 20, SampleSize: 100, MaxFeatures: 0.5}} {
		withKernels, _ := mustFit(t, rows, opts).MarshalBinary()
		useSplitKernel = false
		without, _ := mustFit(t, rows, opts).MarshalBinary()
		useSplitKernel = true
		if !slices.Equal(withKernels, without) {
			t.Errorf("%+v: the forests with and without the split kernels differ", opts)
		}
	}
}
