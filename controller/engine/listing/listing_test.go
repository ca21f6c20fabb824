package listing

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// TestDistinctIsTheCount compares Distinct with a count of each VMID over
// random listings: sequential VMIDs, VMIDs far apart that share low bits,
// negative ones, with and without a VMID listed twice, and the same VMIDs
// reused from listing to listing (the bits kept between calls).
func TestDistinctIsTheCount(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	var v VMIDs
	for round := range 2000 {
		n := rnd.IntN(300)
		if round%50 == 0 {
			n = 5000 + rnd.IntN(3000) // a larger set of bits
		}
		cts := make([]proxmox.Container, n)
		for i := range cts {
			switch rnd.IntN(4) {
			case 0:
				cts[i].VMID = 100 + i
			case 1:
				cts[i].VMID = 100 + i + rnd.IntN(4)<<20 // the same low bits
			case 2:
				cts[i].VMID = rnd.IntN(1 << 30)
			default:
				cts[i].VMID = -rnd.IntN(1 << 12)
			}
		}
		if n > 1 && rnd.IntN(3) == 0 {
			cts[rnd.IntN(n)].VMID = cts[rnd.IntN(n)].VMID
		}
		count := map[int]int{}
		want := true
		for _, ct := range cts {
			if count[ct.VMID]++; count[ct.VMID] > 1 {
				want = false
			}
		}
		if got := v.Distinct(cts); got != want {
			t.Fatalf("round %d: Distinct of %d VMIDs = %v, want %v", round, n, got, want)
		}
	}
}

// TestDistinctListedTwice: the second listing of a VMID (a migration seen
// on both nodes) is found next to the first and far from it, and VMIDs
// that only share low bits are distinct.
func TestDistinctListedTwice(t *testing.T) {
	var v VMIDs
	for _, tc := range []struct {
		ids  []int
		want bool
	}{
		{[]int{100, 101, 102}, true},
		{[]int{100, 100}, false},
		{[]int{100, 101, 100}, false},
		{[]int{5, 4101, 5}, false},
		{[]int{4101, 5}, true},
		{[]int{5, 5 + 1<<20, 5 + 1<<21}, true},
	} {
		var cts []proxmox.Container
		for _, id := range tc.ids {
			cts = append(cts, proxmox.Container{VMID: id})
		}
		if got := v.Distinct(cts); got != tc.want {
			t.Errorf("%v: Distinct = %v, want %v", tc.ids, got, tc.want)
		}
	}
}

// AllocatedOf sums a node's running containers by runs of the listing
// as a map updated per container does, bit for bit, whatever the order:
// nodes listed in runs, interleaved, coming back, stopped containers
// between.
func TestAllocatedOfSumsAsPerContainer(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 37))
	nodes := []string{"pve1", "pve2", "pve3"}
	for round := range 300 {
		var cts []proxmox.Container
		for range rng.IntN(40) {
			ct := proxmox.Container{Node: nodes[rng.IntN(len(nodes))], Status: "running",
				CPUs: rng.Float64() * 8, MaxMem: uint64(rng.IntN(1<<20)) << 12}
			if rng.IntN(5) == 0 {
				ct.Status = "stopped"
			}
			if n := len(cts); n > 0 && rng.IntN(3) > 0 {
				ct.Node = cts[n-1].Node // runs, as a listing comes
			}
			cts = append(cts, ct)
		}
		want := map[string]scaling.Allocated{}
		for _, ct := range cts {
			if ct.Status == "running" {
				a := want[ct.Node]
				a.Cores += ct.CPUs
				a.MemoryBytes += ct.MaxMem
				want[ct.Node] = a
			}
		}
		if got := AllocatedOf(cts); !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d: %v, want %v", round, got, want)
		}
	}
}

// TestFusableTemplates: a template entry stops the one walk only when its
// VMID is followed; a VMID listed twice stops it whatever is followed.
func TestFusableTemplates(t *testing.T) {
	var v VMIDs
	followed := func(vmid int) bool { return vmid == 101 }
	for _, tc := range []struct {
		cts  []proxmox.Container
		want bool
	}{
		{[]proxmox.Container{{VMID: 100}, {VMID: 101}}, true},
		{[]proxmox.Container{{VMID: 100, Template: true}, {VMID: 101}}, true},
		{[]proxmox.Container{{VMID: 100}, {VMID: 101, Template: true}}, false},
		{[]proxmox.Container{{VMID: 100}, {VMID: 100}}, false},
	} {
		if got := v.Fusable(tc.cts, followed); got != tc.want {
			t.Errorf("%+v: Fusable = %v, want %v", tc.cts, got, tc.want)
		}
	}
}
