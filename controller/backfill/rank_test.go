package backfill

import (
	"slices"
	"testing"
)

func TestRankOrdersByNearnessToADecision(t *testing.T) {
	cpu := func(u float64) level { return level{u, 0.75, 0.3} }
	mem := func(u float64) level { return level{u, 0.8, 0.4} }
	ranks := map[int]Rank{
		1: rankOf(true, cpu(0.5), mem(0.6)),  // between, 0.2 from CPU's down
		2: rankOf(true, cpu(0.9), mem(0.5)),  // CPU 0.15 past up
		3: rankOf(true, cpu(0.5), mem(1.0)),  // memory 0.2 past up: before 2
		4: rankOf(true, cpu(0.1), mem(0.5)),  // CPU 0.2 below down
		5: rankOf(false, cpu(1.0), mem(1.0)), // unmanaged: last, however busy
		6: rankOf(true, cpu(0.35), mem(0.6)), // between, 0.05 from CPU's down: before 1
		7: rankOf(true, cpu(0.1), mem(0.35)), // CPU 0.2 below down, as 4: by VMID
		8: rankOf(true),                      // no resource decided: with those between, last of them
		9: rankOf(true, cpu(0.9), mem(0.9)),  // CPU 0.15, memory 0.1 past up: the further counts, as 2
	}
	ids := []int{1, 2, 3, 4, 5, 6, 7, 8, 9}
	slices.SortFunc(ids, func(a, b int) int { return ranks[a].compare(ranks[b], a, b) })
	want := []int{3, 2, 9, 4, 7, 6, 1, 8, 5}
	if !slices.Equal(ids, want) {
		t.Errorf("order %v, want %v", ids, want)
	}
}

func TestBackoffDoublesUpToTheLimit(t *testing.T) {
	for failures, want := range []int{1, 1, 2, 4, 8, 10, 10} {
		if got := backoff(1, 10, failures); int(got) != want {
			t.Errorf("backoff after %d failures = %d, want %d", failures, got, want)
		}
	}
}
