package forest_test

import (
	"fmt"
	"math"

	"github.com/lxc-autoscale/lxc-autoscale/forest"
)

func Example() {
	// CPU and memory use of a container that follows a daily cycle, with
	// some jitter.
	var rows [][]float64
	for i := range 500 {
		phase := 2 * math.Pi * float64(i) / 96
		jitter := float64(i*7919%101)/1000 - 0.05
		rows = append(rows, []float64{0.4 + 0.2*math.Sin(phase) + jitter, 0.6 + 0.1*math.Sin(phase) - jitter})
	}
	f, err := forest.Fit(rows, forest.Options{Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, x := range [][]float64{{0.4, 0.6}, {0.9, 0.2}} {
		s := f.Score(x)
		fmt.Printf("%v score %.2f anomalous: %v\n", x, s, s > forest.DefaultThreshold)
	}

	// With a known share of anomalies, pick the threshold from the
	// training scores instead, as scikit-learn's contamination does.
	scores := make([]float64, len(rows))
	f.ScoreBatch(rows, scores)
	threshold, err := forest.ContaminationThreshold(scores, 0.02)
	if err != nil {
		fmt.Println(err)
		return
	}
	flagged := 0
	for _, s := range scores {
		if s > threshold {
			flagged++
		}
	}
	fmt.Println("flagged in training:", flagged)

	if _, err := f.ScoreChecked([]float64{0.5}); err != nil {
		fmt.Println(err)
	}
	// Output:
	// [0.4 0.6] score 0.47 anomalous: false
	// [0.9 0.2] score 0.70 anomalous: true
	// flagged in training: 10
	// row has 1 columns, forest has 2: row width does not match the forest
}
