package forest

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// labelledSet is synthetic data with injected anomalies (label true).
type labelledSet struct {
	name   string
	rows   [][]float64
	labels []bool
}

// syntheticSet draws n rows: a mixture of three Gaussians (sd 1, centres
// uniform in [-3, 3]) in live dimensions, then heavy-tailed Student t(2)
// columns and constant columns, with round(fraction*n) rows replaced by
// anomalies uniform in [-6, 6] in the live and heavy columns.
func syntheticSet(name string, n, live, heavy, constant int, fraction float64, seed uint64) labelledSet {
	rnd := rand.New(rand.NewPCG(seed, 3))
	width := live + heavy + constant
	centres := make([][]float64, 3)
	for k := range centres {
		centres[k] = make([]float64, live)
		for j := range centres[k] {
			centres[k][j] = rnd.Float64()*6 - 3
		}
	}
	studentT := func() float64 { // t(2) = Z / sqrt(chi2(2)/2)
		z := rnd.NormFloat64()
		chi2 := rnd.ExpFloat64() * 2 // chi-square with 2 degrees of freedom
		return z / math.Sqrt(chi2/2)
	}
	set := labelledSet{name: name, rows: make([][]float64, n), labels: make([]bool, n)}
	for _, i := range rnd.Perm(n)[:int(math.Round(fraction*float64(n)))] {
		set.labels[i] = true
	}
	for i := range set.rows {
		row := make([]float64, width)
		centre := centres[rnd.IntN(3)]
		for j := range width {
			switch {
			case j >= live+heavy:
				row[j] = 2.5
			case set.labels[i]:
				row[j] = rnd.Float64()*12 - 6
			case j < live:
				row[j] = centre[j] + rnd.NormFloat64()
			default:
				row[j] = studentT()
			}
		}
		set.rows[i] = row
	}
	return set
}

// rocAUC is the Mann-Whitney form of the ROC AUC: the probability that an
// anomaly scores above a normal row, ties counting one half.
func rocAUC(scores []float64, labels []bool) float64 {
	order := make([]int, len(scores))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmpFloat(scores[a], scores[b]) })
	var rankSum float64
	positives := 0
	for i := 0; i < len(order); {
		j := i
		for j < len(order) && scores[order[j]] == scores[order[i]] {
			j++
		}
		midRank := float64(i+j+1) / 2 // ranks i+1..j share their mean
		for _, k := range order[i:j] {
			if labels[k] {
				rankSum += midRank
				positives++
			}
		}
		i = j
	}
	negatives := len(scores) - positives
	return (rankSum - float64(positives*(positives+1))/2) / float64(positives*negatives)
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestROCAUC(t *testing.T) {
	t.Parallel()
	tests := []struct {
		scores []float64
		labels []bool
		want   float64
	}{
		{[]float64{0.1, 0.2, 0.8, 0.9}, []bool{false, false, true, true}, 1},
		{[]float64{0.9, 0.8, 0.2, 0.1}, []bool{false, false, true, true}, 0},
		{[]float64{0.5, 0.5, 0.5, 0.5}, []bool{false, true, false, true}, 0.5},
		{[]float64{0.1, 0.4, 0.35, 0.8}, []bool{false, false, true, true}, 0.75}, // sklearn roc_auc_score
	}
	for _, tt := range tests {
		if got := rocAUC(tt.scores, tt.labels); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("rocAUC(%v, %v) = %v, want %v", tt.scores, tt.labels, got, tt.want)
		}
	}
}

// TestAccuracyOnSyntheticData checks the mean ROC AUC over seeds 0..9 of
// forests of 100 trees of 256 rows, without Python. Each floor is
// scikit-learn's mean AUC on exactly these rows (IsolationForest(
// n_estimators=100, max_samples=256), random_state 0..9, measured once by
// writing the sets out and running scikit-learn 1.2.1; values in the
// table) minus 0.01, the tolerance issue 3 allows. Our own means were
// within 0.0002 of scikit-learn's on every set (0.9173, 0.9707, 0.9998); a
// seed-to-seed sd of 0.0035 at most puts a 10-seed mean within 0.003 of
// its expectation, so the margin is not luck, and a bug that makes splits
// less random or path lengths wrong moves the AUC by far more.
func TestAccuracyOnSyntheticData(t *testing.T) {
	t.Parallel()
	tests := []struct {
		set     labelledSet
		sklearn float64
	}{
		{syntheticSet("2d, 5%, 1000 rows", 1000, 2, 0, 0, 0.05, 1), 0.9172},
		{syntheticSet("8d with 1 t(2) and 3 constant columns, 3%", 5000, 4, 1, 3, 0.03, 2), 0.9708},
		{syntheticSet("20d with 4 t(2) and 4 constant columns, 10%", 20000, 12, 4, 4, 0.10, 3), 0.9998},
	}
	for _, tt := range tests {
		t.Run(tt.set.name, func(t *testing.T) {
			t.Parallel()
			scores := make([]float64, len(tt.set.rows))
			var sum float64
			for seed := range uint64(10) {
				f := mustFit(t, tt.set.rows, Options{Trees: 100, SampleSize: 256, Seed: seed})
				f.ScoreBatch(tt.set.rows, scores)
				sum += rocAUC(scores, tt.set.labels)
			}
			mean := sum / 10
			if floor := tt.sklearn - 0.01; mean < floor {
				t.Errorf("mean ROC AUC over 10 seeds = %.4f, want at least %.4f (scikit-learn %.4f - 0.01)", mean, floor, tt.sklearn)
			}
			t.Logf("mean ROC AUC %.4f (scikit-learn %.4f)", mean, tt.sklearn)
		})
	}
}
