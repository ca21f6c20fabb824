package engine

import "github.com/lxc-autoscale/lxc-autoscale/controller/engine/lsq"

// periodAgg is what the window keeps of the samples from one (the cursor,
// window.spanFrom) to the newest: their extremes and the memory trend's
// least-squares sums (x in seconds, y in KiB: lsq's exact sums, the float
// scan's bit for bit or none), updated as samples enter and the cursor
// moves, so that a decrease, which judges the same period every pass,
// reads them in O(1) instead of rescanning it.
type periodAgg struct {
	x extremes
	s lsq.Sums
}

// spanOK's bits: the sums are valid (the cursor is set), the extremes
// too. spanMove is how far the cursor moves sample by sample.
const spanSums, spanExtreme, spanMove = 1, 2, 32

// spanIndex is the index of the cursor's sample, -1 when it is not set or
// no longer in the window.
func (w *window) spanIndex() int {
	if w.spanOK&spanSums == 0 {
		return -1
	}
	if i := int(int32(w.spanFrom - uint32(w.first))); i >= 0 && i < w.n {
		return i
	}
	return -1
}

// spanX is the time of sample p less the cursor's, in seconds.
func (w *window) spanX(p *fineSample) int64 {
	return w.secOf(p) - (w.lastU-int64(uint16(w.lastU)-w.spanAt))*w.unit
}

// spanAdd folds in p, just stored as the newest.
func (w *window) spanAdd(p *fineSample) {
	if w.spanIndex() < 0 {
		w.spanOK = 0
		return
	}
	if w.spanOK&spanExtreme != 0 {
		w.agg.x.take(p, p)
	}
	w.agg.s.Add(w.spanX(p), int64(p.memKiB()))
}

// spanForward moves the cursor one sample towards the newest: its sample
// leaves the sums (at x = 0), which are then taken from the next one's time.
func (w *window) spanForward(i int) {
	p := &w.ring[w.slot(i)]
	s := &w.agg
	if w.spanOK&spanExtreme != 0 && touches(p, &s.x) {
		w.spanOK &^= spanExtreme
	}
	if i+1 >= w.n {
		w.spanOK = 0
		return
	}
	q := &w.ring[w.slot(i+1)]
	s.s.DropOldest(int64(p.memKiB()), w.secOf(q)-w.secOf(p), int64(w.n-i-1))
	w.spanFrom++
	w.spanAt = q.at
}

// touches reports whether p holds one of x's values: the extremes may
// leave with it.
func touches(p *fineSample, x *extremes) bool {
	c, m := p.cpu(), p.memKiB()
	return c <= x.cpuLo || c >= x.cpuHi || m <= x.memLo || m >= x.memHi
}

// spanTo sets the cursor to sample i (< n), moving it when it is at most
// move samples before i (the period's start moves a sample a pass), afresh
// otherwise, or not at all (nil) when the cursor is set and !afresh.
func (w *window) spanTo(i, move int, afresh bool) *periodAgg {
	at := w.spanIndex()
	if at >= 0 && (at > i || i-at > move) && !afresh {
		return nil
	}
	if at < 0 || at > i || i-at > move {
		w.spanOK, w.spanFrom, w.agg = spanSums, uint32(w.first)+uint32(i), periodAgg{}
		w.spanAt = w.ring[w.slot(i)].at
		for k := i; k < w.n; k++ {
			p := &w.ring[w.slot(k)]
			w.agg.s.Add(w.spanX(p), int64(p.memKiB()))
		}
		return &w.agg
	}
	for ; at < i; at++ {
		w.spanForward(at)
	}
	return &w.agg
}

// periodExtremes are extremes(i), kept at the cursor when i is where it
// is, or the next sample: other periods (a decrease's recent peak, a
// relief's settled samples) are read from the blocks, so that they never
// move the cursor away from the trend's period.
func (w *window) periodExtremes(i int) (x extremes, ok bool) {
	var s *periodAgg
	if i >= 0 && i < w.n {
		s = w.spanTo(i, 2, false)
	}
	if s == nil {
		return w.extremes(i)
	}
	if w.spanOK&spanExtreme == 0 {
		s.x, _ = w.extremes(i)
		w.spanOK |= spanExtreme
	}
	return s.x, true
}

// memTrend is the memory trend's sums from sample i to the newest as
// TrendSums's scan computes them, y in bytes; ok is false when a partial
// sum of the scan could pass 2^53 (KiB), where the scan rounds.
func (w *window) memTrend(i int) (sx, sy, sxx, sxy float64, ok bool) {
	if i < 0 || i >= w.n {
		return 0, 0, 0, 0, false
	}
	s := w.spanTo(i, spanMove, true)
	sx, sy, sxx, sxy, ok = s.s.Floats(int64(w.n-i), w.spanX(&w.ring[w.slot(w.n-1)]))
	return sx, sy * 1024, sxx, sxy * 1024, ok
}
