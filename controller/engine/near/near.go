package near

import "sort"

// Search is the first i of [lo, hi) at which below(i) is false (it holds
// for a prefix; hi when it holds throughout), searched from g outwards by
// doubling steps, then by halving the bracket found. It reads below only
// within [lo, hi).
func Search(lo, hi, g int, below func(i int) bool) int {
	g = min(max(g, lo), hi)
	// Everything before lo is below, nothing from hi on.
	if g < hi && below(g) {
		lo = g + 1
		for d := 1; g+d < hi; d *= 2 {
			if !below(g + d) {
				hi = g + d
				break
			}
			lo = g + d + 1
		}
	} else {
		hi = g
		for d := 1; g-d >= lo; d *= 2 {
			if below(g - d) {
				lo = g - d + 1
				break
			}
			hi = g - d
		}
	}
	return lo + sort.Search(hi-lo, func(k int) bool { return !below(lo + k) })
}
