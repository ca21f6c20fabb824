package forest

import (
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"
	"unsafe"
)

// gaussianRows returns n rows of N(0, I) in width dimensions.
func gaussianRows(n, width int, seed uint64) [][]float64 {
	rnd := rand.New(rand.NewPCG(seed, 2))
	rows := make([][]float64, n)
	for i := range rows {
		rows[i] = make([]float64, width)
		for j := range rows[i] {
			rows[i][j] = rnd.NormFloat64()
		}
	}
	return rows
}

func mustFit(t testing.TB, rows [][]float64, opts Options) *Forest {
	t.Helper()
	f, err := Fit(rows, opts)
	if err != nil {
		t.Fatalf("Fit(%d rows, %+v) = %v", len(rows), opts, err)
	}
	return f
}

func scoresOf(f *Forest, rows [][]float64) []float64 {
	out := make([]float64, len(rows))
	f.ScoreBatch(rows, out)
	return out
}

func TestFitErrors(t *testing.T) {
	t.Parallel()
	good := gaussianRows(20, 3, 1)
	with := func(i, j int, v float64) [][]float64 {
		rows := make([][]float64, len(good))
		for k := range good {
			rows[k] = slices.Clone(good[k])
		}
		rows[i][j] = v
		return rows
	}
	tests := []struct {
		name string
		rows [][]float64
		opts Options
		want error
	}{
		{"nil rows", nil, Options{}, ErrNoRows},
		{"empty rows", [][]float64{}, Options{}, ErrNoRows},
		{"zero width", [][]float64{{}, {}}, Options{}, ErrInvalidOptions},
		{"too wide", [][]float64{make([]float64, MaxWidth+1)}, Options{}, ErrInvalidOptions},
		{"ragged short", append(slices.Clone(good), []float64{1, 2}), Options{}, ErrRaggedRows},
		{"ragged long", append(slices.Clone(good), []float64{1, 2, 3, 4}), Options{}, ErrRaggedRows},
		{"NaN", with(3, 1, math.NaN()), Options{}, ErrNonFinite},
		{"+Inf", with(19, 2, math.Inf(1)), Options{}, ErrNonFinite},
		{"-Inf", with(0, 0, math.Inf(-1)), Options{}, ErrNonFinite},
		{"beyond float32", with(5, 0, 1e39), Options{}, ErrNonFinite},
		{"negative trees", good, Options{Trees: -1}, ErrInvalidOptions},
		{"negative sample size", good, Options{SampleSize: -5}, ErrInvalidOptions},
		{"negative max features", good, Options{MaxFeatures: -0.5}, ErrInvalidOptions},
		{"max features above 1", good, Options{MaxFeatures: 1.5}, ErrInvalidOptions},
		{"NaN max features", good, Options{MaxFeatures: math.NaN()}, ErrInvalidOptions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := Fit(tt.rows, tt.opts)
			if !errors.Is(err, tt.want) || f != nil {
				t.Errorf("Fit = %v, %v, want nil, %v", f, err, tt.want)
			}
		})
	}
}

// TestFitChecksSampledRowsOfLargeData covers the path where Fit checks
// only the rows it samples (len(rows) > Trees*SampleSize).
func TestFitChecksSampledRowsOfLargeData(t *testing.T) {
	t.Parallel()
	rows := gaussianRows(2000, 2, 3)
	for i := range rows {
		rows[i][1] = math.NaN() // every row is bad, so every sample hits one
	}
	opts := Options{Trees: 2, SampleSize: 16}
	if _, err := Fit(rows, opts); !errors.Is(err, ErrNonFinite) {
		t.Errorf("Fit(NaN rows, %+v) = %v, want %v", opts, err, ErrNonFinite)
	}
	rows = gaussianRows(2000, 2, 3)
	for i := 1; i < len(rows); i++ {
		rows[i] = rows[i][:1]
	}
	if _, err := Fit(rows, opts); !errors.Is(err, ErrRaggedRows) {
		t.Errorf("Fit(ragged rows, %+v) = %v, want %v", opts, err, ErrRaggedRows)
	}
}

