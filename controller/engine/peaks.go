package engine

import (
	"math"
	"sort"
	"time"
	"unsafe"
)

// extremesQueue keeps the largest (and, when asked, the smallest) of one
// value of a window's samples from a time on, as the window grows, so that
// a decision reads two numbers instead of the samples again every pass.
// Each is a monotonic queue: the samples that are the largest (smallest)
// from their time on, oldest first, whose head is the extreme. A sample
// folds in by dropping the tail it is not below (above); samples leave
// from the head as the window drops them or the period moves on. When the
// newest sample folded is no longer held (a Merge puts every sample back
// in, under new numbers), the queue is rebuilt; so is one asked from an
// earlier time than it keeps.
//
// It reads the window through its accessors only: Len, seqAt, timeAt and
// the value function (busyCores, memoryBytes).
type extremesQueue struct {
	folded  bool   // a sample was folded since the queue was built
	through uint64 // the number of the newest sample folded
	// Times are Unix nanoseconds: from is the first that counts, nanAt the
	// newest NaN sample folded (0: none), which makes both extremes NaN
	// while it counts, as a scan.
	from, nanAt int64
	lo, hi      []peakEntry
}

type peakEntry struct {
	at int64   // Unix nanoseconds
	v  float64 // memory bytes are exact in a float64 up to 8 PiB
}

// read returns the extremes of value over the window's samples at or
// after from (lo only when withLo), NaN for none, folding in what the
// window gained since the last read.
func (q *extremesQueue) read(w *window, start time.Time, withLo bool, value func(w *window, i int) float64) (lo, hi float64) {
	from := nanos(start)
	var first int
	if q.folded && from >= q.from && w.Len() > 0 && q.through >= w.seqAt(0) {
		first = int(q.through-w.seqAt(0)) + 1
	} else {
		*q = extremesQueue{lo: q.lo[:0], hi: q.hi[:0]}
		first = sort.Search(w.Len(), func(i int) bool { return nanos(w.timeAt(i)) >= from })
	}
	q.from = from
	for i := first; i < w.Len(); i++ {
		at := nanos(w.timeAt(i))
		if v := value(w, i); math.IsNaN(v) {
			q.nanAt = at
		} else {
			q.hi = push(q.hi, peakEntry{at, v}, func(tail, v float64) bool { return tail <= v })
			if withLo {
				q.lo = push(q.lo, peakEntry{at, v}, func(tail, v float64) bool { return tail >= v })
			}
		}
		q.through, q.folded = w.seqAt(i), true
	}
	if w.Len() == 0 {
		return math.NaN(), math.NaN()
	}
	from = max(from, nanos(w.timeAt(0)))
	q.lo, q.hi = dropBefore(q.lo, from), dropBefore(q.hi, from)
	if q.nanAt != 0 && q.nanAt >= from {
		return math.NaN(), math.NaN()
	}
	lo, hi = math.NaN(), math.NaN()
	if len(q.lo) > 0 {
		lo = q.lo[0].v
	}
	if len(q.hi) > 0 {
		hi = q.hi[0].v
	}
	return lo, hi
}

// push adds e to the tail of q, dropping the entries that give way to it.
func push(q []peakEntry, e peakEntry, givesWay func(tail, v float64) bool) []peakEntry {
	for len(q) > 0 && givesWay(q[len(q)-1].v, e.v) {
		q = q[:len(q)-1]
	}
	return append(q, e)
}

// dropBefore drops the head entries older than from, keeping the array
// (a queue is short: the records of its period from the right).
func dropBefore(q []peakEntry, from int64) []peakEntry {
	n := 0
	for n < len(q) && q[n].at < from {
		n++
	}
	if n == 0 {
		return q
	}
	q = q[:copy(q, q[n:])]
	// A queue as long as a falling hour (360 entries) keeps its array once
	// it is short again unless given back: a quarter used, half kept.
	if c := cap(q); c > 32 && 4*len(q) < c {
		q = append(make([]peakEntry, 0, max(8, 2*len(q))), q...)
	}
	return q
}

func memoryValue(w *window, i int) float64 { return float64(memoryBytes(w, i)) }

// nanos is t in Unix nanoseconds, the zero time the smallest: a queue
// keeps the times of samples, which are between 1678 and 2262.
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return math.MinInt64
	}
	return t.UnixNano()
}

// windowExtremes are what a container's decisions read of its window's
// extremes: the peaks of the whole window, and those of the periods
// Decide judges (two queues per value: a stabilisation each way).
type windowExtremes struct {
	memoryPeak, cpuPeak extremesQueue
	periods             *periodQueues // made when first needed
}

type periodQueues struct {
	q    [2][2]extremesQueue // [memory, cpu][slot]
	last [2]int              // the slot read last
}

// peaks are the most memory and cores the whole window used.
func (x *windowExtremes) peaks(w *window) (memory uint64, cpu float64) {
	_, m := x.memoryPeak.read(w, time.Time{}, false, memoryValue)
	_, cpu = x.cpuPeak.read(w, time.Time{}, false, busyCores)
	if w.Len() == 0 {
		return 0, 0
	}
	return uint64(m), cpu
}

// period returns the extremes of memory (or busy cores) over the window's
// samples at or after from: from the queue that moves on to from from the
// latest start, or else from the one not read last, rebuilt.
func (x *windowExtremes) period(w *window, memory bool, from time.Time) (lo, hi float64) {
	if x.periods == nil {
		x.periods = new(periodQueues)
	}
	kind, value := 1, busyCores
	if memory {
		kind, value = 0, memoryValue
	}
	slots := &x.periods.q[kind]
	best := -1
	for i := range slots {
		if s := &slots[i]; s.folded && nanos(from) >= s.from && (best < 0 || s.from > slots[best].from) {
			best = i
		}
	}
	if best < 0 {
		best = 1 - x.periods.last[kind]
	}
	x.periods.last[kind] = best
	return slots[best].read(w, from, true, value)
}

// bytes is the memory the queues hold (they are derived from the window,
// but they are history all the same: the window_bytes metric counts them).
func (x *windowExtremes) bytes() int {
	n := int(unsafe.Sizeof(*x)) + x.memoryPeak.bytes() + x.cpuPeak.bytes()
	if p := x.periods; p != nil {
		n += int(unsafe.Sizeof(*p))
		for i := range p.q {
			for j := range p.q[i] {
				n += p.q[i][j].bytes()
			}
		}
	}
	return n
}

// bytes is what the queue's arrays hold (the struct is its owner's).
func (q *extremesQueue) bytes() int {
	return (cap(q.lo) + cap(q.hi)) * int(unsafe.Sizeof(peakEntry{}))
}

// HistoryBytes is the memory of a container's history: its window (tiers
// included) and the extremes kept from it.
func (tr *Container) HistoryBytes() int {
	return tr.Window.Bytes() + tr.extremes.bytes()
}
