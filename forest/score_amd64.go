//go:build !purego

package forest

import (
	"math"
	"unsafe"
)

// haveKernel reports whether the CPU and OS run the AVX-512 walk
// (walkNarrow, walkWide); it is set once, from CPUID and XGETBV.
var haveKernel = cpuAVX512()

// useKernel selects the AVX-512 walk when haveKernel; tests clear it to
// force the pure-Go walk.
var useKernel = haveKernel

// cpuAVX512 reports whether the CPU has AVX512F and the OS saves the
// opmask and ZMM state (XCR0 bits 1, 2, 5, 6 and 7).
func cpuAVX512() bool

// walkNarrow walks the n <= scoreChunk trees of one chunk for depth >=
// topLevels steps, vecs vectors of 16 trees for the first topLevels steps
// and nq vectors of 8 for the others, and returns sum plus their leaves'
// path lengths, added in pathSumGo's order. row holds the row, width <=
// 31, with NaN in row[31]. See score_amd64.s.
//
//go:noescape
func walkNarrow(nodes *node, top *uint32, pathLength *float64, sum float64, n, vecs, nq, depth int, row *[32]float32) float64

// walkWide is walkNarrow for any width, NaN in row[leafFeature].
//
//go:noescape
func walkWide(nodes *node, top *uint32, pathLength *float64, sum float64, n, vecs, nq, depth int, row *[256]float32) float64

const (
	// kernelLanes is the number of trees one ZMM register walks in the
	// kernel's first topLevels steps.
	kernelLanes = 16
	topLevels   = 3
	// topNodes is the number of nodes in a tree's first topLevels levels,
	// and topFields the number of fields prepareKernel stores for each.
	topNodes  = 1<<topLevels - 1
	topFields = 2
	// topVector is the number of uint32 in f.top per vector of trees.
	topVector = topNodes * topFields * kernelLanes
)

// prepareKernel fills f.top, the kernel's copy of every tree's first
// topLevels levels, so that it loads them instead of gathering them. For
// each vector of 16 trees, it holds topNodes nodes in heap order (root,
// left, right, left-left, left-right, ...), each 2 fields of 16 lanes: the
// threshold's bits, and the index of the left child << 8 | the feature. A
// leaf's children are the leaf itself and its left child is itself, so
// that the kernel, which steps to left + (x > threshold), stays on it as
// Score does. Lanes past the last tree repeat tree 0, lanes the kernel
// walks but does not sum. The kernel needs node indices below 1<<24 and
// trees at least topLevels deep; other forests keep to the pure-Go walk.
func (f *Forest) prepareKernel() {
	if !haveKernel || f.depth < topLevels || len(f.nodes) > 1<<24 {
		f.top = nil
		return
	}
	vecs := (len(f.roots) + kernelLanes - 1) / kernelLanes
	f.top = make([]uint32, vecs*topVector)
	for t := range vecs * kernelLanes {
		root := uint32(0)
		if t < len(f.roots) {
			root = f.roots[t]
		}
		var heap [topNodes]uint32
		heap[0] = root
		for p := 1; p < topNodes; p++ {
			parent := heap[(p-1)/2]
			heap[p] = parent + f.nodes[parent].offset() + uint32(1-p%2)
			if f.nodes[parent].feature() == leafFeature {
				heap[p] = parent
			}
		}
		v, lane := t/kernelLanes, t%kernelLanes
		for p, i := range heap {
			n := f.nodes[i]
			at := v*topVector + p*topFields*kernelLanes + lane
			f.top[at] = math.Float32bits(n.threshold)
			f.top[at+kernelLanes] = (i+n.offset())<<8 | uint32(n.feature())
		}
	}
}

// pathSumKernel is pathSumGo computed with the AVX-512 walk: the same
// cursors, summed in the same order, so the sum is bit-identical.
func (f *Forest) pathSumKernel(x []float64) float64 {
	if f.top == nil {
		return f.pathSumGo(x)
	}
	if len(x) < 32 {
		var row [32]float32
		for j, v := range x {
			row[j&31] = float32(v)
		}
		row[31] = float32(math.NaN())
		return f.walkChunks(&row, nil)
	}
	var row [256]float32
	for j, v := range x {
		row[uint8(j)] = float32(v)
	}
	row[leafFeature] = float32(math.NaN())
	return f.walkChunks(nil, &row)
}

// walkChunks walks the trees scoreChunk at a time with walkNarrow (narrow
// set) or walkWide and sums their leaves' path lengths in pathSumGo's
// order.
func (f *Forest) walkChunks(narrow *[32]float32, wide *[256]float32) float64 {
	nodes, depth, roots, pathLength := f.nodes, f.depth, f.roots, f.pathLength
	sum := 0.0
	for start := 0; start < len(roots); start += scoreChunk {
		n := min(len(roots)-start, scoreChunk)
		vecs := (n + kernelLanes - 1) / kernelLanes
		nq := (n + 7) / 8
		top := &f.top[start/kernelLanes*topVector]
		if narrow != nil {
			sum = walkNarrow(&nodes[0], top, &pathLength[0], sum, n, vecs, nq, depth, narrow)
		} else {
			sum = walkWide(&nodes[0], top, &pathLength[0], sum, n, vecs, nq, depth, wide)
		}
	}
	return sum
}

// kernelBytes is the memory f.top takes.
func (f *Forest) kernelBytes() int { return cap(f.top) * int(unsafe.Sizeof(uint32(0))) }
