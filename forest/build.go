package forest

import (
	"math"
	"sync"
	"unsafe"
)

// tree is one built tree: nodes[start:end] of its builder's output, with
// child offsets relative to each node.
type tree struct {
	from       *builder
	start, end int
	depth      int // deepest leaf
	err        error
}

func (t tree) nodes() []node         { return t.from.nodes[t.start:t.end] }
func (t tree) pathLength() []float64 { return t.from.leafPaths[t.start:t.end] }

// builder holds the scratch space for building trees one after another, so
// a goroutine allocates it once and not per tree.
type builder struct {
	rows     [][]float64
	r        resolved
	limit    int  // height limit ceil(log2(SampleSize))
	checkRow bool // rows were not checked up front: check the sampled ones
	// large is set when the rows take more memory than a core's L2 cache
	// (about 1 MB): reading a sampled row is then likely a miss, which
	// buildRange hides by prefetching, or gather by touching the rows
	// first. On smaller rows either would cost more than it saves.
	large bool

	sample     []int       // row indices of the subsample
	sampleRows [][]float64 // rows[sample[j]], for samples of over 256 rows (gather)
	touched    float64     // keeps gather's early loads from being optimised away
	seen       []uint64    // Floyd's set of drawn rows: a hash set of row index + 1, or a bitset
	allFeats   []int       // 0..width-1, partially shuffled to pick a tree's features
	features   []int       // original feature index of each local feature slot
	keys       []int32     // subsample as float32 order keys, column-major: keys[slot*stride + j]
	stride     int         // SampleSize, or 256 when small is set
	// ahead[t%3] is tree t's generator after it drew its features and
	// sample, which buildRange draws two trees early to prefetch their
	// rows; features and sample are those of the tree being built or
	// drawn.
	ahead [3]treeStart
	// pendingHeaders and pendingRows are the samples whose row headers and
	// rows the current tree has yet to prefetch.
	pendingHeaders, pendingRows []int
	// colLo and colHi are gatherKeys' smallest and largest key of each
	// column, with room for its stores of 8.
	colLo, colHi []int32
	// members[0] and members[1] hold the subsample's row numbers; a node's
	// rows are members[buf][start:end], and partitioning it writes its
	// children's rows to the same range of the other buffer.
	members [2][]int32
	// small replaces members when SampleSize <= 256 (the default): row
	// numbers and positions fit a uint8, and indexing [256]-arrays with
	// uint8 needs no bounds checks in minMax and partition, the inner loops
	// of tree building.
	small     *[2][256]uint8
	rootRange [][2]int32 // smallest and largest key of each column: minMax of the root
	draw      []int      // local feature slots still to try in the current node
	// drawShuffled is set once a node has reordered draw; otherwise draw
	// still is 0..features-1 and the next node need not reset it.
	drawShuffled bool
	queue        []pending
	nodes        []node    // the trees this builder built, one after another
	leafPaths    []float64 // their pathLength
	pathLength   []float64 // c(n) for n in [0, SampleSize]
}

// treeStart is a tree's state once it has drawn its features and sample.
type treeStart struct {
	rnd              rng
	features, sample []int
}

// pending is a node whose rows are members[buf][start:end], waiting to be
// split.
type pending struct {
	index      uint32
	start, end int32
	depth      int16
	buf        int16
}

// newBuilder returns a builder for about trees trees.
func newBuilder(rows [][]float64, r resolved, checkRow bool, trees int) *builder {
	b := &builder{
		rows:       rows,
		r:          r,
		limit:      maxDepth(r.sampleSize),
		checkRow:   checkRow,
		large:      isLarge(rows, r),
		sampleRows: make([][]float64, r.sampleSize),
		stride:     r.sampleSize,
		// Random splits are lopsided: a tree of SampleSize rows has about
		// SampleSize/2 nodes (108 for 256 Gaussian rows).
		nodes:     make([]node, 0, trees*(r.sampleSize/2+8)),
		leafPaths: make([]float64, 0, trees*(r.sampleSize/2+8)),
		draw:      make([]int, r.features),
		rootRange: make([][2]int32, r.features),
		colLo:     make([]int32, (r.width+7)&^7),
		colHi:     make([]int32, (r.width+7)&^7),
		// draw is still all zeros: the first node fills it.
		drawShuffled: true,
		pathLength:   make([]float64, r.sampleSize+1),
	}
	for i := range b.ahead {
		b.ahead[i] = treeStart{features: make([]int, r.features), sample: make([]int, r.sampleSize)}
	}
	b.features, b.sample = b.ahead[0].features, b.ahead[0].sample
	if r.sampleSize <= 256 {
		b.stride = 256
		b.small = new([2][256]uint8)
	} else {
		b.members = [2][]int32{make([]int32, r.sampleSize), make([]int32, r.sampleSize)}
	}
	b.keys = make([]int32, r.features*b.stride)
	for n := range b.pathLength {
		b.pathLength[n] = averagePathLength(n)
	}
	if r.sampleSize < len(rows) {
		b.seen = make([]uint64, seenSize(r.sampleSize))
	}
	if r.features < r.width {
		b.allFeats = make([]int, r.width)
	}
	return b
}

