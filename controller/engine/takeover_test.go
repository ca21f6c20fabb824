package engine

import (
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/policies"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// takeoverRun follows for passes ticks 10 s apart with container 101's
// memory at 95 % (it wants memory up), then leads one tick. edit changes
// the listing of tick i (the takeover tick is i == passes). It returns the
// leading tick's result and decision, and the container's state.
func takeoverRun(t *testing.T, passes int, mode scaling.Mode, edit func(i int, ct *proxmox.Container)) (StepResult, scaling.Decision, scaling.ContainerState) {
	t.Helper()
	nodes := []proxmox.Node{{Name: "pve1", CPUs: 16, MemoryBytes: 64 << 30}}
	sel := policies.Selection{Default: scaling.Rules{Mode: mode,
		Memory: scaling.MemoryRules{Enabled: true, Up: 0.8, Down: 0.3, Step: 512 << 20, Min: 256 << 20, Max: 16 << 30}}}
	e := New(Options{Interval: 10 * time.Second, Window: 10 * time.Minute, ShortPeriod: time.Minute, Scale: true, NoteResizes: true}, Hooks{})
	var r StepResult
	for i := 0; i <= passes; i++ {
		ct := proxmox.Container{VMID: 101, Node: "pve1", Status: "running", CPUs: 2, MaxMem: 2 << 30, MaxDisk: 8 << 30, Uptime: time.Duration(1000+10*i) * time.Second}
		if edit != nil {
			edit(i, &ct)
		}
		ct.Mem = ct.MaxMem / 100 * 95
		e.Following = i < passes
		r = e.Step(Tick{End: t0.Add(time.Duration(i) * 10 * time.Second), Nodes: nodes, Containers: []proxmox.Container{ct}},
			sel, scaling.NewGuard(scaling.GuardOptions{}), nil)
		if i == 0 && ct.Lock == "" && (len(r.All) != 1 || len(r.All[0].Changes) != 1 || r.All[0].Changes[0].Resource != scaling.ResourceMemory) {
			t.Fatalf("the first pass decided %+v, want a change of memory", r.All)
		}
		if ct.Lock != "" && (len(r.All) != 1 || len(r.All[0].Changes) != 0 || r.All[0].Holds[0].Reason != scaling.SkipLocked) {
			t.Fatalf("pass %d on a container listed locked decided %+v, want the change held as locked", i, r.All)
		}
	}
	var st scaling.ContainerState
	if s := e.States[101]; s != nil {
		st = *s
	}
	return r, r.All[0], st
}

func TestTakeoverInheritsBackoffs(t *testing.T) {
	// Wanted from t0 through t0+70s (8 passes) and never seen made: the old
	// leader's ladder failed at t0 and t0+30s and retries at t0+90s.
	r, d, st := takeoverRun(t, 8, scaling.ModeEnforce, nil)
	if r.Inherited != 1 || st.Failures != 2 || !st.RetryAfter.Equal(t0.Add(90*time.Second)) {
		t.Fatalf("inherited %d, failures %d, retry after %s; want 1, 2, %s", r.Inherited, st.Failures, st.RetryAfter, t0.Add(90*time.Second))
	}
	if len(d.Changes) != 0 || len(d.Holds) == 0 || d.Holds[0].Reason != scaling.SkipBackoff {
		t.Errorf("the new leader's decision %+v, want the change held by the backoff", d)
	}

	cases := []struct {
		name   string
		passes int
		mode   scaling.Mode
		edit   func(i int, ct *proxmox.Container)
	}{
		// Three passes spanning 20 s: a healthy leader may lag that much.
		{"short run", 3, scaling.ModeEnforce, nil},
		// The old leader's write landed before the takeover's listing.
		{"made before the takeover", 8, scaling.ModeEnforce, func(i int, ct *proxmox.Container) {
			if i == 8 {
				ct.MaxMem += 512 << 20
			}
		}},
		// Made at the fifth pass and wanted again since: 3 passes, 20 s.
		{"made, wanted again", 8, scaling.ModeEnforce, func(i int, ct *proxmox.Container) {
			if i >= 5 {
				ct.MaxMem += 512 << 20
			}
		}},
		// No leader writes a locked container, nor in recommend mode.
		{"locked", 8, scaling.ModeEnforce, func(i int, ct *proxmox.Container) {
			if i < 8 {
				ct.Lock = "backup"
			}
		}},
		{"recommend", 8, scaling.ModeRecommend, nil},
		// A pass without the want breaks the run: 3 passes after it, 20 s.
		{"broken run", 8, scaling.ModeEnforce, func(i int, ct *proxmox.Container) {
			if i == 4 {
				ct.Lock = "backup"
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, d, st := takeoverRun(t, c.passes, c.mode, c.edit)
			if r.Inherited != 0 || st.Failures != 0 || !st.RetryAfter.IsZero() {
				t.Errorf("inherited %d, failures %d, retry after %s; want none", r.Inherited, st.Failures, st.RetryAfter)
			}
			if c.mode == scaling.ModeEnforce && c.edit == nil && len(d.Changes) == 0 {
				t.Errorf("the new leader holds %+v", d.Holds)
			}
		})
	}
}
