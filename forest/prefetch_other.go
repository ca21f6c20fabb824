//go:build !amd64 || purego

package forest

// There is no prefetch here: gather touches the rows itself.
const havePrefetch = false

func prefetchHeaders(rows *[]float64, sample []int) {}

func prefetchRows(rows *[]float64, sample []int) {}