func TestFitDefaultsAndClipping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n     int
		opts  Options
		trees int
		psi   int
	}{
		{n: 1000, opts: Options{}, trees: 100, psi: 256},
		{n: 100, opts: Options{}, trees: 100, psi: 100},
		{n: 1000, opts: Options{Trees: 7, SampleSize: 5000}, trees: 7, psi: 1000},
		{n: 1000, opts: Options{Trees: 3, SampleSize: 64, MaxFeatures: 0.5}, trees: 3, psi: 64},
	}
	for _, tt := range tests {
		f := mustFit(t, gaussianRows(tt.n, 4, 1), tt.opts)
		if f.NumTrees() != tt.trees || f.SampleSize() != tt.psi || f.NumFeatures() != 4 {
			t.Errorf("Fit(%d rows, %+v): trees %d, sample size %d, features %d; want %d, %d, 4",
				tt.n, tt.opts, f.NumTrees(), f.SampleSize(), f.NumFeatures(), tt.trees, tt.psi)
		}
		if f.depth > maxDepth(tt.psi) {
			t.Errorf("Fit(%d rows, %+v): depth %d above limit %d", tt.n, tt.opts, f.depth, maxDepth(tt.psi))
		}
	}
}

func TestAveragePathLength(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n    int
		want float64
	}{
		{0, 0}, {1, 0}, {2, 1},
		{3, 2*(math.Log(2)+eulerGamma) - 4.0/3},
		{256, 10.244770920119917}, // scikit-learn 1.2.1: _average_path_length([256])
	}
	for _, tt := range tests {
		if got := averagePathLength(tt.n); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("averagePathLength(%d) = %v, want %v", tt.n, got, tt.want)
		}
	}
	for n, want := range map[int]int{1: 1, 2: 1, 3: 2, 4: 2, 5: 3, 255: 8, 256: 8, 257: 9} {
		if got := maxDepth(n); got != want {
			t.Errorf("maxDepth(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestDeterministicAcrossGOMAXPROCS(t *testing.T) {
	// Not parallel: it changes GOMAXPROCS.
	rows := gaussianRows(3000, 5, 4)
	opts := Options{Seed: 99, Trees: 50}
	fitWith := func(procs int) ([]float64, []byte) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		f := mustFit(t, rows, opts)
		b, _ := f.MarshalBinary()
		return scoresOf(f, rows), b
	}
	s1, b1 := fitWith(1)
	s2, b2 := fitWith(2)
	s8, b8 := fitWith(8)
	if !slices.Equal(s1, s2) || !slices.Equal(s1, s8) || !slices.Equal(b1, b2) || !slices.Equal(b1, b8) {
		t.Fatal("same rows and seed gave different forests under GOMAXPROCS 1, 2 and 8")
	}
	other := scoresOf(mustFit(t, rows, Options{Seed: 100, Trees: 50}), rows)
	if slices.Equal(s1, other) {
		t.Error("seeds 99 and 100 gave identical scores")
	}
}

func TestConcurrentFitAndScore(t *testing.T) {
	t.Parallel()
	a, b := gaussianRows(1500, 3, 5), gaussianRows(800, 6, 6)
	wantA := scoresOf(mustFit(t, a, Options{Seed: 1}), a)
	wantB := scoresOf(mustFit(t, b, Options{Seed: 2}), b)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			f := mustFit(t, a, Options{Seed: 1})
			if !slices.Equal(scoresOf(f, a), wantA) {
				t.Error("concurrent fit of set a differs")
			}
		})
		wg.Go(func() {
			f := mustFit(t, b, Options{Seed: 2})
			if !slices.Equal(scoresOf(f, b), wantB) {
				t.Error("concurrent fit of set b differs")
			}
		})
	}
	shared := mustFit(t, a, Options{Seed: 1})
	for range 4 {
		wg.Go(func() {
			for i, x := range a {
				if s := shared.Score(x); s != wantA[i] {
					t.Errorf("concurrent Score(row %d) = %v, want %v", i, s, wantA[i])
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestScoreSeparatesOutliers(t *testing.T) {
	t.Parallel()
	rows := gaussianRows(1000, 4, 7)
	f := mustFit(t, rows, Options{Seed: 3})
	inlier := f.Score([]float64{0, 0, 0, 0})
	outlier := f.Score([]float64{6, -6, 6, -6})
	if !(inlier < DefaultThreshold && outlier > DefaultThreshold+0.1) {
		t.Errorf("Score(origin) = %v, Score(far point) = %v; want below %v and well above it", inlier, outlier, DefaultThreshold)
	}
	for i, s := range scoresOf(f, rows) {
		if !(s > 0 && s <= 1) {
			t.Fatalf("Score(row %d) = %v, want in (0, 1]", i, s)
		}
	}
}

func TestScoreCheckedAndWidth(t *testing.T) {
	t.Parallel()
	rows := gaussianRows(300, 3, 8)
	f := mustFit(t, rows, Options{Seed: 1})
	tests := []struct {
		name string
		x    []float64
		want error
	}{
		{"short", []float64{1, 2}, ErrWidth},
		{"long", []float64{1, 2, 3, 4}, ErrWidth},
		{"nil", nil, ErrWidth},
		{"NaN", []float64{1, math.NaN(), 3}, ErrNonFinite},
		{"Inf", []float64{math.Inf(-1), 0, 3}, ErrNonFinite},
	}
	for _, tt := range tests {
		if s, err := f.ScoreChecked(tt.x); !errors.Is(err, tt.want) {
			t.Errorf("ScoreChecked(%v) = %v, %v, want %v", tt.x, s, err, tt.want)
		}
	}
	for _, x := range rows[:20] {
		if s, err := f.ScoreChecked(x); err != nil || s != f.Score(x) {
			t.Errorf("ScoreChecked(%v) = %v, %v, want %v, nil", x, s, err, f.Score(x))
		}
	}
	mustPanic(t, "Score of a short row", func() { f.Score([]float64{1}) })
	mustPanic(t, "ScoreBatch with a short out", func() { f.ScoreBatch(rows, make([]float64, 1)) })
	// NaN and values beyond float32 are not errors for Score itself.
	for _, x := range [][]float64{{math.NaN(), 0, 0}, {1e300, -1e300, math.Inf(1)}} {
		if s := f.Score(x); !(s > 0 && s <= 1) {
			t.Errorf("Score(%v) = %v, want in (0, 1]", x, s)
		}
	}
}

func mustPanic(t *testing.T, what string, fn func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s did not panic", what)
		}
	}()
	fn()
}

func TestScoreBatchMatchesScore(t *testing.T) {
	t.Parallel()
	rows := gaussianRows(500, 6, 9)
	for _, trees := range []int{1, 3, 4, 100, 130, 257} { // around scoreChunk and the 4-way unroll
		f := mustFit(t, rows, Options{Seed: 5, Trees: trees})
		got := scoresOf(f, rows)
		for i, x := range rows {
			if want := f.Score(x); got[i] != want {
				t.Fatalf("trees %d: ScoreBatch[%d] = %v, Score = %v", trees, i, got[i], want)
			}
		}
		// A reference walk, one tree at a time, with branches.
		for i, x := range rows[:50] {
			if want := referenceScore(f, x); math.Abs(got[i]-want) > 1e-12 {
				t.Fatalf("trees %d: Score(row %d) = %v, reference walk %v", trees, i, got[i], want)
			}
		}
	}
}

// referenceScore is the paper's PathLength, written plainly.
func referenceScore(f *Forest, x []float64) float64 {
	sum := 0.0
	for _, root := range f.roots {
		i := root
		for f.nodes[i].feature() != leafFeature {
			n := f.nodes[i]
			i += n.offset()
			if float32(x[n.feature()]) > n.threshold {
				i++
			}
		}
		sum += f.pathLength[i]
	}
	return math.Pow(2, -sum/f.norm)
}

func TestDegenerateData(t *testing.T) {
	t.Parallel()
	constant := make([][]float64, 300)
	for i := range constant {
		constant[i] = []float64{4, -2, 1e6}
	}
	tests := []struct {
		name string
		rows [][]float64
		opts Options
		x    []float64
		want float64 // the score (to 1e-12: the sum of 100 equal path lengths rounds), or 0 to only check the range
	}{
		// Every tree is one leaf of SampleSize rows: E[h] = c(psi), s = 0.5.
		{"all constant", constant, Options{}, []float64{4, -2, 1e6}, 0.5},
		{"all constant, other x", constant, Options{}, []float64{100, 100, 100}, 0.5},
		// scikit-learn defines the score of a one-row forest as 1.
		{"single row", [][]float64{{1, 2}}, Options{}, []float64{1, 2}, 1},
		{"single row, sample size 10", [][]float64{{1, 2}}, Options{SampleSize: 10}, []float64{3, 4}, 1},
		{"fewer rows than sample size", gaussianRows(10, 2, 1), Options{SampleSize: 256}, []float64{0, 0}, 0},
		{"two rows", [][]float64{{0}, {1}}, Options{}, []float64{0.5}, 0},
		{"duplicated rows", slices.Concat(gaussianRows(50, 2, 2), gaussianRows(50, 2, 2), gaussianRows(50, 2, 2)), Options{}, []float64{0, 0}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := mustFit(t, tt.rows, tt.opts)
			s := f.Score(tt.x)
			if tt.want != 0 && math.Abs(s-tt.want) > 1e-12 {
				t.Errorf("Score(%v) = %v, want %v", tt.x, s, tt.want)
			}
			if !(s > 0 && s <= 1) {
				t.Errorf("Score(%v) = %v, want in (0, 1]", tt.x, s)
			}
		})
	}
}

// TestConstantFeaturesAreSkipped checks scikit-learn's rule: a feature
// whose range in a node is at most 1e-7 is never split on. Values near 0
// keep float32 rounding out of the way.
func TestConstantFeaturesAreSkipped(t *testing.T) {
	t.Parallel()
	rows := gaussianRows(2000, 4, 10)
	for i, row := range rows {
		row[1] = 7                     // constant
		row[2] = float64(i%2) * 2e-7   // range 2e-7: splittable
		row[3] = float64(i%2) * 0.5e-7 // range 5e-8: constant by the threshold
	}
	f := mustFit(t, rows, Options{Seed: 11})
	used := map[int]int{}
	for _, n := range f.nodes {
		if n.feature() != leafFeature {
			used[n.feature()]++
		}
	}
	if used[1] != 0 || used[3] != 0 || used[0] == 0 || used[2] == 0 {
		t.Errorf("splits per feature = %v, want some on features 0 and 2, none on 1 and 3", used)
	}
}

func TestMaxFeaturesRestrictsSplits(t *testing.T) {
	t.Parallel()
	rows := gaussianRows(1000, 10, 12)
	f := mustFit(t, rows, Options{Seed: 2, MaxFeatures: 0.2, Trees: 30})
	for t2, root := range f.roots {
		end := uint32(len(f.nodes))
		if t2+1 < len(f.roots) {
			end = f.roots[t2+1]
		}
		features := map[int]bool{}
		for _, n := range f.nodes[root:end] {
			if n.feature() != leafFeature {
				features[n.feature()] = true
			}
		}
		if len(features) > 2 {
			t.Errorf("tree %d splits on %d features, MaxFeatures 0.2 of 10 allows 2", t2, len(features))
		}
	}
}

// The bitset and the hash set are two stores for one algorithm: for the
// same generator they must draw the same rows, or a forest would change
// with the number of rows it was given crossing the bitset's limit.
func TestPickSampleBitsetDrawsWhatHashDraws(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ n, k int }{{257, 256}, {1000, 256}, {25_600, 256}, {65_536, 256}, {70_000, 256}, {300, 100}} {
		rows := make([][]float64, c.n)
		for i := range rows {
			rows[i] = []float64{float64(i)}
		}
		r, err := resolve(rows, Options{SampleSize: c.k})
		if err != nil {
			t.Fatal(err)
		}
		b := newBuilder(rows, r, false, 1)
		for tr := range 20 {
			hashRnd := treeRNG(7, tr)
			b.pickSampleHash(&hashRnd)
			want := slices.Clone(b.sample)
			bitsRnd := treeRNG(7, tr)
			b.pickSampleBits(&bitsRnd, make([]uint64, (c.n+63)/64))
			if !slices.Equal(b.sample, want) || bitsRnd != hashRnd {
				t.Fatalf("n=%d k=%d tree %d: bitset drew %v, hash set %v", c.n, c.k, tr, b.sample[:8], want[:8])
			}
		}
	}
}

func TestPickSampleIsUniformWithoutReplacement(t *testing.T) {
	t.Parallel()
	const n, k, trees = 1000, 100, 2000
	rows := make([][]float64, n)
	for i := range rows {
		rows[i] = []float64{float64(i)}
	}
	r, err := resolve(rows, Options{SampleSize: k})
	if err != nil {
		t.Fatal(err)
	}
	b := newBuilder(rows, r, false, 1)
	counts := make([]int, n)
	for tr := range trees {
		rnd := treeRNG(1, tr)
		b.pickSample(&rnd)
		seen := map[int]bool{}
		for _, v := range b.sample {
			if v < 0 || v >= n || seen[v] {
				t.Fatalf("tree %d: sample %v has a duplicate or out-of-range index", tr, b.sample)
			}
			seen[v] = true
			counts[v]++
		}
	}
	// Each index is drawn with probability k/n per tree: mean 200, sd ~13.4.
	// Chi-square with n-1 = 999 degrees of freedom: mean 999, sd ~44.7.
	chi2 := 0.0
	expected := float64(trees*k) / n
	for _, c := range counts {
		chi2 += (float64(c) - expected) * (float64(c) - expected) / expected
	}
	if chi2 > 999+6*44.7 {
		t.Errorf("chi-square of index counts = %.0f, want near 999", chi2)
	}
}

func TestOrderKey(t *testing.T) {
	t.Parallel()
	values := []float32{float32(math.Inf(-1)), -math.MaxFloat32, -1e10, -1, -1e-40, float32(math.Copysign(0, -1)), 0,
		1e-45, 1e-40, 1, 1.0000001, 1e10, math.MaxFloat32, float32(math.Inf(1))}
	rnd := rand.New(rand.NewPCG(1, 1))
	for range 1000 {
		values = append(values, math.Float32frombits(rnd.Uint32()))
	}
	for _, a := range values {
		if a != a {
			continue
		}
		if back := fromOrderKey(orderKey(a)); back != a {
			t.Errorf("fromOrderKey(orderKey(%v)) = %v", a, back)
		}
		for _, b := range values[:14] {
			if (a <= b) != (orderKey(a) <= orderKey(b)) || (a < b) != (orderKey(a) < orderKey(b)) {
				t.Errorf("orderKey(%v), orderKey(%v) = %d, %d: order differs", a, b, orderKey(a), orderKey(b))
			}
		}
	}
}

func TestFloat32Below(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(2, 2))
	// Values that round up to ±0, to a denormal, across a power of two,
	// and to the extreme float32s, then random ones.
	values := []float64{
		-1e-50, 1e-50, -1e-45, 1e-45, -2e-45, 0.7e-45,
		math.Nextafter(1, 0), -math.Nextafter(1, 2), math.Nextafter(-1, 0),
		-math.MaxFloat32, math.MaxFloat32, math.Nextafter(-math.MaxFloat32, 0),
		math.Nextafter(math.MaxFloat32, 0), 0, math.Copysign(0, -1),
	}
	for range 10000 {
		values = append(values, rnd.NormFloat64()*math.Pow(10, float64(rnd.IntN(20)-10)))
	}
	for _, v := range values {
		f := float32Below(v)
		want := float32(v)
		if float64(want) > v {
			want = math.Nextafter32(want, float32(math.Inf(-1)))
		}
		if math.Float32bits(f) != math.Float32bits(want) {
			t.Fatalf("float32Below(%v) = %v, math.Nextafter32 gives %v", v, f, want)
		}
		if float64(f) > v || float64(math.Nextafter32(f, float32(math.Inf(1)))) <= v {
			t.Fatalf("float32Below(%v) = %v, not the largest float32 <= v", v, f)
		}
		// The point of it: float32 x <= v exactly when x <= float32Below(v).
		x := float32(v)
		if (float64(x) <= v) != (x <= f) {
			t.Fatalf("x = %v, v = %v: comparisons differ", x, v)
		}
	}
}

