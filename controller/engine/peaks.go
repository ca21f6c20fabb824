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
	p := &w.ring[w.slot(int(seq-w.first))]
	at := func(o uint8) *fineSample { return &w.ring[w.slot(int(start+uint64(o)-w.first))] }
	if c := p.cpu(); c < at(b.cpuLo).cpu() {
		b.cpuLo = off
	} else if c > at(b.cpuHi).cpu() {
		b.cpuHi = off
	}
	if m := p.memKiB(); m < at(b.memLo).memKiB() {
		b.memLo = off
	} else if m > at(b.memHi).memKiB() {
		b.memHi = off
	}
}

// extremes are the lowest and highest cores busy (or memory KiB) of the
// samples from index i to the newest, NaN for none: the samples before the
// next block's start read one by one, then each block's two.
func (w *window) extremes(i int, memory bool) (lo, hi float64) {
	i = max(i, 0)
	if i >= w.n {
		return math.NaN(), math.NaN()
	}
	if memory {
		l, h := w.memExtremes(i)
		return float64(l), float64(h)
	}
	l, h := w.cpuExtremes(i)
	return float64(l), float64(h)
}

// blockWalk walks the samples from index i to the newest for extremes:
// one by one to the next block's start (sample), then a block at a time
// (block), giving each the ring slot of its first sample.
func (w *window) blockWalk(i int, sample func(slot int), block func(b block, slot int)) {
	seq, end := w.first+uint64(i), w.first+uint64(w.n)
	slot, ring := w.slot(i), len(w.ring)
	for ; seq < end && (seq%blockLen != 0 || len(w.blocks) == 0); seq++ {
		sample(slot)
		if slot++; slot == ring {
			slot = 0
		}
	}
	if seq >= end {
		return
	}
	k := int((seq / blockLen) % uint64(len(w.blocks)))
	for ; seq < end; seq += blockLen {
		block(w.blocks[k], slot)
		if slot += blockLen; slot >= ring {
			slot -= ring
		}
		if k++; k == len(w.blocks) {
			k = 0
		}
	}
}

// at is the ring slot off after slot.
func (w *window) at(slot int, off uint8) *fineSample {
	if slot += int(off); slot >= len(w.ring) {
		slot -= len(w.ring)
	}
	return &w.ring[slot]
}

func (w *window) cpuExtremes(i int) (lo, hi float32) {
	lo = w.ring[w.slot(i)].cpu()
	hi = lo
	w.blockWalk(i, func(slot int) {
		v := w.ring[slot].cpu()
		lo, hi = min(lo, v), max(hi, v)
	}, func(b block, slot int) {
		lo, hi = min(lo, w.at(slot, b.cpuLo).cpu()), max(hi, w.at(slot, b.cpuHi).cpu())
	})
	return lo, hi
}

func (w *window) memExtremes(i int) (lo, hi uint32) {
	lo = w.ring[w.slot(i)].memKiB()
	hi = lo
	w.blockWalk(i, func(slot int) {
		v := w.ring[slot].memKiB()
		lo, hi = min(lo, v), max(hi, v)
	}, func(b block, slot int) {
		lo, hi = min(lo, w.at(slot, b.memLo).memKiB()), max(hi, w.at(slot, b.memHi).memKiB())
	})
	return lo, hi
}

// peaks are the most memory and cores the whole window used.
func (w *window) peaks() (memory uint64, cpu float64) {
	if w.n == 0 {
		return 0, 0
	}
	_, m := w.extremes(0, true)
	_, cpu = w.extremes(0, false)
	return uint64(m) << 10, cpu
}

// period returns the extremes of memory in bytes (or busy cores) over the
// samples from index i to the newest.
func (w *window) period(i int, memory bool) (lo, hi float64) {
	lo, hi = w.extremes(i, memory)
	if memory {
		lo, hi = lo*1024, hi*1024
	}
	return lo, hi
}

// blocksBytes is the memory of the extremes blocks.
func (w *window) blocksBytes() int { return cap(w.blocks) * int(unsafe.Sizeof(block{})) }

// HistoryBytes is the memory of a container's history: its window, tiers
// and extremes blocks included.
func (tr *Container) HistoryBytes() int { return tr.Window.Bytes() }
