package takeover

import (
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// A replica's knowledge of a container starts a cooldown only while one
// can still hold: it moves back as folded history reaches further, never
// forward, never over a change seen as late, and goes once it holds
// nothing.
func TestNoteUnseen(t *testing.T) {
	alloc := scaling.Allocation{Cores: 2, MemoryMiB: 1024, SwapMiB: 512, DiskBytes: 8 << 30}
	longest := 10 * time.Minute
	now := t0.Add(time.Hour)

	if st := NoteUnseen(nil, alloc, now.Add(-longest), now, longest); st != nil {
		t.Fatalf("knowledge a whole cooldown old noted %+v, want nothing", st.LastAction)
	}
	firstListed := now.Add(-time.Minute)
	st := NoteUnseen(nil, alloc, firstListed, now, longest)
	if st == nil || len(st.LastAction) != 4 {
		t.Fatalf("a container first listed a minute ago: %+v, want an unseen change of each resource", st)
	}
	if a := st.LastAction[scaling.ResourceCores]; a != (scaling.Action{Time: firstListed, Direction: Unseen, From: 2, To: 2, Unknown: true}) {
		t.Fatalf("cores noted %+v, want an unseen change at the first listing, of unknown outcome", a)
	}

	// A change seen after it keeps its place; a later knowledge moves
	// nothing forward; history that reaches back moves it back.
	seen := scaling.Action{Time: now.Add(-30 * time.Second), Direction: scaling.Up, From: 2, To: 3}
	st.LastAction[scaling.ResourceCores] = seen
	NoteUnseen(st, alloc, now.Add(-45*time.Second), now, longest)
	if st.LastAction[scaling.ResourceCores] != seen || !st.LastAction[scaling.ResourceMemory].Time.Equal(firstListed) {
		t.Fatalf("after a later knowledge: %+v, want the seen change and the unseen ones at the first listing", st.LastAction)
	}
	folded := now.Add(-5 * time.Minute)
	NoteUnseen(st, alloc, folded, now, longest)
	if st.LastAction[scaling.ResourceCores] != seen || !st.LastAction[scaling.ResourceMemory].Time.Equal(folded) {
		t.Fatalf("after a fold 5 minutes back: %+v, want the seen change and the unseen ones moved back", st.LastAction)
	}
	NoteUnseen(st, alloc, now.Add(-time.Hour), now, longest)
	if len(st.LastAction) != 1 || st.LastAction[scaling.ResourceCores] != seen {
		t.Fatalf("after a fold an hour back: %+v, want only the seen change", st.LastAction)
	}
}

// A change the replica knows of from before its knowledge of the listings
// begins (its own last write, restored from its state after a restart)
// keeps its cooldown, counted from that knowledge, through every later
// fold: a fold that reaches back, or a full window, must not take it away.
func TestNoteUnseenKeepsAKnownChangesCooldown(t *testing.T) {
	alloc := scaling.Allocation{Cores: 2, MemoryMiB: 1024}
	longest := 3 * time.Second
	now := t0.Add(time.Hour)
	own := scaling.Action{Time: now.Add(-40 * time.Millisecond), Direction: scaling.Up, From: 1, To: 2}
	st := &scaling.ContainerState{LastAction: map[scaling.Resource]scaling.Action{scaling.ResourceCores: own}}
	firstListed := now
	NoteUnseen(st, alloc, firstListed, now, longest)
	want := own
	want.Time = firstListed
	if got := st.LastAction[scaling.ResourceCores]; got != want {
		t.Fatalf("after the first listing: %+v, want the own change counted from the first listing %+v", got, want)
	}
	later := now.Add(time.Second)
	for _, at := range []time.Time{now.Add(-time.Hour), {}} { // a fold an hour back, a full window
		NoteUnseen(st, alloc, at, later, longest)
		if got := st.LastAction[scaling.ResourceCores]; got != want {
			t.Fatalf("after a fold to %v: %+v, want the own change kept %+v", at, got, want)
		}
	}
}
