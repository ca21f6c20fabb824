package forest

// How a tree draws its features and sample, gathers their values into
// order keys, and splits a node in two.

import (
	"math"
)

// pickFeatures chooses the tree's feature subset, without replacement, when
// MaxFeatures < 1 (scikit-learn draws it once per tree too).
func (b *builder) pickFeatures(rnd *rng) {
	if b.allFeats == nil {
		for i := range b.features {
			b.features[i] = i
		}
		return
	}
	for i := range b.allFeats {
		b.allFeats[i] = i
	}
	for i := range b.features {
		j := i + rnd.intn(len(b.allFeats)-i)
		b.allFeats[i], b.allFeats[j] = b.allFeats[j], b.allFeats[i]
		b.features[i] = b.allFeats[i]
	}
}

// pickSample draws SampleSize distinct row indices with Floyd's algorithm:
// O(SampleSize) time and memory whatever len(rows) is.
func (b *builder) pickSample(rnd *rng) {
	n := len(b.rows)
	switch {
	case b.r.sampleSize == n:
		for i := range b.sample {
			b.sample[i] = i
		}
	case (n+63)/64 <= len(b.seen):
		// Rows that fit a bitset no larger than the hash set (up to 65,536
		// for the default 256-row sample: the controller's training sets)
		// use one: a smaller clear, and a probe without a hash or a loop.
		b.pickSampleBits(rnd, b.seen[:(n+63)/64])
	default:
		b.pickSampleHash(rnd)
	}
}

// pickSampleBits is Floyd's algorithm with set, a bitset of len(rows)
// bits, as the set of drawn indices. It draws what pickSampleHash draws.
func (b *builder) pickSampleBits(rnd *rng, set []uint64) {
	clear(set)
	n, k := len(b.rows), b.r.sampleSize
	for i, j := 0, n-k; j < n; i, j = i+1, j+1 {
		v := rnd.intn(j + 1)
		if set[v>>6]&(1<<(v&63)) != 0 {
			// j itself is not in the set: every earlier draw is below it.
			v = j
		}
		set[v>>6] |= 1 << (v & 63)
		b.sample[i] = v
	}
}

// pickSampleHash is Floyd's algorithm with an open-addressing hash set
// (row index + 1) in seen, for rows too many for a bitset of its size.
func (b *builder) pickSampleHash(rnd *rng) {
	n, k := len(b.rows), b.r.sampleSize
	clear(b.seen)
	mask := uint64(len(b.seen) - 1)
	// insert adds v to the set and reports whether it was absent.
	insert := func(v int) bool {
		key := uint64(v) + 1
		for h := (key * 0x9e3779b97f4a7c15) >> 32 & mask; ; h = (h + 1) & mask {
			switch b.seen[h] {
			case key:
				return false
			case 0:
				b.seen[h] = key
				return true
			}
		}
	}
	for i, j := 0, n-k; j < n; i, j = i+1, j+1 {
		v := rnd.intn(j + 1)
		if !insert(v) {
			v = j
			insert(v)
		}
		b.sample[i] = v
	}
}

