//go:build !amd64 || purego

package forest

// There are no split kernels on this architecture.
var useSplitKernel = false

const splitKernelRows = 32

func minMaxKernel(col *[256]int32, members *[256]uint8, start, end int32) (lo, hi int32) {
	panic("forest: no minMaxKernel on this architecture")
}

func partitionKernel(col *[256]int32, limit int32, members, out *[256]uint8, start, end int32) int32 {
	panic("forest: no partitionKernel on this architecture")
}
