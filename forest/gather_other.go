//go:build !amd64 || purego

package forest

// There is no vector gather on this architecture.
var useGatherKernel = false

func gatherKeys(rows *[]float64, n, width int, keys *int32, stride int, lo, hi *int32) {
	panic("forest: no gatherKeys on this architecture")
}
