package engine

import (
	"math"
	"unsafe"
)

// blockLen is how many consecutive samples (by number) an extremes block
// covers: a read of the extremes from a sample to the newest reads at
// most blockLen-1 samples one by one and one pair per block after that,
// about 40 samples for an hour at 10 s instead of 360, while a block
// costs 4 bytes (52 for the hour).
const blockLen = 32

// block is where, among the samples numbered k*blockLen to
// (k+1)*blockLen-1 that the window took so far, the lowest and highest
// cores busy and memory are: offsets in the block, the values being read
// from the fine tier, so that the extremes are exactly a scan's.
type block struct{ cpuLo, cpuHi, memLo, memHi uint8 }

// blockCount is how many blocks a ring of capacity samples spans at most
// (a run of capacity numbers starts anywhere in a block).
func blockCount(capacity int) int { return (capacity+blockLen-1)/blockLen + 1 }

// blocked folds the sample numbered seq, just stored, into its block. A
// block's first sample starts it afresh; a block whose first sample the
// window no longer holds (the oldest, or the first after a Merge) is
// never read as a whole, so it needs no care.
func (w *window) blocked(seq uint64) {
	if len(w.blocks) == 0 {
		return
	}
	b := &w.blocks[(seq/blockLen)%uint64(len(w.blocks))]
	off := uint8(seq % blockLen)
	start := seq - uint64(off)
	if off == 0 {
		*b = block{}
		return
	}
	if start < w.first {
		return
	}
	p, from := &w.ring[w.slot(int(seq-w.first))], w.slot(int(start-w.first))
	if c := p.cpu(); c < w.at(from, b.cpuLo).cpu() {
		b.cpuLo = off
	} else if c > w.at(from, b.cpuHi).cpu() {
		b.cpuHi = off
	}
	if m := p.memKiB(); m < w.at(from, b.memLo).memKiB() {
		b.memLo = off
	} else if m > w.at(from, b.memHi).memKiB() {
		b.memHi = off
	}
}

// extremes are the lowest and highest cores busy and memory (KiB) of the
// samples from index i to the newest: the samples before the next
// block's start read one by one, then each block's four. ok is false when
// there is none.
func (w *window) extremes(i int) (x extremes, ok bool) {
	i = max(i, 0)
	if i >= w.n {
		return x, false
	}
	seq, end := w.first+uint64(i), w.first+uint64(w.n)
	slot, ring := w.slot(i), len(w.ring)
	p := &w.ring[slot]
	x.cpuLo, x.memLo = p.cpu(), p.memKiB()
	x.cpuHi, x.memHi = x.cpuLo, x.memLo
	for ; seq < end && (seq%blockLen != 0 || len(w.blocks) == 0); seq++ {
		x.take(&w.ring[slot], &w.ring[slot])
		if slot++; slot == ring {
			slot = 0
		}
	}
	if seq >= end {
		return x, true
	}
	k := int((seq / blockLen) % uint64(len(w.blocks)))
	for ; seq < end; seq += blockLen {
		b := w.blocks[k]
		x.cpuLo = min(x.cpuLo, w.at(slot, b.cpuLo).cpu())
		x.cpuHi = max(x.cpuHi, w.at(slot, b.cpuHi).cpu())
		x.memLo = min(x.memLo, w.at(slot, b.memLo).memKiB())
		x.memHi = max(x.memHi, w.at(slot, b.memHi).memKiB())
		if slot += blockLen; slot >= ring {
			slot -= ring
		}
		if k++; k == len(w.blocks) {
			k = 0
		}
	}
	return x, true
}

// extremes are the lowest and highest of the two values signals read of
// stored samples, in their stored types.
type extremes struct {
	cpuLo, cpuHi float32
	memLo, memHi uint32 // KiB
}

// take folds in lo's values as candidates for the lows, hi's for the highs.
func (x *extremes) take(lo, hi *fineSample) {
	x.cpuLo, x.cpuHi = min(x.cpuLo, lo.cpu()), max(x.cpuHi, hi.cpu())
	x.memLo, x.memHi = min(x.memLo, lo.memKiB()), max(x.memHi, hi.memKiB())
}

// at is the ring slot off after slot.
func (w *window) at(slot int, off uint8) *fineSample {
	if slot += int(off); slot >= len(w.ring) {
		slot -= len(w.ring)
	}
	return &w.ring[slot]
}

// peaks are the most memory and cores the whole window used, kept from
// the last read while the samples that leave are below them.
func (w *window) peaks() (memory uint64, cpu float64) {
	if !w.peakOK {
		if w.peak, w.peakOK = w.extremes(0); !w.peakOK {
			return 0, 0
		}
	}
	return uint64(w.peak.memHi) << 10, float64(w.peak.cpuHi)
}

// period returns the extremes of memory in bytes (or busy cores) over the
// samples from index i to the newest, NaN for none, kept at the cursor
// (period.go).
func (w *window) period(i int, memory bool) (lo, hi float64) {
	x, ok := w.periodExtremes(i)
	switch {
	case !ok:
		return math.NaN(), math.NaN()
	case memory:
		return float64(uint64(x.memLo) << 10), float64(uint64(x.memHi) << 10)
	}
	return float64(x.cpuLo), float64(x.cpuHi)
}

// blocksBytes is the memory of the extremes blocks.
func (w *window) blocksBytes() int { return cap(w.blocks) * int(unsafe.Sizeof(block{})) }

// HistoryBytes is the memory of a container's history: its window, tiers
// and extremes blocks, and the recommender's histograms.
func (tr *Container) HistoryBytes() int { return tr.Window.Bytes() + int(unsafe.Sizeof(tr.Usage)) }
