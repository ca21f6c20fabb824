package forest

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// compareSet is one data set of the scikit-learn comparison, as written by
// compare/compare.py.
type compareSet struct {
	Name   string `json:"name"`
	File   string `json:"file"` // row-major little-endian float64
	Rows   int    `json:"rows"`
	Cols   int    `json:"cols"`
	Seeds  []int  `json:"seeds"`
	Timing bool   `json:"timing"`
}

// compareTiming is what the helper reports for a set with Timing set.
type compareTiming struct {
	FitSeconds   float64 `json:"fit_seconds"`   // median of 5 fits
	ScoreSeconds float64 `json:"score_seconds"` // one ScoreBatch of every row
}

// TestSklearnComparisonHelper is the Go half of compare/compare.py, which
// sets FOREST_COMPARE_DIR; it is skipped otherwise. For every set of the
// manifest it fits one forest per seed (100 trees of 256 rows, as
// IsolationForest(n_estimators=100, max_samples=256)), writes the scores of
// all rows to <name>.scores (seeds x rows float64) and, for timing sets,
// the fit and score times to timings.json.
func TestSklearnComparisonHelper(t *testing.T) {
	dir := os.Getenv("FOREST_COMPARE_DIR")
	if dir == "" {
		t.Skip("run by forest/compare/compare.py")
	}
	manifest, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var sets []compareSet
	if err := json.Unmarshal(manifest, &sets); err != nil {
		t.Fatal(err)
	}
	timings := map[string]compareTiming{}
	for _, set := range sets {
		rows := readRows(t, filepath.Join(dir, set.File), set.Rows, set.Cols)
		opts := Options{Trees: 100, SampleSize: 256}
		out := make([]byte, 0, 8*len(rows)*len(set.Seeds))
		scores := make([]float64, len(rows))
		for _, seed := range set.Seeds {
			opts.Seed = uint64(seed)
			f := mustFit(t, rows, opts)
			f.ScoreBatch(rows, scores)
			for _, s := range scores {
				out = binary.LittleEndian.AppendUint64(out, math.Float64bits(s))
			}
		}
		if err := os.WriteFile(filepath.Join(dir, set.Name+".scores"), out, 0o600); err != nil {
			t.Fatal(err)
		}
		if !set.Timing {
			continue
		}
		var fits []time.Duration
		var f *Forest
		for i := range 5 {
			opts.Seed = uint64(i)
			start := time.Now()
			f = mustFit(t, rows, opts)
			fits = append(fits, time.Since(start))
		}
		slices.Sort(fits)
		start := time.Now()
		f.ScoreBatch(rows, scores)
		timings[set.Name] = compareTiming{FitSeconds: fits[2].Seconds(), ScoreSeconds: time.Since(start).Seconds()}
	}
	b, _ := json.Marshal(timings)
	if err := os.WriteFile(filepath.Join(dir, "timings.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func readRows(t *testing.T, path string, n, width int) [][]float64 {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) != 8*n*width {
		t.Fatalf("%s: %d bytes, want %d rows x %d columns", path, len(raw), n, width)
	}
	backing := make([]float64, n*width)
	for i := range backing {
		backing[i] = math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:]))
	}
	rows := make([][]float64, n)
	for i := range rows {
		rows[i] = backing[i*width : (i+1)*width : (i+1)*width]
	}
	return rows
}
