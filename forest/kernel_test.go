package forest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// oddRows returns rows of width values mixing Gaussian values with the
// cases a walk must agree on: NaN, infinities, values beyond the float32
// range, zeros of both signs, denormals and exact thresholds.
func oddRows(f *Forest, n int, rnd *rand.Rand) [][]float64 {
	specials := []float64{math.NaN(), math.Inf(1), math.Inf(-1), 1e300, -1e300, 0, math.Copysign(0, -1),
		math.SmallestNonzeroFloat64, 1e-40, math.MaxFloat32, -math.MaxFloat32}
	rows := make([][]float64, n)
	for i := range rows {
		row := make([]float64, f.width)
		for j := range row {
			switch k := rnd.IntN(10); {
			case k == 0:
				row[j] = specials[rnd.IntN(len(specials))]
			case k == 1 && len(f.nodes) > 0:
				row[j] = float64(f.nodes[rnd.IntN(len(f.nodes))].threshold)
			default:
				row[j] = rnd.NormFloat64() * 3
			}
		}
		rows[i] = row
	}
	return rows
}

// checkKernel fails unless the vector walk and the pure-Go walk give the
// same sum, bit for bit, and Score agrees with the pure-Go path too.
func checkKernel(t *testing.T, what string, f *Forest, rows [][]float64) {
	t.Helper()
	for _, x := range rows {
		want, got := f.pathSumGo(x), f.pathSumKernel(x)
		if math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("%s: row %v: kernel path sum %v, pure Go %v", what, x, got, want)
		}
		if s, ref := f.Score(x), referenceScore(f, x); math.Abs(s-ref) > 1e-12 {
			t.Fatalf("%s: row %v: Score %v, reference %v", what, x, s, ref)
		}
	}
}

// TestKernelMatchesPureGo compares the AVX-512 walk with the pure-Go walk
// on many random forests: widths on both sides of the kernel's 31 (one
// row register pair) and up to MaxWidth, tree counts that are and are not
// multiples of 16 and of the 128-tree chunk, sample sizes from 2 (depth 1,
// no kernel) to 512 (depth 9), and rows with NaN, infinities and huge
// values, on fitted and on decoded forests.
func TestKernelMatchesPureGo(t *testing.T) {
	if !haveKernel {
		t.Skip("no AVX-512 on this CPU: only the pure-Go walk runs")
	}
	t.Parallel()
	widths := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 31, 32, 40, 255}
	trees := []int{1, 2, 7, 15, 16, 17, 31, 33, 100, 127, 128, 129, 130, 257}
	sizes := []int{2, 3, 4, 5, 8, 9, 16, 33, 64, 100, 256, 300, 512}
	rnd := rand.New(rand.NewPCG(7, 7))
	runs := 0
	for _, width := range widths {
		for k := range 4 {
			opts := Options{
				Trees:      trees[rnd.IntN(len(trees))],
				SampleSize: sizes[rnd.IntN(len(sizes))],
				Seed:       rnd.Uint64(),
			}
			if k == 3 {
				opts.MaxFeatures = 0.5
			}
			data := gaussianRows(max(opts.SampleSize, 40), width, rnd.Uint64())
			for i := range data {
				if i%7 == 0 { // a few outliers and duplicated values
					data[i][rnd.IntN(width)] = 1e30
					data[i][rnd.IntN(width)] = data[0][0]
				}
			}
			f := mustFit(t, data, opts)
			what := fmt.Sprintf("width %d, %+v, depth %d", width, opts, f.depth)
			if f.depth >= 3 && f.top == nil { // 3: topLevels, amd64 only
				t.Fatalf("%s: no kernel data", what)
			}
			rows := append(oddRows(f, 60, rnd), data[:20]...)
			checkKernel(t, what, f, rows)
			encoded, _ := f.MarshalBinary()
			var g Forest
			if err := g.UnmarshalBinary(encoded); err != nil {
				t.Fatal(err)
			}
			checkKernel(t, what+", decoded", &g, rows)
			runs++
		}
	}
	t.Logf("%d forests", runs)
}

// TestKernelOddThresholds checks the walks on thresholds no fit makes but a
// decoded forest may hold: infinite ones at internal nodes and NaN ones at
// leaves, which the NaN in the leaves' feature slot must still keep put.
func TestKernelOddThresholds(t *testing.T) {
	if !haveKernel {
		t.Skip("no AVX-512 on this CPU")
	}
	t.Parallel()
	rnd := rand.New(rand.NewPCG(3, 3))
	for _, width := range []int{3, 31, 40} {
		f := mustFit(t, gaussianRows(2000, width, 9), Options{Trees: 37, SampleSize: 200, Seed: 5})
		for i := range f.nodes {
			switch n := &f.nodes[i]; {
			case n.feature() == leafFeature:
				n.threshold = float32(math.NaN())
			case i%5 == 0:
				n.threshold = float32(math.Inf(1))
			case i%5 == 1:
				n.threshold = float32(math.Inf(-1))
			}
		}
		f.prepareKernel()
		checkKernel(t, fmt.Sprintf("width %d", width), f, oddRows(f, 300, rnd))
	}
}

// TestScoreWithoutKernel runs the pure-Go walk through Score, as on a CPU
// without AVX-512, and checks it against the reference.
func TestScoreWithoutKernel(t *testing.T) {
	// Not parallel: it changes the package's switch.
	defer func(old bool) { useKernel = old }(useKernel)
	useKernel = false
	f := mustFit(t, gaussianRows(1000, 8, 4), Options{Trees: 50, Seed: 1})
	rows := oddRows(f, 200, rand.New(rand.NewPCG(1, 1)))
	for _, x := range rows {
		if s, ref := f.Score(x), referenceScore(f, x); math.Abs(s-ref) > 1e-12 {
			t.Fatalf("row %v: Score %v, reference %v", x, s, ref)
		}
	}
}

func TestScoreDoesNotAllocate(t *testing.T) {
	// Not parallel: testing.AllocsPerRun panics in a parallel test.
	for _, width := range []int{8, 40} {
		f := mustFit(t, gaussianRows(3000, width, 4), Options{Trees: 130, Seed: 1})
		x := gaussianRows(1, width, 5)[0]
		if n := testing.AllocsPerRun(100, func() { f.Score(x) }); n != 0 {
			t.Errorf("width %d: Score allocates %v times", width, n)
		}
	}
}