// gather copies the features of the sampled rows into keys and checks
// them. It first copies the row headers, then, where buildRange could not
// prefetch the rows, touches each row once: both loops are a few
// predictable instructions per row with independent loads, so the CPU
// keeps dozens of cache and TLB misses in flight, where the gather loop
// itself (or Floyd's loop, with its unpredictable probes) could only
// overlap a few. On 1,000,000 rows the misses are most of the cost of a
// tree that was not prefetched.
func (b *builder) gather() error {
	// A sample of up to 256 rows (the default) has its row headers on the
	// stack: storing pointers into the builder's slice on the heap takes a
	// write barrier each while the collector marks, about a tenth of Fit's
	// time then.
	var local [256][]float64
	sampleRows := b.sampleRows
	if len(b.sample) <= len(local) {
		sampleRows = local[:len(b.sample)]
	}
	for j, ri := range b.sample {
		sampleRows[j] = b.rows[ri]
	}
	if b.large && !havePrefetch {
		touched := 0.0
		for _, row := range sampleRows {
			if len(row) > 0 {
				touched += row[0]
			}
		}
		b.touched = touched
	}

	width := b.r.width
	for j, row := range sampleRows {
		if len(row) != width {
			return checkRow(b.rows, b.sample[j], width)
		}
	}
	if b.small != nil {
		for j := range sampleRows {
			b.small[0][j] = uint8(j)
		}
	} else {
		for j := range sampleRows {
			b.members[0][j] = int32(j)
		}
	}
	// A tree that uses every feature has them gathered by the kernel, 8
	// rows at a time; the last rows, and the features of a MaxFeatures
	// subset, column by column: the stores to keys are sequential, and the
	// sampled rows, 256 x 64 bytes for 8 features, stay in the L1 cache.
	n, done := len(sampleRows), 0
	if useGatherKernel && b.allFeats == nil && n >= 8 {
		done = n &^ 7
		gatherKeys(&sampleRows[0], done, width, &b.keys[0], b.stride, &b.colLo[0], &b.colHi[0])
	}
	finite := true
	for slot, f := range b.features {
		lo, hi := int32(math.MaxInt32), int32(math.MinInt32)
		if done > 0 {
			lo, hi = b.colLo[slot], b.colHi[slot]
		}
		if done < n {
			l, h := gatherColumn(sampleRows[done:], f, b.keys[slot*b.stride+done:(slot+1)*b.stride])
			lo, hi = min(lo, l), max(hi, h)
		}
		b.rootRange[slot] = [2]int32{lo, hi}
		finite = finite && lo > -float32Exponent && hi < float32Exponent
	}
	// Columns outside a MaxFeatures subset were not looked at; checking
	// them keeps the error independent of which features a tree drew.
	if !finite || (b.checkRow && len(b.features) < b.r.width) {
		for _, ri := range b.sample {
			if err := checkRow(b.rows, ri, b.r.width); err != nil {
				return err
			}
		}
	}
	return nil
}

const float32Exponent = 0x7f800000

// gatherColumn writes the order key of feature f of each row to keys and
// returns the smallest and largest. The keys of the float32 infinities are
// -float32Exponent and float32Exponent, and NaNs lie beyond them, so the
// column is finite when lo > -float32Exponent and hi < float32Exponent.
// Every row must be longer than f. Inlined into gather, its loop ran out
// of registers.
//
//go:noinline
func gatherColumn(rows [][]float64, f int, keys []int32) (lo, hi int32) {
	lo, hi = math.MaxInt32, math.MinInt32
	keys = keys[:len(rows)]
	for j, row := range rows {
		k := orderKey(float32(row[f]))
		lo, hi = min(lo, k), max(hi, k)
		keys[j] = k
	}
	return lo, hi
}

// split draws the node's split as scikit-learn's RandomSplitter with
// max_features=1 does: a feature uniformly among those not constant in the
// node (drawing again after each constant one), and a threshold uniformly in
// [min, max) of that feature. ok is false when every feature is constant.
func (b *builder) split(rnd *rng, p pending) (slot int, threshold float32, ok bool) {
	if b.drawShuffled {
		for i := range b.draw {
			b.draw[i] = i
		}
		b.drawShuffled = false
	}
	for remaining := len(b.draw); remaining > 0; remaining-- {
		j := rnd.intn(remaining)
		slot = b.draw[j]
		col := b.keys[slot*b.stride : (slot+1)*b.stride]
		var loKey, hiKey int32
		switch {
		case p.depth == 0:
			loKey, hiKey = b.rootRange[slot][0], b.rootRange[slot][1]
		case b.small != nil && useSplitKernel && p.end-p.start >= splitKernelRows:
			loKey, hiKey = minMaxKernel((*[256]int32)(col), &b.small[p.buf], p.start, p.end)
		case b.small != nil:
			loKey, hiKey = minMaxSmall((*[256]int32)(col), &b.small[p.buf], p.start, p.end)
		default:
			loKey, hiKey = minMax(col, b.members[p.buf][p.start:p.end])
		}
		lo, hi := fromOrderKey(loKey), fromOrderKey(hiKey)
		if hi > lo+constantFeatureThreshold {
			// scikit-learn's rand_uniform(min, max) in float64, with a draw
			// that rounds up to max replaced by min (it would send every
			// row left).
			t := float64(lo) + (float64(hi)-float64(lo))*rnd.float64()
			if t >= float64(hi) {
				t = float64(lo)
			}
			return slot, float32Below(t), true
		}
		b.draw[j] = b.draw[remaining-1]
		b.drawShuffled = true
	}
	return 0, 0, false
}

