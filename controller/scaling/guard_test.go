package scaling

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

func guardDecision(vmid int, node string, mode Mode, changes ...Change) Decision {
	return Decision{VMID: vmid, Node: node, Mode: mode, Changes: changes}
}

func TestGuardAdmit(t *testing.T) {
	node := func(name string, cpus int, memGiB uint64) NodeCapacity {
		return NodeCapacity{Node: name, CPUs: cpus, MemoryBytes: memGiB * gib}
	}
	plain := GuardOptions{OvercommitCPU: 1, OvercommitMemory: 1}
	type admitted struct {
		d       Decision
		changes []Change // the Changes Admit returns, nil for none
		holds   []Hold   // the Holds Admit adds (resource and reason)
	}
	tests := []struct {
		name      string
		opts      GuardOptions
		nodes     []NodeCapacity
		allocated map[string]Allocated
		steps     []admitted
		writes    int
	}{
		{
			name: "an increase up to the capacity fits (inclusive)", opts: plain,
			nodes: []NodeCapacity{node("pve1", 8, 32)}, allocated: map[string]Allocated{"pve1": {Cores: 6}},
			steps:  []admitted{{d: guardDecision(1, "pve1", ModeEnforce, up(ResourceCores, 2, 4)), changes: []Change{up(ResourceCores, 2, 4)}}},
			writes: 1,
		},
		{
			name: "an increase past the capacity is held", opts: plain,
			nodes: []NodeCapacity{node("pve1", 8, 32)}, allocated: map[string]Allocated{"pve1": {Cores: 6.5}},
			steps: []admitted{{d: guardDecision(1, "pve1", ModeEnforce, up(ResourceCores, 2, 4)), holds: []Hold{held(ResourceCores, SkipCapacity)}}},
		},
		{
			name: "the reserve is kept for the host", opts: GuardOptions{OvercommitCPU: 1, OvercommitMemory: 1, ReserveCores: 2},
			nodes: []NodeCapacity{node("pve1", 8, 32)}, allocated: map[string]Allocated{"pve1": {Cores: 5}},
			steps: []admitted{
				{d: guardDecision(1, "pve1", ModeEnforce, up(ResourceCores, 1, 3)), holds: []Hold{held(ResourceCores, SkipCapacity)}},
				{d: guardDecision(2, "pve1", ModeEnforce, up(ResourceCores, 1, 2)), changes: []Change{up(ResourceCores, 1, 2)}},
			},
			writes: 1,
		},
		{
			name: "overcommit multiplies what is left after the reserve", opts: GuardOptions{OvercommitCPU: 2, OvercommitMemory: 1, ReserveCores: 1},
			nodes: []NodeCapacity{node("pve1", 8, 32)}, allocated: map[string]Allocated{"pve1": {Cores: 12}},
			steps: []admitted{
				{d: guardDecision(1, "pve1", ModeEnforce, up(ResourceCores, 2, 4)), changes: []Change{up(ResourceCores, 2, 4)}},
				{d: guardDecision(2, "pve1", ModeEnforce, up(ResourceCores, 2, 3)), holds: []Hold{held(ResourceCores, SkipCapacity)}},
			},
			writes: 1,
		},
		{
			name: "memory: capacity less the reserve", opts: GuardOptions{OvercommitCPU: 1, OvercommitMemory: 1, ReserveMemory: 2 * gib},
			nodes: []NodeCapacity{node("pve1", 8, 16)}, allocated: map[string]Allocated{"pve1": {MemoryBytes: 13 * gib}},
			steps: []admitted{
				{d: guardDecision(1, "pve1", ModeEnforce, up(ResourceMemory, 1024, 3072)), holds: []Hold{held(ResourceMemory, SkipCapacity)}},
				{d: guardDecision(2, "pve1", ModeEnforce, up(ResourceMemory, 1024, 2048)), changes: []Change{up(ResourceMemory, 1024, 2048)}},
				{d: guardDecision(3, "pve1", ModeEnforce, up(ResourceMemory, 1024, 1025)), holds: []Hold{held(ResourceMemory, SkipCapacity)}},
			},
			writes: 1,
		},
		{
			name: "decreases free room for later decisions", opts: plain,
			nodes: []NodeCapacity{node("pve1", 8, 32)}, allocated: map[string]Allocated{"pve1": {Cores: 8}},
			steps: []admitted{
				{d: guardDecision(1, "pve1", ModeEnforce, up(ResourceCores, 2, 3)), holds: []Hold{held(ResourceCores, SkipCapacity)}},
				{d: guardDecision(2, "pve1", ModeEnforce, down(ResourceCores, 4, 2)), changes: []Change{down(ResourceCores, 4, 2)}},
				{d: guardDecision(3, "pve1", ModeEnforce, up(ResourceCores, 2, 4)), changes: []Change{up(ResourceCores, 2, 4)}},
				{d: guardDecision(4, "pve1", ModeEnforce, up(ResourceCores, 2, 3)), holds: []Hold{held(ResourceCores, SkipCapacity)}},
			},
			writes: 2,
		},
		{
			name: "decreases pass on an overfull node", opts: plain,
			nodes: []NodeCapacity{node("pve1", 8, 4)}, allocated: map[string]Allocated{"pve1": {Cores: 20, MemoryBytes: 10 * gib}},
			steps: []admitted{{
				d:       guardDecision(1, "pve1", ModeEnforce, down(ResourceCores, 4, 3), down(ResourceMemory, 4096, 2048)),
				changes: []Change{down(ResourceCores, 4, 3), down(ResourceMemory, 4096, 2048)},
			}},
			writes: 1,
		},
		{
			name: "one resource held, the others go ahead", opts: plain,
			nodes: []NodeCapacity{node("pve1", 8, 32)}, allocated: map[string]Allocated{"pve1": {Cores: 8, MemoryBytes: 8 * gib}},
			steps: []admitted{{
				d:       guardDecision(1, "pve1", ModeEnforce, up(ResourceCores, 2, 3), up(ResourceMemory, 1024, 2048), up(ResourceDisk, 10*gib, 12*gib)),
				changes: []Change{up(ResourceMemory, 1024, 2048), up(ResourceDisk, 10*gib, 12*gib)},
				holds:   []Hold{held(ResourceCores, SkipCapacity)},
			}},
			writes: 1,
		},
		{
			name: "swap and disk do not count against the node", opts: plain,
			nodes: []NodeCapacity{node("pve1", 1, 1)}, allocated: map[string]Allocated{"pve1": {Cores: 8, MemoryBytes: 8 * gib}},
			steps: []admitted{{
				d:       guardDecision(1, "pve1", ModeEnforce, up(ResourceSwap, 0, 4096), up(ResourceDisk, 10*gib, 12*gib)),
				changes: []Change{up(ResourceSwap, 0, 4096), up(ResourceDisk, 10*gib, 12*gib)},
			}},
			writes: 1,
		},
		{
			name: "a node the pass does not know has no room", opts: plain,
			nodes: []NodeCapacity{node("pve1", 64, 256)},
			steps: []admitted{{
				d:       guardDecision(1, "pve9", ModeEnforce, up(ResourceCores, 2, 3), down(ResourceMemory, 2048, 1024)),
				changes: []Change{down(ResourceMemory, 2048, 1024)},
				holds:   []Hold{held(ResourceCores, SkipCapacity)},
			}},
			writes: 1,
		},
		{
			name: "a node missing from allocated has nothing allocated", opts: plain,
			nodes:  []NodeCapacity{node("pve1", 4, 8)},
			steps:  []admitted{{d: guardDecision(1, "pve1", ModeEnforce, up(ResourceCores, 0, 4)), changes: []Change{up(ResourceCores, 0, 4)}}},
			writes: 1,
		},
		{
			name: "the write budget counts decisions, not changes", opts: GuardOptions{MaxWritesPerPass: 2},
			nodes: []NodeCapacity{node("pve1", 64, 256)},
			steps: []admitted{
				{d: guardDecision(1, "pve1", ModeEnforce, up(ResourceCores, 1, 2), up(ResourceMemory, 512, 1024)), changes: []Change{up(ResourceCores, 1, 2), up(ResourceMemory, 512, 1024)}},
				{d: guardDecision(2, "pve1", ModeDryRun, up(ResourceCores, 1, 2)), changes: []Change{up(ResourceCores, 1, 2)}},
				{
					d:     guardDecision(3, "pve1", ModeEnforce, up(ResourceCores, 1, 2), down(ResourceMemory, 2048, 1024)),
					holds: []Hold{held(ResourceCores, SkipWriteLimit), held(ResourceMemory, SkipWriteLimit)},
				},
				{d: guardDecision(4, "pve1", ModeRecommend, up(ResourceCores, 1, 2)), changes: []Change{up(ResourceCores, 1, 2)}},
			},
			writes: 2,
		},
		{
			name: "a decision the capacity held entirely uses no write", opts: GuardOptions{MaxWritesPerPass: 1},
			nodes: []NodeCapacity{node("pve1", 2, 256)}, allocated: map[string]Allocated{"pve1": {Cores: 2}},
			steps: []admitted{
				{d: guardDecision(1, "pve1", ModeEnforce, up(ResourceCores, 1, 2)), holds: []Hold{held(ResourceCores, SkipCapacity)}},
				{d: guardDecision(2, "pve1", ModeEnforce, down(ResourceCores, 2, 1)), changes: []Change{down(ResourceCores, 2, 1)}},
			},
			writes: 1,
		},
		{
			name: "recommendations need room but take none", opts: plain,
			nodes: []NodeCapacity{node("pve1", 4, 256)}, allocated: map[string]Allocated{"pve1": {Cores: 2}},
			steps: []admitted{
				{d: guardDecision(1, "pve1", ModeRecommend, up(ResourceCores, 1, 3)), changes: []Change{up(ResourceCores, 1, 3)}},
				{d: guardDecision(2, "pve1", ModeRecommend, up(ResourceCores, 1, 4)), holds: []Hold{held(ResourceCores, SkipCapacity)}},
				{d: guardDecision(3, "pve1", ModeRecommend, down(ResourceCores, 2, 1)), changes: []Change{down(ResourceCores, 2, 1)}},
				{d: guardDecision(4, "pve1", ModeEnforce, up(ResourceCores, 1, 3)), changes: []Change{up(ResourceCores, 1, 3)}},
				{d: guardDecision(5, "pve1", ModeRecommend, up(ResourceCores, 1, 2)), holds: []Hold{held(ResourceCores, SkipCapacity)}},
			},
			writes: 1,
		},
		{
			name: "dry runs take room like enforce", opts: plain,
			nodes: []NodeCapacity{node("pve1", 4, 256)}, allocated: map[string]Allocated{"pve1": {Cores: 2}},
			steps: []admitted{
				{d: guardDecision(1, "pve1", ModeDryRun, up(ResourceCores, 1, 3)), changes: []Change{up(ResourceCores, 1, 3)}},
				{d: guardDecision(2, "pve1", ModeEnforce, up(ResourceCores, 1, 2)), holds: []Hold{held(ResourceCores, SkipCapacity)}},
			},
			writes: 1,
		},
		{
			name: "a decision over the budget takes no room", opts: GuardOptions{MaxWritesPerPass: 1},
			nodes: []NodeCapacity{node("pve1", 4, 256)}, allocated: map[string]Allocated{"pve1": {Cores: 1}},
			steps: []admitted{
				{d: guardDecision(1, "pve1", ModeEnforce, up(ResourceMemory, 1024, 2048)), changes: []Change{up(ResourceMemory, 1024, 2048)}},
				{d: guardDecision(2, "pve1", ModeEnforce, up(ResourceCores, 1, 3)), holds: []Hold{held(ResourceCores, SkipWriteLimit)}},
				{d: guardDecision(3, "pve1", ModeRecommend, up(ResourceCores, 1, 4)), changes: []Change{up(ResourceCores, 1, 4)}},
			},
			writes: 1,
		},
		{
			name: "zero options: no overcommit, no budget", opts: GuardOptions{},
			nodes: []NodeCapacity{node("pve1", 4, 8)},
			steps: []admitted{
				{d: guardDecision(1, "pve1", ModeEnforce, up(ResourceCores, 0, 4), up(ResourceMemory, 0, 8192)), changes: []Change{up(ResourceCores, 0, 4), up(ResourceMemory, 0, 8192)}},
				{d: guardDecision(2, "pve1", ModeEnforce, up(ResourceMemory, 0, 1)), holds: []Hold{held(ResourceMemory, SkipCapacity)}},
				{d: guardDecision(3, "pve1", ModeEnforce, down(ResourceMemory, 2, 1)), changes: []Change{down(ResourceMemory, 2, 1)}},
				{d: guardDecision(4, "pve1", ModeEnforce, down(ResourceMemory, 2, 1)), changes: []Change{down(ResourceMemory, 2, 1)}},
			},
			writes: 3,
		},
		{
			name: "a reserve larger than the node leaves no room", opts: GuardOptions{ReserveCores: 16, ReserveMemory: 64 * gib},
			nodes: []NodeCapacity{node("pve1", 8, 32)},
			steps: []admitted{{
				d:     guardDecision(1, "pve1", ModeEnforce, up(ResourceCores, 0, 1), up(ResourceMemory, 0, 1)),
				holds: []Hold{held(ResourceCores, SkipCapacity), held(ResourceMemory, SkipCapacity)},
			}},
		},
		{
			name: "no changes: nothing to admit", opts: GuardOptions{MaxWritesPerPass: 1},
			nodes: []NodeCapacity{node("pve1", 8, 32)},
			steps: []admitted{
				{d: guardDecision(1, "pve1", ModeEnforce)},
				{d: guardDecision(2, "pve1", ModeEnforce, up(ResourceCores, 1, 2)), changes: []Change{up(ResourceCores, 1, 2)}},
			},
			writes: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pass := NewGuard(tt.opts).NewPass(tt.nodes, tt.allocated)
			for i, s := range tt.steps {
				got := pass.Admit(s.d)
				if got.VMID != s.d.VMID || got.Node != s.d.Node || got.Mode != s.d.Mode {
					t.Errorf("step %d: Admit changed the decision's identity: %+v", i, got)
				}
				if !reflect.DeepEqual(got.Changes, s.changes) {
					t.Errorf("step %d: changes = %+v\nwant %+v", i, got.Changes, s.changes)
				}
				var holds []Hold
				for _, h := range got.Holds {
					if h.Detail() == "" {
						t.Errorf("step %d: hold %+v has no detail", i, h)
					}
					holds = append(holds, Hold{Resource: h.Resource, Reason: h.Reason})
				}
				if !reflect.DeepEqual(holds, s.holds) {
					t.Errorf("step %d: holds = %+v\nwant %+v", i, holds, s.holds)
				}
			}
			if got := pass.Writes(); got != tt.writes {
				t.Errorf("Writes = %d, want %d", got, tt.writes)
			}
		})
	}
}

