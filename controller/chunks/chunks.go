package chunks

import (
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// PerWorker is the fewest containers that pay for a goroutine of their
// own: below it (simulate's clusters, most real ones) a pass runs on one.
const PerWorker = 1000

// Len is how many consecutive items a goroutine takes at a time: the
// goroutines take the ranges in turn, so that one that loses its core to
// other work holds the others up by a range at most. A variable for the
// tests, whose few containers then take several ranges.
var Len = 500

// Workers is how many goroutines a pass over n items takes: setting, or
// (setting <= 0) one per CPU and PerWorker items; at least one, at most n.
func Workers(setting, n int) int {
	w := setting
	if w <= 0 {
		w = min(runtime.GOMAXPROCS(0), n/PerWorker)
	}
	return max(1, min(w, n))
}

// Run calls f on the ranges [from, to) that cover [0, n) in order, on w
// goroutines (Workers), the caller's one of them, and returns when all
// are done. With one goroutine f runs once, on the caller's, over the
// whole of [0, n).
func Run(n, w int, f func(from, to int)) {
	if w <= 1 || n <= Len {
		if n > 0 {
			f(0, n)
		}
		return
	}
	ranges := (n + Len - 1) / Len
	var next atomic.Int64
	take := func() {
		for r := int(next.Add(1)) - 1; r < ranges; r = int(next.Add(1)) - 1 {
			f(r*Len, min((r+1)*Len, n))
		}
	}
	// The caller's goroutine, running already, takes ranges too: on a
	// busy machine a new goroutine may wait for a core.
	var wg sync.WaitGroup
	for range min(w, ranges) - 1 {
		wg.Go(take)
	}
	take()
	wg.Wait()
}

// Filter returns the i in [0, n) for which keep holds, in order, keep
// called on w goroutines as Run calls f: it must only read what others
// write, or write what i owns.
func Filter(n, w int, keep func(i int) bool) []int {
	found := make([][]int, (n+Len-1)/Len) // by range: Run's start at multiples of Len
	Run(n, w, func(from, to int) {
		for i := from; i < to; i++ {
			if keep(i) {
				found[from/Len] = append(found[from/Len], i)
			}
		}
	})
	return slices.Concat(found...)
}
