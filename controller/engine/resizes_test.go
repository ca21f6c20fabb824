package engine

import (
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

func TestNoteResizes(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	e := New(Options{Interval: time.Minute, Window: time.Hour, NoteResizes: true}, Hooks{})
	alloc := func(cores, mem, swap int, disk uint64) scaling.Allocation {
		return scaling.Allocation{Cores: cores, MemoryMiB: mem, SwapMiB: swap, DiskBytes: disk}
	}
	// Someone else's change: noted at the later observation.
	e.noteResizes(101, alloc(1, 1024, 0, 8<<30), alloc(2, 1024, 512, 8<<30), t0, t0.Add(time.Minute))
	st := e.States[101]
	if a := st.LastAction[scaling.ResourceCores]; a != (scaling.Action{Time: t0.Add(time.Minute), Direction: scaling.Up, From: 1, To: 2}) {
		t.Errorf("cores %+v", a)
	}
	if a := st.LastAction[scaling.ResourceSwap]; a.To != 512 || a.From != 0 {
		t.Errorf("swap from none: %+v", a)
	}
	if _, ok := st.LastAction[scaling.ResourceMemory]; ok {
		t.Error("unchanged memory noted")
	}
	// Our own change, made between the two listings, stays as recorded.
	own := scaling.Action{Time: t0.Add(90 * time.Second), Direction: scaling.Down, From: 1024, To: 768}
	st.LastAction[scaling.ResourceMemory] = own
	e.noteResizes(101, alloc(2, 1024, 512, 8<<30), alloc(2, 768, 512, 8<<30), t0.Add(time.Minute), t0.Add(2*time.Minute))
	if a := st.LastAction[scaling.ResourceMemory]; a != own {
		t.Errorf("our own change was replaced by %+v", a)
	}
	// Our write of unknown outcome (cut by the end of the lease, say)
	// explains nothing: another writer may have made the change after it.
	st.LastAction[scaling.ResourceSwap] = scaling.Action{Time: t0.Add(150 * time.Second), Direction: scaling.Up, From: 512, To: 1024, Unknown: true}
	e.noteResizes(101, alloc(2, 768, 512, 8<<30), alloc(2, 768, 1024, 8<<30), t0.Add(2*time.Minute), t0.Add(3*time.Minute))
	if a := st.LastAction[scaling.ResourceSwap]; !a.Time.Equal(t0.Add(3*time.Minute)) || a.Unknown {
		t.Errorf("a change our unknown write may not have made: %+v, want counted from the listing that showed it", a)
	}
	// The same target reached again long after our change: someone's.
	e.noteResizes(101, alloc(2, 1024, 512, 8<<30), alloc(2, 768, 512, 8<<30), t0.Add(time.Hour), t0.Add(61*time.Minute))
	if a := st.LastAction[scaling.ResourceMemory]; !a.Time.Equal(t0.Add(61 * time.Minute)) {
		t.Errorf("a later change to the same size: %+v", a)
	}
	// An unknown earlier allocation (a container never listed) says nothing.
	e.noteResizes(102, alloc(0, 0, 0, 0), alloc(2, 1024, 0, 8<<30), t0, t0.Add(time.Minute))
	if st := e.States[102]; st != nil && len(st.LastAction) > 0 {
		t.Errorf("first listing noted as a change: %+v", st.LastAction)
	}

	// A window's history (a backfill's maxcpu) carries a change from before
	// this engine watched: noted at the end of the second of the first
	// sample under the new limits (the window keeps whole seconds).
	tr := &Container{Listed: Listed{VMID: 103}, Window: e.NewWindow()}
	e.Tracked[103] = tr
	for i := range 10 {
		cores := 2.0
		if i >= 6 {
			cores = 4
		}
		tr.Window.Add(Sample{Time: t0.Add(time.Duration(i)*time.Minute + 300*time.Millisecond), Cores: cores, CPU: 1, MaxMem: 1 << 30, Mem: 1 << 29, MaxDisk: 8 << 30})
	}
	e.NoteResizesFromWindows()
	if a := e.States[103].LastAction[scaling.ResourceCores]; a != (scaling.Action{Time: t0.Add(6*time.Minute + time.Second), Direction: scaling.Up, From: 2, To: 4}) {
		t.Errorf("from the window: %+v", a)
	}
	if len(e.States[103].LastAction) != 1 {
		t.Errorf("unchanged limits noted: %+v", e.States[103].LastAction)
	}
}

// BenchmarkNoteResizesFromWindows is what a leader's pass adds at 10,000
// containers, each with a window of an hour at 1 minute and one resize.
func BenchmarkNoteResizesFromWindows(b *testing.B) {
	t0 := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	e := New(Options{Interval: time.Minute, Window: time.Hour, NoteResizes: true}, Hooks{})
	for vmid := 100; vmid < 10100; vmid++ {
		tr := &Container{Listed: Listed{VMID: vmid}, Window: e.NewWindow()}
		e.Tracked[vmid] = tr
		for i := range 60 {
			cores := 2.0
			if i >= 30 {
				cores = 3
			}
			tr.Window.Add(Sample{Time: t0.Add(time.Duration(i) * time.Minute), Cores: cores, CPU: 1, MaxMem: 1 << 30, Mem: 1 << 29, MaxDisk: 8 << 30})
		}
	}
	e.NoteResizesFromWindows() // the first pass notes them; the rest find them noted
	b.ResetTimer()
	for b.Loop() {
		e.NoteResizesFromWindows()
	}
}