func TestForestSize(t *testing.T) {
	t.Parallel()
	f := mustFit(t, gaussianRows(20000, 8, 13), Options{Seed: 1})
	// Worst case for 100 trees of 256 rows: 511 nodes of 16 bytes each.
	if got := forestBytes(f); got >= 1<<20 {
		t.Errorf("forest of 100 x 256 takes %d bytes, want under 1 MB", got)
	}
	if got := 100 * 511 * int(unsafe.Sizeof(node{})+8); got >= 1<<20 {
		t.Errorf("worst-case forest of 100 x 256 takes %d bytes, want under 1 MB", got)
	}
}

func TestContaminationThreshold(t *testing.T) {
	t.Parallel()
	scores := []float64{0.9, 0.1, 1.0, 0.3, 0.5, 0.2, 0.7, 0.4, 0.6, 0.8}
	// numpy.percentile(-s, 10) = -0.91 for these ten scores.
	if got, err := ContaminationThreshold(scores, 0.1); err != nil || math.Abs(got-0.91) > 1e-12 {
		t.Errorf("ContaminationThreshold(0.1) = %v, %v, want 0.91", got, err)
	}
	if got, err := ContaminationThreshold(scores, 0.5); err != nil || math.Abs(got-0.55) > 1e-12 {
		t.Errorf("ContaminationThreshold(0.5) = %v, %v, want 0.55", got, err)
	}
	if !slices.Equal(scores, []float64{0.9, 0.1, 1.0, 0.3, 0.5, 0.2, 0.7, 0.4, 0.6, 0.8}) {
		t.Error("ContaminationThreshold modified its input")
	}
	for _, c := range []float64{0, -0.1, 0.51, math.NaN()} {
		if _, err := ContaminationThreshold(scores, c); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("ContaminationThreshold(%v) = %v, want %v", c, err, ErrInvalidOptions)
		}
	}
	if _, err := ContaminationThreshold(nil, 0.1); !errors.Is(err, ErrNoRows) {
		t.Errorf("ContaminationThreshold(nil) = %v, want %v", err, ErrNoRows)
	}
	if _, err := ContaminationThreshold([]float64{0.5, math.NaN()}, 0.1); !errors.Is(err, ErrNonFinite) {
		t.Errorf("ContaminationThreshold(NaN score) = %v, want %v", err, ErrNonFinite)
	}
	if got := Decision(0.7, DefaultThreshold); math.Abs(got-(-0.2)) > 1e-15 {
		t.Errorf("Decision(0.7, 0.5) = %v, want -0.2", got)
	}
}
