//go:build !purego

package forest

// useSplitKernel selects minMaxKernel and partitionKernel for nodes of at
// least splitKernelRows rows of a builder with small set, when the CPU has
// AVX-512F; tests clear it to compare them with minMaxSmall and
// partitionSmall.
var useSplitKernel = haveKernel

// splitKernelRows is the smallest node the split kernels take: on smaller
// ones the call and the setup cost more than the Go loops.
const splitKernelRows = 32

// minMaxKernel is minMaxSmall, 16 rows at a time. See split_amd64.s.
//
//go:noescape
func minMaxKernel(col *[256]int32, members *[256]uint8, start, end int32) (lo, hi int32)

// partitionKernel is partitionSmall, 16 rows at a time; the rows of each
// side may come out in another order, which changes nothing in the tree.
// See split_amd64.s.
//
//go:noescape
func partitionKernel(col *[256]int32, limit int32, members, out *[256]uint8, start, end int32) int32
