package ctview

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lxc-autoscale/lxc-autoscale/controller/chunks"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// SetPass leaves the Store (every gauge, the recommendations, the
// histories) as Set of each value in turn does, over passes in which
// containers come, go, move between nodes and recommend changes, on one
// goroutine and on several, and with VMIDs out of order (then on one).
func TestSetPassIsSetOfEach(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	regOne, regPass := prometheus.NewRegistry(), prometheus.NewRegistry()
	one, _ := New(regOne)
	pass, _ := New(regPass)
	now := t0
	var vmids []int
	for vmid := 100; vmid < 100+chunks.Len+200; vmid++ {
		vmids = append(vmids, vmid)
	}
	for round := range 15 {
		now = now.Add(time.Duration(1+rnd.IntN(120)) * time.Second)
		var vs []Values
		for _, vmid := range vmids {
			if rnd.IntN(10) == 0 {
				continue // not listed this pass
			}
			v := values(vmid, []string{"pve1", "pve2", "pve3"}[rnd.IntN(3)], 1+rnd.IntN(4), rnd.Float64()*3)
			v.HasUsage = rnd.IntN(8) != 0
			if rnd.IntN(5) == 0 {
				v.Changes = []scaling.Change{{Resource: scaling.Resources[rnd.IntN(len(scaling.Resources))], Direction: scaling.Up, From: 1, To: int64(2 + rnd.IntN(3))}}
			}
			vs = append(vs, v)
		}
		if round%7 == 3 { // out of order: one goroutine
			rnd.Shuffle(len(vs), func(i, j int) { vs[i], vs[j] = vs[j], vs[i] })
		}
		for _, v := range vs {
			one.Set(now, v)
		}
		pass.SetPass(now, slices.Clone(vs), 1+round%3)
		if round%5 == 4 { // gone
			gone := vmids[rnd.IntN(len(vmids))]
			one.Forget(gone)
			pass.Forget(gone)
		}
		vmids = append(vmids, 100+chunks.Len+200+round) // new next pass
		if got, want := gather(t, regPass), gather(t, regOne); !slices.Equal(got, want) {
			t.Fatalf("round %d: SetPass's metrics differ from Set's:\n%v\nwant\n%v", round, got, want)
		}
		for _, vmid := range vmids {
			a, okA := pass.History(vmid, now)
			b, okB := one.History(vmid, now)
			if okA != okB || !historyEqual(a, b) {
				t.Fatalf("round %d: vmid %d's history differs", round, vmid)
			}
		}
	}
}

// gather is every metric of reg as text lines, in the registry's order.
func gather(t *testing.T, reg *prometheus.Registry) []string {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range families {
		for _, m := range f.GetMetric() {
			out = append(out, f.GetName()+" "+m.String())
		}
	}
	return out
}

func historyEqual(a, b History) bool {
	same := func(x, y float64) bool { return x == y || x != x && y != y }
	for i := range Minutes {
		if !same(a.CPU[i], b.CPU[i]) || !same(a.Memory[i], b.Memory[i]) {
			return false
		}
	}
	return a.End.Equal(b.End)
}
