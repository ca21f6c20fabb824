package scaling

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// admitByCopy is Pass.Admit as it was first written: the changes that
// pass always copied into a new array.
func (p *Pass) admitByCopy(d Decision) Decision {
	if len(d.Changes) == 0 {
		return d
	}
	out := d
	out.Changes = make([]Change, 0, len(d.Changes))
	out.Holds = slices.Clip(d.Holds)
	room := p.nodes[d.Node]
	var cores, memory float64
	for _, c := range d.Changes {
		switch c.Resource {
		case ResourceCores:
			delta := float64(c.To - c.From)
			if delta > 0 {
				if n, ok := room.fitsCores(d.Node, delta); !ok {
					out.Holds = append(out.Holds, Hold{Resource: c.Resource, Reason: SkipCapacity, note: n})
					continue
				}
			}
			cores += delta
		case ResourceMemory:
			delta := float64(c.To-c.From) * mib
			if delta > 0 {
				if n, ok := room.fitsMemory(d.Node, delta); !ok {
					out.Holds = append(out.Holds, Hold{Resource: c.Resource, Reason: SkipCapacity, note: n})
					continue
				}
			}
			memory += delta
		}
		out.Changes = append(out.Changes, c)
	}
	if len(out.Changes) == 0 {
		out.Changes = nil
		return out
	}
	if d.Mode == ModeEnforce || d.Mode == ModeDryRun {
		if p.maxWrites > 0 && p.writes >= p.maxWrites {
			for _, c := range out.Changes {
				n := note{kind: noteWriteLimit, below: c.Direction == Down}
				n.n[0], n.n[1], n.n[2] = c.From, c.To, int64(p.maxWrites)
				out.Holds = append(out.Holds, Hold{Resource: c.Resource, Reason: SkipWriteLimit, note: n})
			}
			out.Changes = nil
			return out
		}
		p.writes++
		if room != nil {
			room.cores += cores
			room.memory += memory
		}
	}
	return out
}

// Admit, sharing the changes that pass whole, admits and holds as the
// copying version did, hold for hold and text for text, over random
// passes of increases and decreases on crowded nodes, an unknown node,
// every mode and a small write budget; and it never writes into the
// arrays of the decision it is given.
func TestGuardAdmitMatchesTheCopyingAdmit(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 19))
	nodes := []NodeCapacity{{Node: "pve1", CPUs: 8, MemoryBytes: 16 * gib}, {Node: "pve2", CPUs: 4, MemoryBytes: 8 * gib}}
	resources := []Resource{ResourceCores, ResourceMemory, ResourceSwap, ResourceDisk}
	for pass := range 300 {
		g := NewGuard(GuardOptions{OvercommitCPU: 1 + rng.Float64(), OvercommitMemory: 1, ReserveCores: 1, ReserveMemory: gib, MaxWritesPerPass: rng.IntN(6)})
		allocated := map[string]Allocated{"pve1": {Cores: float64(rng.IntN(12)), MemoryBytes: uint64(rng.IntN(16)) * gib}, "pve2": {Cores: float64(rng.IntN(6))}}
		shared, copying := g.NewPass(nodes, allocated), g.NewPass(nodes, allocated)
		for i := range 40 {
			d := Decision{VMID: 100 + i, Node: []string{"pve1", "pve2", "pve9"}[rng.IntN(3)], Mode: []Mode{ModeEnforce, ModeDryRun, ModeRecommend}[rng.IntN(3)]}
			for _, r := range resources {
				if rng.IntN(2) == 0 {
					continue
				}
				from := int64(1 + rng.IntN(8))
				if r == ResourceMemory || r == ResourceSwap {
					from *= 512
				}
				to := from + (from/2)*int64(rng.IntN(3)-1)
				dir := Up
				if to < from {
					dir = Down
				}
				d.Changes = append(d.Changes, Change{Resource: r, Direction: dir, From: from, To: to})
			}
			if rng.IntN(3) == 0 {
				d.Holds = append(d.Holds, Hold{Resource: ResourceDisk, Reason: SkipStabilizing, Text: "kept"})
			}
			changes, holds := slices.Clone(d.Changes), slices.Clone(d.Holds)
			want := copying.admitByCopy(d)
			got := shared.Admit(d)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("pass %d decision %d: admitted %+v, want %+v", pass, i, got, want)
			}
			for j := range got.Holds {
				if got.Holds[j].Detail() != want.Holds[j].Detail() {
					t.Fatalf("pass %d decision %d hold %d: %q, want %q", pass, i, j, got.Holds[j].Detail(), want.Holds[j].Detail())
				}
			}
			if !slices.Equal(d.Changes, changes) || !reflect.DeepEqual(d.Holds, holds) {
				t.Fatalf("pass %d decision %d: Admit wrote into the decision it was given", pass, i)
			}
		}
		if shared.Writes() != copying.Writes() {
			t.Fatalf("pass %d: %d writes, want %d", pass, shared.Writes(), copying.Writes())
		}
	}
}