func TestGuardAdmitKeepsDecideHolds(t *testing.T) {
	pass := NewGuard(GuardOptions{}).NewPass([]NodeCapacity{{Node: "pve1", CPUs: 1, MemoryBytes: gib}}, map[string]Allocated{"pve1": {Cores: 1}})
	holds := make([]Hold, 1, 4) // room to append in place: Admit must not
	holds[0] = Hold{Resource: ResourceDisk, Reason: SkipCooldown, Text: "from Decide"}
	d := Decision{VMID: 1, Node: "pve1", Mode: ModeEnforce, Holds: holds, Changes: []Change{up(ResourceCores, 1, 2)}}
	got := pass.Admit(d)
	want := []SkipReason{SkipCooldown, SkipCapacity}
	var reasons []SkipReason
	for _, h := range got.Holds {
		reasons = append(reasons, h.Reason)
	}
	if !slices.Equal(reasons, want) {
		t.Errorf("holds = %v, want %v", reasons, want)
	}
	if len(d.Changes) != 1 || d.Changes[0] != up(ResourceCores, 1, 2) {
		t.Errorf("Admit changed its argument's changes: %+v", d.Changes)
	}
	if extra := holds[:2][1]; extra != (Hold{}) {
		t.Errorf("Admit wrote into the caller's holds array: %+v", extra)
	}
	if detail := got.Holds[1].Detail(); !strings.Contains(detail, "cores +1: node pve1 has 1 of 1 allowed ((1 cpus - 0 reserved) x 1)") {
		t.Errorf("capacity detail = %q", detail)
	}
}