// builders holds builders between Fits, each for the resolved options it
// was made for: they take about twice the memory of the forest they build,
// so reusing them halves what Fit allocates and the collector reclaims.
var builders sync.Pool

// getBuilder returns a builder from the pool if one was made for r, or a
// new one.
func getBuilder(rows [][]float64, r resolved, checkRow bool, trees int) *builder {
	b, _ := builders.Get().(*builder)
	if b == nil || b.r != r || cap(b.nodes) < trees*(r.sampleSize/2+8) {
		return newBuilder(rows, r, checkRow, trees)
	}
	b.rows, b.checkRow, b.large = rows, checkRow, isLarge(rows, r)
	if r.sampleSize < len(rows) && b.seen == nil {
		b.seen = make([]uint64, seenSize(r.sampleSize))
	}
	b.nodes, b.leafPaths = b.nodes[:0], b.leafPaths[:0]
	return b
}

// putBuilder returns b to the pool once the forest no longer needs its
// trees, without the rows, which Fit must not keep.
func putBuilder(b *builder) {
	b.rows = nil
	clear(b.sampleRows)
	b.pendingHeaders, b.pendingRows = nil, nil
	builders.Put(b)
}

// isLarge reports whether the rows take more memory than a core's L2
// cache: see builder.large.
func isLarge(rows [][]float64, r resolved) bool {
	return len(rows)*(int(unsafe.Sizeof(rows[0]))+8*r.width) > 1<<20
}

// seenSize is the size of the set pickSample keeps: a power of two at
// least four times the sample, so that most inserts probe one slot.
func seenSize(sampleSize int) int {
	size := 1
	for size < 4*sampleSize {
		size <<= 1
	}
	return size
}

// orderKey maps a float32 that is not NaN to an int32 with the same order
// (-0 and 0 both map to 0). Comparing keys compiles to branch-free CMOV and
// SETcc, where float comparisons take branches that random split points
// make unpredictable: this more than halves the time spent in min/max and
// partitioning.
func orderKey(v float32) int32 {
	b := int32(math.Float32bits(v))
	sign := b >> 31 // 0 or -1
	// Negative values: flip all bits but the sign to reverse their order,
	// then shift them up by one so that -0 meets 0.
	return b ^ int32(uint32(sign)>>1) - sign
}

// fromOrderKey inverts orderKey (returning 0 for -0).
func fromOrderKey(k int32) float32 {
	sign := k >> 31
	k += sign
	return math.Float32frombits(uint32(k ^ int32(uint32(sign)>>1)))
}

// float32Below returns the largest float32 that is not above v.
func float32Below(v float64) float32 {
	f := float32(v)
	bits := math.Float32bits(f)
	// The next float32 down from f, which is finite and not +0 when it is
	// above v: one step of its bits, without a branch that random
	// thresholds would mispredict half the time.
	down := bits - 1 + 2*(bits>>31)
	if float64(f) > v {
		bits = down
	}
	return math.Float32frombits(bits)
}

