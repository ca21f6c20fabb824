package engine

import (
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
	"unsafe"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine/histogram"
	"github.com/lxc-autoscale/lxc-autoscale/controller/engine/topk"
)

// defaultsEngine is an engine at the default settings (10 s, an hour,
// five minutes).
func defaultsEngine() *Engine {
	return New(Options{Interval: 10 * time.Second, Window: time.Hour, ShortPeriod: 5 * time.Minute}, Hooks{})
}

// fillAtDefaults runs a container through passes at the default settings:
// a sample and the features every pass, a new number of cores every
// resizeEvery passes, from 10 s after the newest sample.
func fillAtDefaults(w *window, passes, resizeEvery int, rnd *rand.Rand, s *featureScratch) {
	cores, from := 2.0, 0
	if last, ok := w.Last(); ok {
		cores, from = last.Cores, int(last.Time.Sub(t0)/time.Second)+10
	}
	for i := range passes {
		if i%resizeEvery == 0 {
			cores = float64(1 + (int(cores)+rnd.IntN(3))%4) // never the same
		}
		x := sampleAt(from+i*10, cores*rnd.Float64())
		x.Cores = cores
		x.Mem = uint64(float64(x.MaxMem) * rnd.Float64())
		w.Add(x)
		computeFeatures(w, w.Len(), x.Time, 5*time.Minute, time.Hour, s)
	}
}

// worstHistoryBytes is the most a window of e holds: the fine tier and
// the running lists at the ring's capacity (the short period with the
// ring's slack too), worstLimitRuns runs of limits; the rest is fixed.
func worstHistoryBytes(e *Engine) int {
	w := e.NewWindow()
	capacity := cap(w.ring)
	slack := capacity - int(e.opts.Window/e.opts.Interval)
	short := int(e.opts.ShortPeriod/e.opts.Interval) + 1 + slack
	list := func(n int) int { return (n - topk.P95Index(n) + headroom(n)) * int(unsafe.Sizeof(float64(0))) }
	return int(unsafe.Sizeof(*w)) + capacity*sampleBytes + w.blocksBytes() + w.tiers.bytes() +
		worstLimitRuns*limitsBytes + 2*list(capacity) + 2*list(short)
}

// TestHistoryBudget sums the worst case of a container's history at the
// default settings, the season profile included, and checks that it
// leaves the histograms' reserve its room in 16 KiB; that a window filled for eight days, with
// seven resizes in its last hour, holds no more than that sum and gives
// the limits' memory back once they leave; and that Bytes (window_bytes)
// is what the allocator holds for a window, to its size classes.
func TestHistoryBudget(t *testing.T) {
	e := defaultsEngine()
	worst := worstHistoryBytes(e)
	w := e.NewWindow()
	profile := int(unsafe.Sizeof(w.tiers.profile))
	t.Logf("history of a container at defaults, at worst: %d bytes: window %d (the season profile %d of it), fine tier %d (%d samples of %d B), extremes blocks %d, "+
		"day and week tiers %d, %d runs of limits %d, running lists the rest; reserved %d for the histograms; %d left",
		worst, unsafe.Sizeof(*w), profile, cap(w.ring)*sampleBytes, cap(w.ring), sampleBytes, w.blocksBytes(), w.tiers.bytes(),
		worstLimitRuns, worstLimitRuns*limitsBytes, histogramReserve, historyBudget-worst-histogramReserve)
	if profile > seasonReserve+8 {
		t.Errorf("the season profile takes %d bytes, over the %d reserved and 8 of bookkeeping", profile, seasonReserve)
	}
	if got := unsafe.Sizeof(histogram.Usage{}); got > histogramReserve {
		t.Errorf("the recommender's histograms (Container.Usage) take %d bytes, over the %d reserved", got, histogramReserve)
	}
	if worst+histogramReserve > historyBudget {
		t.Errorf("history takes %d bytes at worst: with %d for the histograms that is over %d",
			worst, histogramReserve, historyBudget)
	}

	rnd := rand.New(rand.NewPCG(13, 14))
	s := &featureScratch{}
	fillAtDefaults(w, 2*360, 1500, rnd, s)
	early := w.Bytes()
	fillAtDefaults(w, 8*24*360, 1500, rnd, s)
	if got := w.Bytes(); got != early {
		t.Errorf("history took %d bytes after two hours and %d after eight days: it grows", early, got)
	}
	fillAtDefaults(w, 360, 52, rnd, s) // seven resizes in the hour
	if got := w.Bytes(); got > worst || len(w.lims) != worstLimitRuns {
		t.Errorf("after %d runs of limits in the window (want %d) history takes %d bytes, over the worst case %d",
			len(w.lims), worstLimitRuns, got, worst)
	}
	fillAtDefaults(w, 2*360, 1500, rnd, s)
	if got := w.Bytes(); got != early {
		t.Errorf("history takes %d bytes an hour after the resizes, %d before them: the limits' memory was not given back", got, early)
	}

	// The allocator's view: live heap per window, windows filled the same.
	var ms runtime.MemStats
	liveHeap := func() uint64 { runtime.GC(); runtime.ReadMemStats(&ms); return ms.HeapAlloc }
	const k = 1000
	windows := make([]*window, k)
	before := liveHeap()
	for i := range windows {
		windows[i] = e.NewWindow()
		fillAtDefaults(windows[i], 2*360, 1500, rand.New(rand.NewPCG(13, 14)), s)
	}
	perWindow := float64(liveHeap()-before) / k
	runtime.KeepAlive(windows)
	want := float64(windows[0].Bytes())
	t.Logf("live heap per window %.0f bytes, Bytes %.0f", perWindow, want)
	if perWindow < want-64 || perWindow > want*1.05 {
		t.Errorf("the heap holds %.0f bytes per window, Bytes says %.0f: more apart than the size classes", perWindow, want)
	}
}