// minMax returns the smallest and largest key of col over members
// (non-empty). Two pairs of accumulators halve the dependency chains.
func minMax(col []int32, members []int32) (lo, hi int32) {
	lo, hi = col[members[0]], col[members[0]]
	lo2, hi2 := lo, hi
	for len(members) >= 2 {
		v, w := col[members[0]], col[members[1]]
		lo, hi = min(lo, v), max(hi, v)
		lo2, hi2 = min(lo2, w), max(hi2, w)
		members = members[2:]
	}
	if len(members) == 1 {
		v := col[members[0]]
		lo, hi = min(lo, v), max(hi, v)
	}
	return min(lo, lo2), max(hi, hi2)
}

// minMaxSmall is minMax for the rows members[start:end] of a builder with
// small set.
func minMaxSmall(col *[256]int32, members *[256]uint8, start, end int32) (lo, hi int32) {
	lo, hi = col[members[uint8(start)]], col[members[uint8(start)]]
	lo2, hi2 := lo, hi
	i := start
	for ; i+2 <= end; i += 2 {
		v, w := col[members[uint8(i)]], col[members[uint8(i+1)]]
		lo, hi = min(lo, v), max(hi, v)
		lo2, hi2 = min(lo2, w), max(hi2, w)
	}
	if i < end {
		v := col[members[uint8(i)]]
		lo, hi = min(lo, v), max(hi, v)
	}
	return min(lo, lo2), max(hi, hi2)
}

// partition writes the node's rows to the other buffer, those with value
// <= threshold first, and returns where the rest begins; min <= threshold
// < max makes both sides non-empty. Each row is written to both ends and
// only one end advances, so there is no branch on the comparison.
func (b *builder) partition(slot int, threshold float32, p pending) int32 {
	col := b.keys[slot*b.stride : (slot+1)*b.stride]
	limit := orderKey(threshold)
	if b.small != nil && useSplitKernel && p.end-p.start >= splitKernelRows {
		return partitionKernel((*[256]int32)(col), limit, &b.small[p.buf], &b.small[1-p.buf], p.start, p.end)
	}
	if b.small != nil {
		return partitionSmall((*[256]int32)(col), limit, &b.small[p.buf], &b.small[1-p.buf], p.start, p.end)
	}
	members := b.members[p.buf][p.start:p.end]
	out := b.members[1-p.buf][p.start:p.end]
	left, right := 0, len(out)-1
	for _, m := range members {
		isLeft := int(b2u(col[m] <= limit))
		out[left] = m
		out[right] = m
		left += isLeft
		right -= 1 - isLeft
	}
	return p.start + int32(left)
}

// partitionSmall is partition for a builder with small set.
func partitionSmall(col *[256]int32, limit int32, members, out *[256]uint8, start, end int32) int32 {
	left, right := uint(start), uint(end-1)
	for _, m := range members[start:end] {
		isLeft := uint(b2u(col[m] <= limit))
		out[uint8(left)] = m
		out[uint8(right)] = m
		left += isLeft
		right += isLeft - 1
	}
	return int32(left)
}
