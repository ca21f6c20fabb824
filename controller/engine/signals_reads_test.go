package engine

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// TestSignalsCarryAFillingDisk: a disk past its threshold and below its
// max brings its use over the window, which Decide sizes a growth from,
// read only when asked (DiskHistory); any other disk brings none.
func TestSignalsCarryAFillingDisk(t *testing.T) {
	e := New(Options{Interval: 10 * time.Second, Window: time.Hour, ShortPeriod: 5 * time.Minute, Scale: true}, Hooks{})
	fill := func(endGiB float64) (*Container, time.Time) {
		tr := &Container{Listed: Listed{VMID: 100, Status: "running", Alloc: scaling.Allocation{Cores: 2, DiskBytes: 8 << 30}}, Window: e.NewWindow()}
		var s Sample
		for i := range 60 {
			s = sampleAt(60*i, 0.5)
			s.Disk = uint64((endGiB - float64(59-i)*0.05) * (1 << 30))
			tr.Window.Add(s)
		}
		tr.Last.Disk, tr.Last.MaxDisk = s.Disk, s.MaxDisk
		return tr, s.Time
	}
	rules := scaling.Rules{Disk: scaling.DiskRules{Enabled: true, Threshold: 0.85, Step: 2 << 30, Max: 64 << 30}}

	tr, now := fill(7.5) // 0.94 of 8 GiB
	disk := func(sig scaling.Signals) scaling.Series { return sig.History.(scaling.DiskHistory).Disk() }
	sig := e.signals(&e.walk.history, tr, rules, now)
	if len(disk(sig)) != 60 || sig.Disk != nil {
		t.Fatalf("a disk past its threshold brings %d points (%d read ahead), want the window's 60 when read", len(disk(sig)), len(disk(sig)))
	}
	for i, p := range disk(sig) {
		if want := tr.Window.At(i); !p.Time.Equal(want.Time) || p.Value != float64(want.Disk) {
			t.Fatalf("point %d is %v, want %v at %v", i, p, want.Disk, want.Time)
		}
	}
	if d := disk(sig); d[59].Value-d[0].Value < 2.9*(1<<30) {
		t.Errorf("the points do not show the fill: %v to %v", d[0].Value, d[59].Value)
	}

	tr, now = fill(6) // 0.75: below the threshold
	if sig := e.signals(&e.walk.history, tr, rules, now); disk(sig) != nil {
		t.Errorf("a disk below its threshold brings %d points, want none", len(disk(sig)))
	}
	tr, now = fill(7.5)
	tr.Alloc.DiskBytes = 64 << 30 // at the max: it cannot grow
	if sig := e.signals(&e.walk.history, tr, rules, now); disk(sig) != nil {
		t.Errorf("a disk at its max brings %d points, want none", len(disk(sig)))
	}
	rules.Disk.Enabled = false
	tr, now = fill(7.5)
	if sig := e.signals(&e.walk.history, tr, rules, now); disk(sig) != nil {
		t.Errorf("a disk whose rules are off brings %d points, want none", len(disk(sig)))
	}
}

// TestHighestIsTheWeeksMost: what fast relief grows a pinned resource to
// is the most the week tier holds over the period asked: one night's job
// of the days before, not the service's level of the window, and nothing
// before it came or once it is older than the period.
func TestHighestIsTheWeeksMost(t *testing.T) {
	w := newWindow(time.Hour, 360)
	now := time.Date(2026, 12, 1, 0, 55, 0, 0, time.UTC)
	nights(w, now, on([2]float64{3.5, 5}, 29))
	h := &windowHistory{w: w, now: now, seasons: &seasons{}}
	cpu, mem := h.Highest(7 * 24 * time.Hour)
	if math.Abs(cpu-3.5) > 0.01 || math.Abs(mem-5*(1<<30)) > 1<<20 {
		t.Errorf("the week's most: %.3f cores, %.0f bytes; want the job's 3.5 cores and 5 GiB", cpu, mem)
	}
	if cpu, mem := h.Highest(12 * time.Hour); math.Abs(cpu-0.3) > 0.01 || mem != 512<<20 {
		t.Errorf("the last 12 hours' most: %.3f cores, %.0f bytes; want the service's 0.3 cores and 512 MiB", cpu, mem)
	}
	empty := &windowHistory{w: newWindow(time.Hour, 360), now: now, seasons: &seasons{}}
	if cpu, mem := empty.Highest(7 * 24 * time.Hour); cpu != 0 || mem != 0 {
		t.Errorf("an empty history's most: %v cores, %v bytes; want 0", cpu, mem)
	}
}

// TestHighestKeptIsRead: Highest, kept per container between passes, is
// a fresh read of the week tier's peaks, pass after pass, as hours
// complete, backfills merge coarse points in and the period asked
// changes.
func TestHighestKeptIsRead(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 43))
	w, cache := newWindow(time.Hour, 368), &seasons{}
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for pass := range 20000 {
		now = now.Add(time.Duration(10+rng.IntN(20)) * time.Second)
		s := sampleAt(0, rng.Float64()*4).at(now)
		s.Mem = rng.Uint64N(8 << 30)
		w.Add(s)
		if rng.IntN(500) == 0 {
			w.MergeCoarse([]CoarsePoint{{Time: now.Add(-time.Duration(rng.IntN(7*24)) * time.Hour).Truncate(time.Hour), Step: time.Hour,
				CPU: 1, CPUPeak: rng.Float64() * 8, Mem: 1 << 30, MemPeak: rng.Float64() * (16 << 30)}})
		}
		d := 7 * 24 * time.Hour
		if rng.IntN(10) == 0 {
			d = time.Duration(1+rng.IntN(7*24)) * time.Hour
		}
		h := &windowHistory{w: w, now: now, seasons: cache}
		cpu, mem := h.Highest(d)
		want, _ := w.tierPeaks(true, now.Add(-d), d)
		if cpu != want.CPU || mem != want.Memory {
			t.Fatalf("pass %d, the last %s: kept %v cores %v bytes, read %v %v", pass, d, cpu, mem, want.CPU, want.Memory)
		}
	}
}
