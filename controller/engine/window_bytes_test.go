package engine

import (
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
	"unsafe"
)

// historyBudget is what a container's in-memory history may take at the
// default settings (issue 14); histogramRoom is the part of it left for
// the two decaying histograms of the next issue: VPA's shape (buckets 5 %
// apart from 0.01 to 1000 cores, and from 10 MB to 1 TB: 175 each) with
// 32-bit weights and a few words of their own.
const (
	historyBudget = 16 << 10
	histogramRoom = 2 * (175*4 + 32)
)

// fillAtDefaults runs a container through passes at the default settings
// (10 s, an hour, five minutes): a sample and the features every pass, a
// resize every few hours.
func fillAtDefaults(w *window, passes int, rnd *rand.Rand, s *featureScratch) {
	cores := 2.0
	for i := range passes {
		if i%1500 == 0 {
			cores = float64(1 + rnd.IntN(4))
		}
		x := sampleAt(i*10, cores*rnd.Float64())
		x.Cores = cores
		x.Mem = uint64(float64(x.MaxMem) * rnd.Float64())
		w.Add(x)
		computeFeatures(w, w.Len(), x.Time, 5*time.Minute, time.Hour, s)
	}
}

// TestHistoryBytesAtDefaults computes what a container's history takes at
// the default settings once every tier is full (eight days of passes),
// checks that it leaves the histograms their room in 16 KiB and that
// nothing grows after the first hours, and that Bytes (window_bytes) is
// what the allocator holds for it, to the allocator's size classes.
func TestHistoryBytesAtDefaults(t *testing.T) {
	e := New(Options{Interval: 10 * time.Second, Window: time.Hour, ShortPeriod: 5 * time.Minute}, Hooks{})
	rnd := rand.New(rand.NewPCG(13, 14))
	s := &featureScratch{}
	w := e.NewWindow()
	fillAtDefaults(w, 2*360, rnd, s)
	early := w.Bytes()
	fillAtDefaults(w, 8*24*360, rnd, s)
	got := w.Bytes()
	t.Logf("history of a container at defaults: %d bytes: window %d, fine tier %d (%d samples of %d B), limits %d, "+
		"day and week tiers %d, running lists %d; %d bytes left for the histograms (%d needed)",
		got, unsafe.Sizeof(*w), cap(w.ring)*sampleBytes, cap(w.ring), sampleBytes, cap(w.lims)*limitsBytes,
		w.tiers.bytes(), w.roll.bytes(), historyBudget-got, histogramRoom)
	if got+histogramRoom > historyBudget {
		t.Errorf("history takes %d bytes: with %d for the histograms that is over %d", got, histogramRoom, historyBudget)
	}
	if got != early {
		t.Errorf("history took %d bytes after two hours and %d after eight days: it grows", early, got)
	}

	// The allocator's view: live heap per window, windows filled the same.
	var ms runtime.MemStats
	liveHeap := func() uint64 { runtime.GC(); runtime.ReadMemStats(&ms); return ms.HeapAlloc }
	const k = 200
	windows := make([]*window, k)
	before := liveHeap()
	for i := range windows {
		windows[i] = e.NewWindow()
		fillAtDefaults(windows[i], 2*360, rand.New(rand.NewPCG(13, 14)), s)
	}
	perWindow := float64(liveHeap()-before) / k
	runtime.KeepAlive(windows)
	want := float64(windows[0].Bytes())
	t.Logf("live heap per window %.0f bytes, Bytes %.0f", perWindow, want)
	if perWindow < want-64 || perWindow > want*1.05 {
		t.Errorf("the heap holds %.0f bytes per window, Bytes says %.0f: more apart than the size classes", perWindow, want)
	}
}
