package forest

import (
	"runtime"
	"slices"
	"testing"
)

// TestPrefetchedBuildMatchesPlain builds the same trees with and without
// the prefetch pipeline, in runs of several lengths: the pipeline draws
// each tree's features and sample two trees early, and must leave every
// tree exactly as building it alone does.
func TestPrefetchedBuildMatchesPlain(t *testing.T) {
	t.Parallel()
	rows := gaussianRows(20000, 8, 21)
	for _, opts := range []Options{
		{Trees: 9, Seed: 3},
		{Trees: 7, SampleSize: 300, MaxFeatures: 0.5, Seed: 4},
	} {
		r, err := resolve(rows, opts)
		if err != nil {
			t.Fatal(err)
		}
		plain := newBuilder(rows, r, true, r.trees)
		if !plain.large {
			t.Fatalf("%d rows of %d columns are not large", len(rows), r.width)
		}
		plain.large = false
		want := make([]tree, r.trees)
		plain.buildRange(opts.Seed, 0, r.trees, want)
		for run := 1; run <= 4; run++ {
			b := newBuilder(rows, r, true, r.trees)
			got := make([]tree, r.trees)
			for from := 0; from < r.trees; from += run {
				b.buildRange(opts.Seed, from, min(from+run, r.trees), got)
			}
			for i := range want {
				if got[i].err != nil || want[i].err != nil {
					t.Fatalf("%+v tree %d: errors %v and %v", opts, i, got[i].err, want[i].err)
				}
				if !slices.Equal(got[i].nodes(), want[i].nodes()) || !slices.Equal(got[i].pathLength(), want[i].pathLength()) ||
					got[i].depth != want[i].depth {
					t.Errorf("%+v, runs of %d: tree %d differs from the one built without prefetching", opts, run, i)
				}
			}
		}
	}
}

// TestFitErrorAcrossGOMAXPROCS wants the error of the lowest bad tree
// whether the trees are built in one run or in several on many goroutines.
func TestFitErrorAcrossGOMAXPROCS(t *testing.T) {
	// Not parallel: it changes GOMAXPROCS.
	rows := gaussianRows(40000, 4, 22)
	for i := 3000; i < len(rows); i += 7919 {
		rows[i] = rows[i][:3]
	}
	opts := Options{Trees: 60, SampleSize: 128, Seed: 5}
	fitWith := func(procs int) error {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		_, err := Fit(rows, opts)
		return err
	}
	want := fitWith(1)
	if want == nil {
		t.Fatal("Fit accepted ragged rows")
	}
	for _, procs := range []int{2, 3, 8} {
		if got := fitWith(procs); got == nil || got.Error() != want.Error() {
			t.Errorf("GOMAXPROCS %d: Fit = %v, with 1: %v", procs, got, want)
		}
	}
}

// TestPrefetchAnyRow prefetches rows that are nil, empty, short and long:
// a prefetch must not fault whatever the row's data pointer.
func TestPrefetchAnyRow(t *testing.T) {
	t.Parallel()
	rows := [][]float64{nil, {}, {1}, make([]float64, 1000), {}}
	sample := []int{0, 1, 2, 3, 4, 3, 0}
	prefetchHeaders(&rows[0], sample)
	prefetchRows(&rows[0], sample)
	prefetchHeaders(&rows[0], nil)
	prefetchRows(&rows[0], sample[:0])
}
