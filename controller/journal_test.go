package controller

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/workload"
)

var coresUp = scaling.Change{Resource: scaling.ResourceCores, Direction: scaling.Up, From: 2, To: 3, Text: "cpu"}

// passWithoutSave is a pass that dies before its state save: what a kill -9
// right after the writes does.
func passWithoutSave(t *testing.T, c *Controller) {
	t.Helper()
	ctx := context.Background()
	tk, err := c.collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c.applyRequests()
	c.Observe(tk)
	decisions := c.scoreAndDecide(tk)
	c.learnConfigs(ctx, tk, decisions)
	c.act(ctx, tk, decisions)
}

func TestWriteKilledBeforeTheStateSaveKeepsItsCooldown(t *testing.T) {
	sim, client, path, mutate := busyWithStateFile(t)
	c := newLoop(t, client, mutate)
	c.loadState()
	passWithoutSave(t, c)
	cores := func() string { ct, _ := sim.Container(101); return ct.Config["cores"] }
	if got := cores(); got != "2" {
		t.Fatalf("cores = %s after the busy container's first passes, want 2", got)
	}
	// The process is gone: its state file says nothing of the write.
	if saved, err := LoadState(path, time.Now()); err != nil || saved.Containers[101] != nil {
		t.Fatalf("state file before the restart: %+v, %v; want nothing about 101", saved.Containers[101], err)
	}

	again := newLoop(t, client, mutate)
	again.loadState()
	for range 3 {
		sim.Clock().Advance(10 * time.Second)
		again.pass(context.Background())
	}
	if got := cores(); got != "2" {
		t.Errorf("cores = %s after a kill before the state save: the cooldown of the write was lost", got)
	}
	// The first save after the restart holds the replayed write, so the
	// journal is emptied.
	saved, err := LoadState(path, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if a := saved.Containers[101].LastAction[scaling.ResourceCores]; a.To != 2 || a.Time.IsZero() {
		t.Errorf("saved last action of 101's cores: %+v, want the write to 2", a)
	}
	if info, err := os.Stat(journalPath(path)); err != nil || info.Size() != 0 {
		t.Errorf("journal after a save holding all of it: %v, %v; want empty", info, err)
	}
}

func TestManualChangeKilledBeforeTheNextPassKeepsItsCooldown(t *testing.T) {
	sim, client, _, mutate := busyWithStateFile(t)
	c := newLoop(t, client, mutate)
	c.loadState()
	// An operator set 1 core (through the API); the process dies before
	// the next pass takes the change into its state.
	c.RecordManual(101, []scaling.Outcome{{
		Change: scaling.Change{Resource: scaling.ResourceCores, Direction: scaling.Up, From: 1, To: 1, Text: "manual"},
		Result: scaling.ResultApplied,
	}})
	again := newLoop(t, client, mutate)
	again.loadState()
	for range 3 {
		sim.Clock().Advance(10 * time.Second)
		again.pass(context.Background())
	}
	if ct, _ := sim.Container(101); ct.Config["cores"] != "1" {
		t.Errorf("cores = %s: the loop scaled up inside the cooldown of a manual change made before a kill", ct.Config["cores"])
	}
}

func TestDryRunWritesNothingToTheJournal(t *testing.T) {
	_, client := newLoopSim(t, pvesim.Options{Nodes: 1, Speed: 0, Specs: []pvesim.ContainerSpec{
		{VMID: 101, Node: "pve1", Cores: 1, MemoryMiB: 2048, DiskGiB: 8, Workload: workload.Busy},
	}})
	path := filepath.Join(t.TempDir(), "state.json")
	c := newLoop(t, client, func(o *Options) {
		o.StateFile = path
		o.Selection.Default.Mode = scaling.ModeDryRun
	})
	c.loadState()
	passWithoutSave(t, c)
	c.RecordManual(101, []scaling.Outcome{{Change: coresUp, Result: scaling.ResultDryRun}})
	if st := c.state.Containers[101]; st == nil || len(st.DryRunAction) == 0 {
		t.Fatal("the dry run decided nothing; the test proves nothing")
	}
	if b, err := os.ReadFile(journalPath(path)); len(b) != 0 || (err != nil && !errors.Is(err, fs.ErrNotExist)) {
		t.Errorf("journal after a dry run: %q, %v; want nothing", b, err)
	}
}

func TestNoJournalWithoutAStateFile(t *testing.T) {
	_, client := newLoopSim(t, pvesim.Options{Nodes: 1, Speed: 0, Specs: []pvesim.ContainerSpec{
		{VMID: 101, Node: "pve1", Cores: 1, MemoryMiB: 2048, DiskGiB: 8, Workload: workload.Busy},
	}})
	c := newLoop(t, client, nil)
	if c.journal != nil {
		t.Fatal("a journal without a state file")
	}
	t.Chdir(t.TempDir())
	c.loadState()
	c.pass(context.Background())
	c.RecordManual(101, []scaling.Outcome{{Change: coresUp, Result: scaling.ResultApplied}})
	if left, _ := os.ReadDir("."); len(left) != 0 {
		t.Errorf("files written without a state file: %v", left)
	}
}

func TestManualChangeWaitingAtASaveStaysInTheJournal(t *testing.T) {
	sim, client := newLoopSim(t, pvesim.Options{Nodes: 1, Speed: 0, Specs: []pvesim.ContainerSpec{
		{VMID: 101, Node: "pve1", Cores: 1, MemoryMiB: 2048, DiskGiB: 8, Workload: workload.Busy},
		{VMID: 102, Node: "pve1", Cores: 1, MemoryMiB: 2048, DiskGiB: 8, Workload: workload.Idle},
	}})
	path := filepath.Join(t.TempDir(), "state.json")
	mutate := func(o *Options) {
		o.StateFile = path
		o.Selection.Default.CooldownUp = time.Hour
		o.Selection.Default.Memory.Enabled = false
		o.Selection.Default.Disk.Enabled = false
	}
	c := newLoop(t, client, mutate)
	c.loadState()
	ctx := context.Background()
	tk, err := c.collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c.applyRequests()
	c.Observe(tk)
	decisions := c.scoreAndDecide(tk)
	// An operator's change arrives while the pass writes: it is journaled
	// before the pass's write, and reaches the state only next pass.
	c.RecordManual(102, []scaling.Outcome{{Change: scaling.Change{Resource: scaling.ResourceCores, Direction: scaling.Up, From: 1, To: 2}, Result: scaling.ResultApplied}})
	c.act(ctx, tk, decisions)
	if ct, _ := sim.Container(101); ct.Config["cores"] != "2" {
		t.Fatalf("101 has %s cores, want the pass's write to 2", ct.Config["cores"])
	}
	c.saveState(true)
	// Killed before the next pass.

	again := newLoop(t, client, mutate)
	again.loadState()
	for vmid, what := range map[int]string{101: "the pass's write", 102: "the manual change waiting at the save"} {
		var last scaling.Action
		if cs := again.state.Containers[vmid]; cs != nil {
			last = cs.LastAction[scaling.ResourceCores]
		}
		if last.To != 2 || last.Time.IsZero() {
			t.Errorf("%d after a restart: last action of its cores %+v; %s was lost", vmid, last, what)
		}
	}
}

// scoreAndDecide scores and decides with the policies in force, as the
// pass does through Engine.Step (a test's own: it runs the halves apart).
func (c *Controller) scoreAndDecide(t engine.Tick) []scaling.Decision {
	sel, _ := c.policies()
	return c.Engine.ScoreAndDecide(t, sel)
}

// act guards the decisions and applies them, most urgent first, as the
// pass does through Engine.Step and apply.
func (c *Controller) act(ctx context.Context, t engine.Tick, all []scaling.Decision) {
	_, guard := c.policies()
	idle, admitted := c.Engine.Admit(t, all, guard)
	c.apply(ctx, idle, admitted)
}
