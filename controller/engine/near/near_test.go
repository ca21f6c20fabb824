package near

import (
	"math/rand/v2"
	"testing"
)

// Search finds what a binary search finds, from any guess, in and out of
// the bracket: prefixes of every length in brackets of every size.
func TestSearchIsABinarySearch(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 43))
	for range 20000 {
		n := rng.IntN(400)
		lo := rng.IntN(n + 1)
		hi := lo + rng.IntN(n-lo+1)
		cut := lo + rng.IntN(hi-lo+1) // below holds before cut
		below := func(i int) bool {
			if i < lo || i >= hi {
				t.Fatalf("read %d outside [%d, %d)", i, lo, hi)
			}
			return i < cut
		}
		g := rng.IntN(n+20) - 10
		if got := Search(lo, hi, g, below); got != cut {
			t.Fatalf("Search(%d, %d, %d) = %d, want %d", lo, hi, g, got, cut)
		}
	}
}
