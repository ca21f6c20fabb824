package engine

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// SortedTracked keeps its order from call to call, and still gives every
// tracked container by VMID when Tracked is changed behind its back
// (added to, deleted from, an entry replaced, as a backfill or a restore
// does), and what it returns is the caller's to change.
func TestSortedTrackedFollowsTracked(t *testing.T) {
	e := New(Options{}, Hooks{})
	rng := rand.New(rand.NewPCG(31, 37))
	for step := range 3000 {
		vmid := 100 + rng.IntN(60)
		switch rng.IntN(4) {
		case 0:
			e.Tracked[vmid] = &Container{Listed: Listed{VMID: vmid}}
		case 1:
			delete(e.Tracked, vmid)
		case 2:
			e.Forget(vmid)
		}
		got := e.SortedTracked()
		want := make([]*Container, 0, len(e.Tracked))
		for _, tr := range e.Tracked {
			want = append(want, tr)
		}
		slices.SortFunc(want, func(a, b *Container) int { return a.VMID - b.VMID })
		if !slices.Equal(got, want) {
			t.Fatalf("step %d: %d sorted containers, want the %d tracked by VMID", step, len(got), len(want))
		}
		if len(got) > 0 {
			got[0] = nil // the caller's copy
		}
	}
}
