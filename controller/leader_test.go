package controller

import (
	"context"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/workload"
)

func configWrites(sim *pvesim.Sim) int {
	n := 0
	for _, r := range sim.Requests() {
		if r.Method != "GET" && r.Route == "/nodes/{node}/lxc/{vmid}/config" {
			n++
		}
	}
	return n
}

// A follower observes and decides but never writes; a change the old
// leader made while it watched starts the cooldown it then honours as
// the new leader. The container asks for more cores without being pinned
// at them (a steady 0.27-1.65 cores on 2, above an up threshold of 0.1):
// one pinned under what an increase made would grow at once (fast
// relief), cooldown or not.
func TestFollowerNeverWritesAndKeepsTheOldLeadersCooldown(t *testing.T) {
	sim, client := newLoopSim(t, pvesim.Options{Nodes: 1, Speed: 0, Specs: []pvesim.ContainerSpec{
		{VMID: 101, Node: "pve1", Cores: 1, MemoryMiB: 2048, DiskGiB: 8, Workload: workload.Steady},
	}})
	c, now, leading, pass := newReplica(t, sim, client, func(o *Options) {
		cpu := &o.Selection.Default.CPU
		cpu.Up, cpu.Down, cpu.Target, cpu.Max = 0.1, 0.01, 0.05, 3
	})
	for range 3 {
		pass()
	}
	if n := configWrites(sim); n != 0 {
		t.Fatalf("a follower sent %d config writes", n)
	}
	if s := c.Snapshot(); len(s.Containers) != 1 {
		t.Fatalf("a follower's snapshot has %d containers, want the one it observes", len(s.Containers))
	}
	// The leader (another replica) adds a core.
	if err := sim.SetConfig(101, "cores", "2"); err != nil {
		t.Fatal(err)
	}
	pass()
	seen := *now
	*leading = true
	pass()
	if n := configWrites(sim); n != 0 {
		t.Fatalf("the new leader changed cores %s after the old leader's change, inside the 10 m cooldown", now.Sub(seen))
	}
	last := c.Engine.States[101].LastAction[scaling.ResourceCores]
	if last.To != 2 || last.From != 1 || !last.Time.Equal(seen) {
		t.Fatalf("the old leader's change was noted as %+v, want 1 -> 2 at the first listing that showed it (%s)", last, seen)
	}
	for now.Sub(seen) < 10*time.Minute {
		pass()
	}
	if got := mustCores(t, sim, 101); got != "3" {
		t.Fatalf("cores %s after the cooldown, want 3: the new leader scales on", got)
	}
}

// newReplica is a loop in an election (leading says whether it leads),
// with a cooldown up of 10 m; pass moves its clock and the cluster's by
// 10 s and runs a pass; opts change its options further.
func newReplica(t *testing.T, sim *pvesim.Sim, client *proxmox.Client, opts ...func(*Options)) (c *Controller, now *time.Time, leading *bool, pass func()) {
	clock, lead := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC), false
	now, leading = &clock, &lead
	c = newLoop(t, client, func(o *Options) {
		o.Now = func() time.Time { return *now }
		o.Leading = func() bool { return *leading }
		o.Selection.Default.CooldownUp = 10 * time.Minute
		o.Selection.Default.Memory.Enabled = false
		o.Selection.Default.Disk.Enabled = false
		for _, opt := range opts {
			opt(o)
		}
	})
	return c, now, leading, func() {
		t.Helper()
		sim.Clock().Advance(10 * time.Second)
		*now = now.Add(10 * time.Second)
		c.pass(context.Background())
	}
}

func mustCores(t *testing.T, sim *pvesim.Sim, vmid int) string {
	t.Helper()
	ct, ok := sim.Container(vmid)
	if !ok {
		t.Fatalf("no container %d", vmid)
	}
	return ct.Config["cores"]
}

// A replica that started after the old leader's last change never saw it
// happen: its first listing already shows the new allocation. The change
// may have been made just before that listing, so a new leader that knows
// nothing older counts the cooldown from it (the latest time the change
// can have happened), not from nothing.
func TestNewLeaderCountsChangesMadeBeforeItWatched(t *testing.T) {
	sim, client := newLoopSim(t, pvesim.Options{Nodes: 1, Speed: 0, Specs: []pvesim.ContainerSpec{
		{VMID: 101, Node: "pve1", Cores: 1, MemoryMiB: 2048, DiskGiB: 8, Workload: workload.Busy},
	}})
	// The old leader adds a core, then dies; this replica starts after it.
	if err := sim.SetConfig(101, "cores", "2"); err != nil {
		t.Fatal(err)
	}
	_, now, leading, pass := newReplica(t, sim, client)
	pass()
	firstListing := *now
	for range 2 { // following, as until the old lease runs out
		pass()
	}
	*leading = true
	pass()
	if n := configWrites(sim); n != 0 {
		t.Fatalf("the new leader changed cores %s after its first listing, inside the 10 m cooldown of a change that listing may have just missed: %d writes",
			now.Sub(firstListing), n)
	}
	for pass(); now.Sub(firstListing) < 10*time.Minute; pass() {
		if configWrites(sim) != 0 {
			t.Fatalf("the new leader changed cores %s after its first listing, inside the 10 m cooldown", now.Sub(firstListing))
		}
	}
	pass() // the window keeps the listing's time to the second: a second more
	if got := mustCores(t, sim, 101); got != "3" {
		t.Fatalf("cores %s once the cooldown from the first listing ran out, want 3: the new leader scales on", got)
	}
}

// The replica that created the lease followed no leader: nothing it did
// not see can have been made by one, and it scales from its first passes.
func TestFirstLeaderEverWaitsForNoUnseenChange(t *testing.T) {
	sim, client := newLoopSim(t, pvesim.Options{Nodes: 1, Speed: 0, Specs: []pvesim.ContainerSpec{
		{VMID: 101, Node: "pve1", Cores: 1, MemoryMiB: 2048, DiskGiB: 8, Workload: workload.Busy},
	}})
	c, _, leading, pass := newReplica(t, sim, client)
	c.opts.Successor = func() bool { return false }
	*leading = true
	for range 3 {
		pass()
	}
	// Busy stays pinned, so the increase may be followed by a relief at
	// once (relief.go): more than one core is what shows it did not wait.
	if got := mustCores(t, sim, 101); got == "1" {
		t.Fatalf("cores %s after the first leader's first passes, want more: it waited", got)
	}
}
