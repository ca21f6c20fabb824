package engine

// periodAgg is what the window keeps of the samples from one (the cursor,
// window.spanFrom) to the newest: their extremes and the memory trend's
// least-squares sums, updated as samples enter at the newest end and as
// the cursor moves, so that a decrease, which judges the same period
// every pass, reads them in O(1) instead of rescanning it. The sums are
// exact integers (x in seconds from the cursor's sample, y in KiB), which
// is what the float scan they replace computes while its partial sums stay
// below 2^53: memTrend checks that, so the result is the scan's bit for
// bit or the scan itself.
type periodAgg struct {
	x                extremes
	sx, sxx, sy, sxy int64
}

// spanOK's bits: the sums are valid (the cursor is set), the extremes
// too. spanMove is how far the cursor moves sample by sample.
const (
	spanSums, spanExtreme, spanMove = 1, 2, 32
)

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
	w.agg.add(w.spanX(p), p)
}

// add folds p, x seconds after the cursor's sample, into the sums.
func (s *periodAgg) add(x int64, p *fineSample) {
	y := int64(p.memKiB())
	s.sx, s.sxx, s.sy, s.sxy = s.sx+x, s.sxx+x*x, s.sy+y, s.sxy+x*y
}

// spanForward moves the cursor one sample towards the newest: its sample
// leaves the sums (at x = 0), which are then taken from the next one's time.
func (w *window) spanForward(i int) {
	p := &w.ring[w.slot(i)]
	s := &w.agg
	if w.spanOK&spanExtreme != 0 && touches(p, &s.x) {
		w.spanOK &^= spanExtreme
	}
	s.sy -= int64(p.memKiB())
	if i+1 >= w.n {
		w.spanOK = 0
		return
	}
	// The x of the n samples left are taken from d seconds later.
	q := &w.ring[w.slot(i+1)]
	d, n := w.secOf(q)-w.secOf(p), int64(w.n-i-1)
	s.sxx, s.sxy, s.sx = s.sxx+n*d*d-2*d*s.sx, s.sxy-d*s.sy, s.sx-n*d
	w.spanFrom++
	w.spanAt = q.at
}

// touches reports whether p holds one of x's values: the extremes may
// leave with it.
func touches(p *fineSample, x *extremes) bool {
	c, m := p.cpu(), p.memKiB()
	return c <= x.cpuLo || c >= x.cpuHi || m <= x.memLo || m >= x.memHi
}

// spanTo sets the cursor to sample i (< n), moving it when it is a little
// before i (the period's start moves a sample a pass), afresh otherwise.
func (w *window) spanTo(i int) *periodAgg {
	at := w.spanIndex()
	if at < 0 || at > i || i-at > spanMove {
		w.spanOK, w.spanFrom, w.agg = spanSums, uint32(w.first)+uint32(i), periodAgg{}
		w.spanAt = w.ring[w.slot(i)].at
		for k := i; k < w.n; k++ {
			w.agg.add(w.spanX(&w.ring[w.slot(k)]), &w.ring[w.slot(k)])
		}
		return &w.agg
	}
	for ; at < i; at++ {
		w.spanForward(at)
	}
	return &w.agg
}

// periodExtremes are extremes(i), kept at the cursor.
func (w *window) periodExtremes(i int) (x extremes, ok bool) {
	if i < 0 || i >= w.n {
		return w.extremes(i)
	}
	s := w.spanTo(i)
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
	s := w.spanTo(i)
	// Bounds of the true values, so that a wrapped int64 is never taken.
	n, last := float64(w.n-i), float64(w.spanX(&w.ring[w.slot(w.n-1)]))
	if n*last*last >= 1<<52 || last*float64(s.sy) >= 1<<52 {
		return 0, 0, 0, 0, false
	}
	return float64(s.sx), float64(s.sy) * 1024, float64(s.sxx), float64(s.sxy) * 1024, true
}
