//go:build !purego

package forest

// useGatherKernel selects gatherKeys for trees that use every feature when
// the CPU has AVX-512F; tests clear it to compare it with gatherColumn.
var useGatherKernel = haveKernel

// gatherKeys is gatherColumn for every column at once, for rows
// rows[0:n] (n a positive multiple of 8, each row width long), where rows
// points at the first: it writes the order key of column c of row j to
// keys[c*stride+j] and the smallest and largest key of column c to lo[c]
// and hi[c], which must have room for width rounded up to 8. See
// gather_amd64.s.
//
//go:noescape
func gatherKeys(rows *[]float64, n, width int, keys *int32, stride int, lo, hi *int32)
