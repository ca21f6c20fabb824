//go:build !purego

package forest

// havePrefetch reports whether prefetchHeaders and prefetchRows issue
// prefetches; where they do not, gather touches the rows itself.
const havePrefetch = true

// prefetchHeaders asks for the cache lines holding the row headers
// rows[sample[i]], where rows points at rows[0]. See prefetch_amd64.s.
//
//go:noescape
func prefetchHeaders(rows *[]float64, sample []int)

// prefetchRows asks for the cache line holding the first value of each row
// rows[sample[i]]; it reads the headers, which should be cached by then.
//
//go:noescape
func prefetchRows(rows *[]float64, sample []int)
