package controller

// tally counts by key over a pass, to be added to a counter once: a dry
// run holds thousands of changes a pass under a few (resource, reason)
// keys, and each would look its labels' child up. The keys are kept in a
// list: comparing a few short strings beats hashing them.
type tally[K comparable] struct {
	keys []K
	n    []int
}

// Add counts one of k.
func (t *tally[K]) Add(k K) {
	for i := range t.keys {
		if t.keys[i] == k {
			t.n[i]++
			return
		}
	}
	t.keys, t.n = append(t.keys, k), append(t.n, 1)
}

// Each calls f with every key counted and its count, in the order first
// counted.
func (t *tally[K]) Each(f func(k K, n int)) {
	for i, k := range t.keys {
		f(k, t.n[i])
	}
}
