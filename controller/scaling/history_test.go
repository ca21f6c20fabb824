package scaling

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// seriesHistory is a History over whole series, as the contract says:
// each call returns the suffix from the newest point at or before now-d.
type seriesHistory struct {
	cpu, memory Series
	now         time.Time
	memoryPeak  uint64
	cpuPeak     float64
	calls       int
	// seasons counts the reads of the recurring peaks, which every
	// Decide makes (a growth ahead of a peak is looked for every pass).
	seasons int
	// The recurring peaks Recurring returns; climbCPU and climbMemory, when
	// either is set, are those within seasonClimb (a growth's size).
	cpuSeason, memorySeason Recurring
	climbCPU, climbMemory   Recurring
	// The highest levels Highest returns.
	cpuHighest, memoryHighest float64
}

func (h *seriesHistory) suffix(s Series, d time.Duration) Points {
	h.calls++
	newest := len(s.Until(h.now)) - 1
	i := newest
	for i >= 0 && s[i].Time.After(h.now.Add(-d)) {
		i--
	}
	if i < 0 || i == newest {
		return s
	}
	return s[i:]
}

func (h *seriesHistory) CPU(d time.Duration) Points    { return h.suffix(h.cpu, d) }
func (h *seriesHistory) Memory(d time.Duration) Points { return h.suffix(h.memory, d) }
func (h *seriesHistory) Recurring(ahead time.Duration) (cpu, memory Recurring) {
	h.seasons++
	if ahead == seasonClimb && h.climbCPU.Seen+h.climbMemory.Seen > 0 {
		return h.climbCPU, h.climbMemory
	}
	return h.cpuSeason, h.memorySeason
}

func (h *seriesHistory) Highest(time.Duration) (cpu, memory float64) {
	h.calls++
	return h.cpuHighest, h.memoryHighest
}

func (h *seriesHistory) Peaks() (uint64, float64) {
	h.calls++
	return h.memoryPeak, h.cpuPeak
}

// lazy turns complete signals into what the engine passes: the newest
// points at or before now, and a History for the rest.
func lazy(sig Signals, now time.Time) (Signals, *seriesHistory) {
	h := &seriesHistory{cpu: sig.CPU, memory: sig.Memory, now: now, memoryPeak: sig.MemoryPeak, cpuPeak: sig.CPUPeak}
	newest := func(s Series) Series {
		s = s.Until(now)
		if len(s) == 0 {
			return nil
		}
		return s[len(s)-1:]
	}
	sig.CPU, sig.Memory = newest(sig.CPU), newest(sig.Memory)
	sig.MemoryPeak, sig.CPUPeak = 0, 0
	sig.History = h
	return sig, h
}

// TestDecideWithHistoryDecidesAsWithSeries: Decide reading the series and
// peaks on demand decides exactly as with complete signals, whatever the
// inputs, and reads nothing of the series and peaks for a container that
// leans nowhere: only its recurring peaks within the lead, once.
func TestDecideWithHistoryDecidesAsWithSeries(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 20000 {
		in := randomInput(rng)
		s := &in.sig
		switch rng.IntN(8) {
		case 0: // points after now: a clock that went back
			for k := range 1 + rng.IntN(6) {
				at := in.now.Add(time.Duration(k+1) * 10 * time.Second)
				s.CPU = append(s.CPU, Point{at, rng.Float64()})
				s.Memory = append(s.Memory, Point{at, rng.Float64() * float64(s.Alloc.MemoryMiB) * mib})
			}
		case 1: // nothing recent: the newest point before every period
			cut := in.now.Add(-time.Duration(rng.IntN(3600)) * time.Second)
			s.CPU, s.Memory = s.CPU.Until(cut), s.Memory.Until(cut)
		case 2: // a hole in the data
			if n := len(s.CPU); n > 10 {
				a := rng.IntN(n - 5)
				b := a + 1 + rng.IntN(n-a-1)
				s.CPU = append(s.CPU[:a:a], s.CPU[b:]...)
				s.Memory = append(s.Memory[:a:a], s.Memory[b:]...)
			}
		}
		// The engine's MemoryPeak covers the whole window.
		for _, p := range s.Memory {
			s.MemoryPeak = max(s.MemoryPeak, uint64(p.Value))
		}
		want := Decide(in.sig, in.policy, in.rules, in.st, in.now)
		sig, h := lazy(in.sig, in.now)
		got := Decide(sig, in.policy, in.rules, in.st, in.now)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("run %d: with a History Decide gives\n%+v\nwith the series\n%+v", i, got, want)
		}
		for j := range got.Holds {
			if got.Holds[j].Detail() != want.Holds[j].Detail() {
				t.Fatalf("run %d: hold %q, want %q", i, got.Holds[j].Detail(), want.Holds[j].Detail())
			}
		}
		_ = h
	}

	in := steadyInput()
	sig, h := lazy(in.sig, in.now)
	if d := Decide(sig, in.policy, in.rules, in.st, in.now); len(d.Changes)+len(d.Holds) != 0 || h.calls != 0 || h.seasons != 1 {
		t.Errorf("a container that leans nowhere: %+v, %d reads of its history and %d of its recurring peaks; want nothing, none and one", d, h.calls, h.seasons)
	}
	in.sig.CPU = cpuFor(time.Minute, 0.9)
	sig, h = lazy(in.sig, in.now)
	if d := Decide(sig, in.policy, in.rules, in.st, in.now); len(d.Changes) != 1 || h.calls != 1 {
		t.Errorf("a busy container: %+v, %d reads of its history; want a change and one read (its cpu)", d, h.calls)
	}
}
