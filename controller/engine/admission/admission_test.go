package admission

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/lxc-autoscale/lxc-autoscale/controller/chunks"
	"github.com/lxc-autoscale/lxc-autoscale/controller/engine/listing"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/urgency"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// Admit on several goroutines leaves the decisions, and admits them in
// the order and as, one Pass admitting each in turn does: with budgets
// spent early, late and never, nodes short of room, unknown nodes, every
// mode, decisions held in part.
func TestAdmitIsOneGuardInTurn(t *testing.T) {
	defer func(n int) { chunks.Len = n }(chunks.Len)
	rnd := rand.New(rand.NewPCG(9, 10))
	nodes := []proxmox.Node{{Name: "pve1", CPUs: 8, MemoryBytes: 16 << 30}, {Name: "pve2", CPUs: 32, MemoryBytes: 128 << 30}}
	settled := 0
	for round := range 300 {
		chunks.Len = 1 + rnd.IntN(9)
		var cts []proxmox.Container
		var all []scaling.Decision
		for vmid := 100; vmid < 100+rnd.IntN(80); vmid++ {
			node := []string{"pve1", "pve2", "gone"}[rnd.IntN(3)]
			cts = append(cts, proxmox.Container{VMID: vmid, Node: node, Status: "running", CPUs: float64(1 + rnd.IntN(4)), MaxMem: uint64(1+rnd.IntN(8)) << 30})
			d := scaling.Decision{VMID: vmid, Node: node, Mode: []scaling.Mode{scaling.ModeEnforce, scaling.ModeDryRun, scaling.ModeRecommend}[rnd.IntN(3)], Score: rnd.Float64()}
			for _, r := range scaling.Resources {
				if rnd.IntN(3) == 0 {
					from := int64(1 + rnd.IntN(4096))
					d.Changes = append(d.Changes, scaling.Change{Resource: r, Direction: scaling.Up, From: from, To: from + int64(1+rnd.IntN(2048))})
				} else if rnd.IntN(4) == 0 {
					d.Holds = append(d.Holds, scaling.Hold{Resource: r, Reason: scaling.SkipCooldown, Text: "cooldown"})
				}
			}
			all = append(all, d)
		}
		opts := scaling.GuardOptions{OvercommitCPU: 1 + rnd.Float64()*3, OvercommitMemory: 1, MaxWritesPerPass: rnd.IntN(12)}
		pressure := func(i int, d *scaling.Decision) float64 { return float64(d.VMID%7) / 7 }

		// One Pass, each decision in turn.
		want := slices.Clone(all)
		var order []int
		var wantIdle []scaling.Decision
		for i := range want {
			if len(want[i].Changes) > 0 {
				order = append(order, i)
			} else {
				wantIdle = append(wantIdle, want[i])
			}
		}
		urgency.Order(want, order, pressure)
		var capacity []scaling.NodeCapacity
		for _, n := range nodes {
			capacity = append(capacity, scaling.NodeCapacity{Node: n.Name, CPUs: n.CPUs, MemoryBytes: n.MemoryBytes})
		}
		pass := scaling.NewGuard(opts).NewPass(capacity, listing.AllocatedOf(cts))
		var wantAdmitted []scaling.Decision
		for _, i := range order {
			want[i] = pass.Admit(want[i])
			wantAdmitted = append(wantAdmitted, want[i])
		}
		if pass.Settled() && len(order) > opts.MaxWritesPerPass+1 {
			settled++
		}

		got := slices.Clone(all)
		idle, admitted := Admit(nodes, cts, got, scaling.NewGuard(opts), 1+rnd.IntN(4), pressure)
		for _, c := range []struct {
			what      string
			got, want []scaling.Decision
		}{{"idle", idle, wantIdle}, {"admitted", admitted, wantAdmitted}, {"all", got, want}} {
			if g, w := fmt.Sprintf("%+v", c.got), fmt.Sprintf("%+v", c.want); g != w {
				t.Fatalf("round %d: %s\n%s\nwant\n%s", round, c.what, g, w)
			}
		}
	}
	if settled < 50 {
		t.Errorf("%d rounds spent their budget with decisions left to guard: too few", settled)
	}
}
