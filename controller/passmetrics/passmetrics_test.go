package passmetrics

import (
	"math/rand/v2"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// A Tally counts as a map does, keys in the order first counted.
func TestTallyCountsAsAMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var tally Tally[[2]string]
	want := map[[2]string]int{}
	var order [][2]string
	for range 1000 {
		k := [2]string{[]string{"cores", "memory"}[rng.IntN(2)], []string{"a", "b", "c"}[rng.IntN(3)]}
		if want[k] == 0 {
			order = append(order, k)
		}
		want[k]++
		tally.Add(k)
	}
	i := 0
	tally.Each(func(k [2]string, n int) {
		if k != order[i] || n != want[k] {
			t.Errorf("key %d: %v %d, want %v %d", i, k, n, order[i], want[order[i]])
		}
		i++
	})
	if i != len(want) {
		t.Errorf("%d keys, want %d", i, len(want))
	}
}

// Gauges show what the source yields at the scrape, and nothing without
// one.
func TestGaugesReadTheSourceWhenScraped(t *testing.T) {
	g := NewGauges(prometheus.NewDesc("x_score", "A score.", []string{"vmid"}, nil))
	if n := testutil.CollectAndCount(g); n != 0 {
		t.Errorf("%d series without a source", n)
	}
	values := map[string]float64{"101": 0.5, "102": 0.75}
	g.From(func(emit func(float64, ...string)) {
		for id, v := range values {
			emit(v, id)
		}
	})
	if n := testutil.CollectAndCount(g); n != 2 {
		t.Errorf("%d series, want 2", n)
	}
	delete(values, "101")
	if n := testutil.CollectAndCount(g); n != 1 {
		t.Errorf("%d series after one went, want 1", n)
	}
}
