package forest

import (
	"runtime"
	"slices"
	"testing"
)

// TestPooledBuildersHoldNoRows wants the builders Fit keeps for the next
// call to hold none of the rows (Fit keeps no reference to them).
func TestPooledBuildersHoldNoRows(t *testing.T) {
	// Not parallel: it takes builders out of the pool.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	rows := gaussianRows(30000, 4, 25)
	// Under -race sync.Pool drops a quarter of what is put back, and a
	// collection empties it: a few fits leave one to look at.
	var b *builder
	for try := 0; try < 20 && b == nil; try++ {
		mustFit(t, rows, Options{Seed: 1, Trees: 10})
		b, _ = builders.Get().(*builder)
	}
	if b == nil {
		t.Fatal("no builder back in the pool after 20 fits")
	}
	defer builders.Put(b)
	if b.rows != nil || b.pendingHeaders != nil || b.pendingRows != nil {
		t.Error("a pooled builder holds the rows or samples of the last Fit")
	}
	for _, row := range b.sampleRows {
		if row != nil {
			t.Fatal("a pooled builder holds sampled rows of the last Fit")
		}
	}
}

// TestFitReusingBuilders fits a forest, others with other rows and options,
// and the first again, which must come out the same.
func TestFitReusingBuilders(t *testing.T) {
	// Not parallel: it sets GOMAXPROCS, to reuse both kinds of builders.
	a, b := gaussianRows(5000, 6, 26), gaussianRows(4000, 6, 27)
	for _, procs := range []int{1, 2} {
		func() {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			opts := Options{Seed: 7, Trees: 30}
			want, _ := mustFit(t, a, opts).MarshalBinary()
			mustFit(t, b, opts)
			mustFit(t, b, Options{Seed: 8, Trees: 30, SampleSize: 64})
			mustFit(t, b[:100], opts)
			got, _ := mustFit(t, a, opts).MarshalBinary()
			if !slices.Equal(got, want) {
				t.Errorf("GOMAXPROCS %d: refitting the same rows gave another forest", procs)
			}
		}()
	}
}
