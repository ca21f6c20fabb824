package chunks

import (
	"runtime"
	"slices"
	"testing"
)

func TestRunCoversEachOnce(t *testing.T) {
	for _, n := range []int{0, 1, Len - 1, Len, Len + 1, 3*Len + 7, 10_000} {
		for _, w := range []int{1, 2, 3, 8} {
			seen := make([]int32, n)
			Run(n, w, func(from, to int) {
				if from < 0 || to > n || from >= to {
					t.Errorf("n %d w %d: range [%d, %d)", n, w, from, to)
					return
				}
				for i := from; i < to; i++ {
					seen[i]++
				}
			})
			for i, k := range seen {
				if k != 1 {
					t.Fatalf("n %d w %d: item %d done %d times", n, w, i, k)
				}
			}
		}
	}
}

func TestFilterKeepsTheOrder(t *testing.T) {
	for _, n := range []int{0, 1, Len, 4*Len + 3} {
		for _, w := range []int{1, 2, 5} {
			got := Filter(n, w, func(i int) bool { return i%3 == 0 || i%7 == 1 })
			var want []int
			for i := range n {
				if i%3 == 0 || i%7 == 1 {
					want = append(want, i)
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("n %d w %d: Filter = %v, want %v", n, w, got, want)
			}
		}
	}
}

func TestWorkers(t *testing.T) {
	cpus := runtime.GOMAXPROCS(0)
	for _, tc := range []struct{ setting, n, want int }{
		{0, 0, 1},
		{0, 999, 1},
		{0, 100_000, cpus},
		{0, 2 * PerWorker, min(cpus, 2)},
		{3, 10, 3},
		{3, 2, 2},
		{1, 100_000, 1},
	} {
		if got := Workers(tc.setting, tc.n); got != tc.want {
			t.Errorf("Workers(%d, %d) = %d, want %d", tc.setting, tc.n, got, tc.want)
		}
	}
}