// buildRange builds trees from to to-1 into trees[from:to], stopping at the
// first error. Each tree depends only on the rows, the options, seed and its
// index.
//
// Its cost on large data is the cache and TLB misses of reading the
// sampled rows, spread all over memory. To hide them it draws the sample of
// tree t+2 before building tree t, and while building tree t prefetches a
// few headers of tree t+2 and rows of tree t+1 (whose headers it asked for
// while building tree t-1) at each node, between the splits' work.
func (b *builder) buildRange(seed uint64, from, to int, trees []tree) {
	if !b.large || !havePrefetch {
		for t := from; t < to; t++ {
			b.begin(seed, t)
			if trees[t] = b.build(t); trees[t].err != nil {
				return
			}
		}
		return
	}
	b.begin(seed, from)
	prefetchHeaders(&b.rows[0], b.sample)
	if from+1 < to {
		b.begin(seed, from+1)
		prefetchHeaders(&b.rows[0], b.sample)
	}
	prefetchRows(&b.rows[0], b.ahead[from%3].sample)
	for t := from; t < to; t++ {
		b.pendingHeaders, b.pendingRows = nil, nil
		if t+2 < to {
			b.begin(seed, t+2)
			b.pendingHeaders = b.sample
		}
		if t+1 < to {
			b.pendingRows = b.ahead[(t+1)%3].sample
		}
		if trees[t] = b.build(t); trees[t].err != nil {
			return
		}
	}
}

// begin draws tree t's features and sample into ahead[t%3].
func (b *builder) begin(seed uint64, t int) {
	a := &b.ahead[t%3]
	a.rnd = treeRNG(seed, t)
	b.features, b.sample = a.features, a.sample
	b.pickFeatures(&a.rnd)
	b.pickSample(&a.rnd)
}

// prefetch issues the next n of the current tree's header and row
// prefetches.
func (b *builder) prefetch(n int) {
	h, r := b.pendingHeaders, b.pendingRows
	nh, nr := min(n, len(h)), min(n, len(r))
	if nh > 0 {
		prefetchHeaders(&b.rows[0], h[:nh])
	}
	if nr > 0 {
		prefetchRows(&b.rows[0], r[:nr])
	}
	b.pendingHeaders, b.pendingRows = h[nh:], r[nr:]
}

// build grows tree t from its state in ahead.
func (b *builder) build(t int) tree {
	a := &b.ahead[t%3]
	rnd := a.rnd
	b.features, b.sample = a.features, a.sample
	if err := b.gather(); err != nil {
		return tree{err: err}
	}

	// Breadth-first, so the two children of a node are adjacent (the right
	// child is left+1) and the top levels of a tree share cache lines.
	psi := b.r.sampleSize
	// Node indices below are relative to base, where this tree starts in
	// the builder's output.
	base := len(b.nodes)
	nodes := append(b.nodes, node{})
	paths := append(b.leafPaths, 0)
	deepest := 0
	b.queue = append(b.queue[:0], pending{index: 0, start: 0, end: int32(psi)})
	for head := 0; head < len(b.queue); head++ {
		p := b.queue[head]
		size := int(p.end - p.start)
		if len(b.pendingHeaders)+len(b.pendingRows) > 0 {
			// A share in proportion to the node's work, at least 8: the
			// nodes of a 256-row tree hold about 2,000 rows in all, so the
			// prefetches are spread over the tree's first levels and have
			// arrived when the next tree starts. (Spreading them finer,
			// which left some for the tree's end, measured slower; all at
			// the root, no faster.)
			b.prefetch(max(8, size>>3))
		}
		slot, threshold, ok := -1, float32(0), false
		if int(p.depth) < b.limit && size > 1 {
			slot, threshold, ok = b.split(&rnd, p)
		}
		if !ok {
			nodes[base+int(p.index)] = node{link: leafFeature}
			paths[base+int(p.index)] = float64(p.depth) + b.pathLength[size]
			deepest = max(deepest, int(p.depth))
			continue
		}
		mid := b.partition(slot, threshold, p)
		left := uint32(len(nodes) - base)
		nodes = append(nodes, node{}, node{})
		paths = append(paths, 0, 0)
		nodes[base+int(p.index)] = node{threshold: threshold, link: (left-p.index)<<8 | uint32(b.features[slot])}
		// A child that cannot split is a leaf now; it draws no random
		// numbers, so skipping the queue keeps every other node's draws.
		depth := p.depth + 1
		bounds := [3]int32{p.start, mid, p.end}
		for i := range 2 {
			start, end := bounds[i], bounds[i+1]
			if int(depth) < b.limit && end-start > 1 {
				b.queue = append(b.queue, pending{index: left + uint32(i), start: start, end: end, depth: depth, buf: 1 - p.buf})
				continue
			}
			nodes[base+int(left)+i] = node{link: leafFeature}
			paths[base+int(left)+i] = float64(depth) + b.pathLength[end-start]
			deepest = max(deepest, int(depth))
		}
	}
	b.prefetch(psi)
	b.nodes, b.leafPaths = nodes, paths
	return tree{from: b, start: base, end: len(nodes), depth: deepest}
}
