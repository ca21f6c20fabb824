package engine

import (
	"math"
	"time"
)

// windowPeaks keep the most memory and cores a window used as samples
// arrive, so that a floor reads two numbers instead of the whole window.
// Each is a monotonic queue: the samples that are the largest from their
// time on, oldest first, whose head is the window's peak. A sample folds
// in by dropping the tail it is not below; a trimmed one leaves from the
// head. When the newest sample folded is no longer held (a Merge puts
// every sample back in, under new numbers), the queues are rebuilt.
//
// It reads the window through its accessors only: Len, seqAt, timeAt, and
// the values signals read (busyCores, memoryBytes).
type windowPeaks struct {
	built   bool
	through uint64 // the number of the newest sample folded
	memory  []peakEntry
	cpu     []peakEntry
	// nanAt is the newest sample whose cores are NaN (zero: none): while
	// it is in the window, the cpu peak is NaN, as a scan's max says.
	nanAt time.Time
}

type peakEntry struct {
	at time.Time
	v  float64 // memory bytes are exact in a float64 up to 8 PiB
}

// read returns the window's peaks, folding in what it gained since the
// last read.
func (p *windowPeaks) read(w *window) (memory uint64, cpu float64) {
	if w.Len() == 0 {
		*p = windowPeaks{memory: p.memory[:0], cpu: p.cpu[:0]}
		return 0, 0
	}
	first := 0
	if p.built && p.through >= w.seqAt(0) {
		oldest := w.timeAt(0)
		p.memory = dropBefore(p.memory, oldest)
		p.cpu = dropBefore(p.cpu, oldest)
		first = int(p.through-w.seqAt(0)) + 1
	} else {
		*p = windowPeaks{built: true, memory: p.memory[:0], cpu: p.cpu[:0]}
	}
	for i := first; i < w.Len(); i++ {
		at := w.timeAt(i)
		p.memory = push(p.memory, peakEntry{at, float64(memoryBytes(w, i))})
		if c := busyCores(w, i); math.IsNaN(c) {
			p.nanAt = at
		} else {
			p.cpu = push(p.cpu, peakEntry{at, c})
		}
		p.through = w.seqAt(i)
	}
	if len(p.memory) > 0 {
		memory = uint64(p.memory[0].v)
	}
	if len(p.cpu) > 0 {
		cpu = p.cpu[0].v
	}
	if !p.nanAt.IsZero() && !p.nanAt.Before(w.timeAt(0)) {
		cpu = math.NaN()
	}
	return memory, cpu
}

// push adds e to the tail of q, dropping the entries it is not below.
func push(q []peakEntry, e peakEntry) []peakEntry {
	for len(q) > 0 && q[len(q)-1].v <= e.v {
		q = q[:len(q)-1]
	}
	return append(q, e)
}

// dropBefore drops the head entries older than oldest, keeping the
// array (the queue is short: a window's records from the right).
func dropBefore(q []peakEntry, oldest time.Time) []peakEntry {
	n := 0
	for n < len(q) && q[n].at.Before(oldest) {
		n++
	}
	if n == 0 {
		return q
	}
	return q[:copy(q, q[n:])]
}
