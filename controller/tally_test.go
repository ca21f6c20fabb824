package controller

import (
	"math/rand/v2"
	"testing"
)

// A tally counts as a map does, keys in the order first counted.
func TestTallyCountsAsAMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var tally tally[[2]string]
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
