package controller

import (
	"bytes"
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/controller/backfill"
	"github.com/lxc-autoscale/lxc-autoscale/controller/engine"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/workload"
)

const rrdRoute = "/nodes/{node}/lxc/{vmid}/rrddata"

// backfillContext is the context of passes that start the backfill. It is
// cancelled, and the backfill waited for, when the test ends and before
// the simulated cluster closes, so that nothing reads or logs after it.
func backfillContext(tb testing.TB, c *Controller) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	tb.Cleanup(func() { cancel(); c.stopBackfill() })
	return ctx
}

// awaitBackfill folds, as the loop would, until every container asked for
// is read or given up.
func awaitBackfill(tb testing.TB, c *Controller) {
	tb.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		c.foldBackfill()
		p := c.backfill.Progress()
		if p.Pending == 0 && p.Done+p.Failed >= c.backfill.Asked() {
			break
		}
		if time.Now().After(deadline) {
			tb.Fatalf("backfill still at %+v for %d containers asked", p, c.backfill.Asked())
		}
		time.Sleep(time.Millisecond)
	}
	c.foldBackfill()
}

// rrdReads counts the RRD reads of the hour the simulator served or
// held, by VMID: one per container read (the week follows it, two
// reads more, only once the hour is in).
func rrdReads(sim *pvesim.Sim) map[int]int {
	out := map[int]int{}
	for _, r := range sim.Requests() {
		if hourRead(r) {
			out[vmidOfPath(r.Path)]++
		}
	}
	return out
}

// hourRead is whether r is a read of an RRD hour. A read a fault
// answered or held shows no parameters: it is an hour, the first read of
// each container, since the week is read only after the hour came (and
// a Count fault's failures come before any read succeeds).
func hourRead(r pvesim.Request) bool {
	tf := r.Params.Get("timeframe")
	return r.Route == rrdRoute && (tf == "hour" || tf == "")
}

// The first pass decides at once while every RRD read hangs, passes go on
// on schedule, no more reads are out than the concurrency allows, and
// cancelling Run stops the backfill promptly, its workers included.
func TestPassesDoNotWaitForTheBackfill(t *testing.T) {
	sim, client := newLoopSim(t, pvesim.Options{Nodes: 2, Speed: 0, Containers: 12})
	sim.InjectFault(pvesim.Fault{Route: rrdRoute, Hang: true})
	c, m, _ := newMeteredLoop(t, client, func(o *Options) {
		o.Interval = 50 * time.Millisecond
		o.BackfillConcurrency = 3
		o.Selection.Default.Mode = scaling.ModeDryRun
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()

	deadline := time.Now().Add(time.Minute)
	for testutil.ToFloat64(m.passes.WithLabelValues("ok")) < 3 {
		if time.Now().After(deadline) {
			t.Fatal("fewer than 3 passes in a minute while the backfill hangs")
		}
		time.Sleep(5 * time.Millisecond)
	}
	snap := c.Snapshot()
	running, decided := 0, 0
	for _, v := range snap.Containers {
		if v.Status == "running" {
			running++
		}
		if v.Decision != nil {
			decided++
		}
	}
	if running == 0 || decided == 0 {
		t.Fatalf("%d running containers, %d decisions after 3 passes", running, decided)
	}
	if snap.Backfill.Pending != running || snap.Backfill.Done != 0 {
		t.Errorf("backfill %+v while every read hangs; want %d pending, none done", snap.Backfill, running)
	}
	if got := testutil.ToFloat64(m.backfillLeft); int(got) != running {
		t.Errorf("backfill_pending = %v, want %d", got, running)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10 s of its cancellation while the backfill hung")
	}
	select {
	case <-c.backfill.Done():
	default:
		t.Error("Run returned before the backfill had stopped")
	}
	// A hung read is logged when its client gives up: every read ever
	// sent is in the log once the server has seen them end.
	deadline = time.Now().Add(10 * time.Second)
	for len(rrdReads(sim)) < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := len(rrdReads(sim)); n != 3 {
		t.Errorf("%d RRD reads sent while every read hung, want the concurrency (3)", n)
	}
}

// hungRRD makes every RRD read hang until the backfill gives it up after
// 200 ms; a node that did not answer rests 50 ms.
func hungRRD(sim *pvesim.Sim, c *Controller) {
	sim.InjectFault(pvesim.Fault{Route: rrdRoute, Hang: true})
	c.backfill.timeout, c.backfill.rest = 200*time.Millisecond, 50*time.Millisecond
}

// A container whose history has not arrived is not decreased, however
// idle, while one past the up threshold is increased at the first pass;
// once the history is in, the idle one is decreased (the same passes with
// the hour would have done it at once).
func TestNoDecreaseWithoutHistoryButIncreaseAtOnce(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	sim, client := newLoopSim(t, pvesim.Options{Nodes: 1, Speed: 0, Start: now, Specs: []pvesim.ContainerSpec{
		{VMID: 101, Node: "pve1", Cores: 4, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Idle},
		{VMID: 102, Node: "pve1", Cores: 1, MemoryMiB: 2048, DiskGiB: 8, Workload: workload.Busy},
	}})
	c := newLoop(t, client, func(o *Options) {
		o.Now = func() time.Time { return now }
		o.Backfill = true
		o.Model.Enabled = false // an anomalous score would hold the decrease for its own reason
		r := &o.Selection.Default
		r.StabilizationDown = 30 * time.Minute
		r.Memory.Enabled, r.Disk.Enabled = false, false
	})
	hungRRD(sim, c)
	ctx := backfillContext(t, c)
	cores := func(vmid int) string { ct, _ := sim.Container(vmid); return ct.Config["cores"] }
	hold := func(vmid int) scaling.SkipReason {
		for _, v := range c.Snapshot().Containers {
			if v.VMID == vmid && v.Decision != nil {
				for _, h := range v.Decision.Holds {
					if h.Resource == scaling.ResourceCores {
						return h.Reason
					}
				}
			}
		}
		return ""
	}
	tick := func() {
		c.pass(ctx)
		now = now.Add(10 * time.Second)
		sim.Clock().Advance(10 * time.Second)
	}
	tick()
	if got := cores(102); got != "2" {
		t.Errorf("busy container at %s cores after the first pass, want 2 at once", got)
	}
	for range 5 {
		tick()
	}
	if got := cores(101); got != "4" {
		t.Fatalf("idle container at %s cores with a minute of history, want 4 kept", got)
	}
	if got := hold(101); got != scaling.SkipStabilizing {
		t.Errorf("idle container held for %q, want %q (its history does not cover the period)", got, scaling.SkipStabilizing)
	}
	if p := c.Snapshot().Backfill; p.Done != 0 || p.Pending != 2 {
		t.Fatalf("backfill %+v: a history arrived while the reads hang", p)
	}

	sim.ClearFaults()
	awaitBackfill(t, c)
	tick()
	if got := cores(101); got != "3" {
		t.Errorf("idle container at %s cores once its idle hour is in, want 3", got)
	}
}

// The histories go in before the live samples the passes took meanwhile,
// in time order, and leave those samples as they were.
func TestBackfillMergesBeforeTheLiveSamples(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	sim, client := newLoopSim(t, pvesim.Options{Nodes: 1, Speed: 0, Start: now, Specs: []pvesim.ContainerSpec{
		{VMID: 101, Node: "pve1", Cores: 2, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Steady},
	}})
	c, m, _ := newMeteredLoop(t, client, func(o *Options) {
		o.Now = func() time.Time { return now }
		o.Scale = false
	})
	hungRRD(sim, c)
	ctx := backfillContext(t, c)
	start := now
	for range 4 {
		c.pass(ctx)
		now = now.Add(10 * time.Second)
		sim.Clock().Advance(10 * time.Second)
	}
	w := c.Tracked[101].Window
	var live []engine.Sample
	for i := range w.Len() {
		live = append(live, w.At(i))
	}
	if len(live) != 4 {
		t.Fatalf("%d live samples after 4 passes", len(live))
	}

	sim.ClearFaults()
	awaitBackfill(t, c)
	n := w.Len()
	if n < 4+55 {
		t.Fatalf("window holds %d samples, want the 4 live ones and the RRD hour", n)
	}
	for i := 1; i < n; i++ {
		if !w.At(i).Time.After(w.At(i - 1).Time) {
			t.Fatalf("samples %d and %d out of order: %v, %v", i-1, i, w.At(i-1).Time, w.At(i).Time)
		}
	}
	for i := range n - 4 {
		if at := w.At(i).Time; !at.Before(start) || at.Before(start.Add(-time.Hour)) {
			t.Errorf("backfilled sample %d at %v, want within the hour before the first pass (%v)", i, at, start)
		}
	}
	for i, s := range live {
		if got := w.At(n - 4 + i); got != s && !(got.Time.Equal(s.Time) && got.CPU == s.CPU && got.Mem == s.Mem) {
			t.Errorf("live sample %d changed by the merge: %+v, was %+v", i, got, s)
		}
	}
	if got := testutil.ToFloat64(m.backfilled); int(got) != n-4 {
		t.Errorf("backfill_samples_total = %v, want the %d samples held", got, n-4)
	}
}

// The queue reads the containers nearest a decision first: past an up
// threshold (furthest first), then past a down threshold, then the others
// by their distance to one, then those not decided for; ties by VMID.
func TestBackfillReadsTheMostUrgentFirst(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	specs := []pvesim.ContainerSpec{
		{VMID: 101, Node: "pve1", Cores: 1, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Idle},
		{VMID: 102, Node: "pve1", Cores: 2, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Busy},
		{VMID: 103, Node: "pve1", Cores: 1, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Busy},
		{VMID: 104, Node: "pve1", Cores: 3, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Steady},
		{VMID: 105, Node: "pve1", Cores: 1, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Busy, Tags: []string{"autoscale-off"}},
		{VMID: 106, Node: "pve1", Cores: 8, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Steady},
		{VMID: 107, Node: "pve1", Cores: 2, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Steady},
	}
	sim, client := newLoopSim(t, pvesim.Options{Nodes: 1, Speed: 0, Start: now, Specs: specs})
	c := newLoop(t, client, func(o *Options) {
		o.Now = func() time.Time { return now }
		o.Backfill, o.BackfillConcurrency, o.Scale = true, 1, false
		o.Selection.OptOutTag = "autoscale-off"
		o.Selection.Default.Memory.Enabled = false
	})
	c.pass(backfillContext(t, c))
	awaitBackfill(t, c)

	var read []int
	for _, r := range sim.Requests() {
		if hourRead(r) {
			read = append(read, vmidOfPath(r.Path))
		}
	}
	// The order the rule asks for, from the utilisation each container
	// showed in the listing that asked for it.
	up, down := loopRules().CPU.Up, loopRules().CPU.Down
	type key struct {
		vmid  int
		class int
		gap   float64
	}
	var want []key
	for _, v := range c.Snapshot().Containers {
		u := v.CPUUtilisation
		k := key{vmid: v.VMID, class: 2, gap: min(up-u, u-down)}
		switch {
		case v.VMID == 105:
			k = key{vmid: v.VMID, class: 3}
		case u >= up:
			k.class, k.gap = 0, up-u
		case u <= down:
			k.class, k.gap = 1, u-down
		}
		want = append(want, k)
	}
	slices.SortFunc(want, func(a, b key) int {
		return cmp.Or(cmp.Compare(a.class, b.class), cmp.Compare(a.gap, b.gap), cmp.Compare(a.vmid, b.vmid))
	})
	var wantIDs []int
	for _, k := range want {
		wantIDs = append(wantIDs, k.vmid)
	}
	if !slices.Equal(read, wantIDs) {
		t.Errorf("read in the order %v, want %v", read, wantIDs)
	}
	// Both busy managed containers use all their cores: first, by VMID;
	// the opted-out one, as busy, last.
	if len(read) != len(specs) || read[0] != 102 || read[1] != 103 || read[len(read)-1] != 105 {
		t.Errorf("read in the order %v, want 102 and 103 first and 105 last", read)
	}
}

// vmidOfPath is the VMID of /nodes/{node}/lxc/{vmid}/...
func vmidOfPath(path string) int {
	parts := strings.Split(path, "/")
	if i := slices.Index(parts, "lxc"); i >= 0 && i+1 < len(parts) {
		if v, err := strconv.Atoi(parts[i+1]); err == nil {
			return v
		}
	}
	return 0
}

// twoNodes is ten steady containers on each of two nodes: 101-110 on
// pve1, 201-210 on pve2.
func twoNodes(now time.Time) pvesim.Options {
	o := pvesim.Options{Nodes: 2, Speed: 0, Start: now}
	for i := range 10 {
		for n, node := range []string{"pve1", "pve2"} {
			o.Specs = append(o.Specs, pvesim.ContainerSpec{
				VMID: 100*(n+1) + 1 + i, Node: node, Cores: 2, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Steady,
			})
		}
	}
	return o
}

// A node whose reads fail as unreachable rests: its containers wait while
// the other node's are read in full, it is not asked again before its
// rest is over, nothing is given up, and a container the loop forgets
// leaves the queue.
func TestAnUnreachableNodeRestsWhileTheOthersAreRead(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	sim, client := newLoopSim(t, twoNodes(now))
	sim.InjectFault(pvesim.Fault{Route: rrdRoute, Node: "pve2", Status: 595, Reason: "Connection refused"})
	c := newLoop(t, client, func(o *Options) {
		o.Now = func() time.Time { return now }
		o.Backfill, o.BackfillConcurrency, o.Scale = true, 2, false
	})
	c.backfill.rest = time.Hour
	ctx := backfillContext(t, c)
	c.pass(ctx)
	deadline := time.Now().Add(time.Minute)
	for c.backfill.Progress().Done < 10 {
		if time.Now().After(deadline) {
			t.Fatalf("backfill at %+v: pve1's containers not read within a minute", c.backfill.Progress())
		}
		time.Sleep(time.Millisecond)
	}
	c.foldBackfill()
	if p := c.backfill.Progress(); p.Done != 10 || p.Pending != 10 || p.Failed != 0 {
		t.Errorf("backfill %+v, want pve1's 10 done, pve2's 10 pending, none given up", p)
	}
	reads := rrdReads(sim)
	pve2 := 0
	for vmid, n := range reads {
		if vmid > 200 {
			pve2 += n
		}
	}
	// One read fails and the node rests; a second may have gone out
	// beside it while pve1 had all the reads it may have at once.
	if pve2 == 0 || pve2 > 2 {
		t.Errorf("%d reads to the unreachable node, want 1 or 2 before its rest", pve2)
	}
	for vmid := 101; vmid <= 110; vmid++ {
		if tr := c.Tracked[vmid]; tr == nil || tr.Window.Len() < 55 || reads[vmid] != 1 {
			t.Errorf("container %d on the live node: %d reads, window %v; want one read and the hour", vmid, reads[vmid], tr)
		}
	}

	if err := sim.RemoveContainer(210); err != nil {
		t.Fatal(err)
	}
	for range engine.ForgetAfterUnseen {
		now = now.Add(10 * time.Second)
		sim.Clock().Advance(10 * time.Second)
		c.pass(ctx)
	}
	if c.Tracked[210] != nil {
		t.Fatal("a removed container is still tracked")
	}
	deadline = time.Now().Add(time.Minute)
	for c.backfill.Progress().Pending != 9 {
		if time.Now().After(deadline) {
			t.Fatalf("backfill at %+v after a waiting container was forgotten, want 9 pending", c.backfill.Progress())
		}
		time.Sleep(time.Millisecond)
	}
}

// Reads that fail because a node does not answer are retried when its
// rest is over, as often as it takes: nothing is given up.
func TestAnUnreachableNodeIsReadWhenItAnswers(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	sim, client := newLoopSim(t, twoNodes(now))
	sim.InjectFault(pvesim.Fault{Route: rrdRoute, Node: "pve2", Status: 595, Reason: "Connection refused", Count: 5})
	var logs bytes.Buffer
	c := newLoop(t, client, func(o *Options) {
		o.Now = func() time.Time { return now }
		o.Logger = zerolog.New(zerolog.SyncWriter(&logs)).Level(zerolog.InfoLevel)
		o.Backfill, o.BackfillConcurrency, o.Scale = true, 2, false
	})
	c.backfill.rest = 10 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.pass(ctx)
	awaitBackfill(t, c)
	if p := c.backfill.Progress(); p.Done != 20 || p.Failed != 0 {
		t.Errorf("backfill %+v, want all 20 read", p)
	}
	// A line when it starts, one per tenth (the last tenth is the end's),
	// one at the end: all written once the backfill has stopped.
	cancel()
	c.stopBackfill()
	out := logs.String()
	if n := strings.Count(out, `"message":"backfill progress"`); n != 9 {
		t.Errorf("%d progress lines for 20 containers, want 9:\n%s", n, out)
	}
	for _, line := range []string{`"containers":20,"concurrency":2,"message":"backfilling windows from RRD history in the background"`,
		`"done":2,"of":20,"failed":0,"message":"backfill progress"`, `"done":18,"of":20,"failed":0,"message":"backfill progress"`,
		`"containers":20,"failed":0,"took":`} {
		if !strings.Contains(out, line) {
			t.Errorf("no log line with %s:\n%s", line, out)
		}
	}
	for vmid := 201; vmid <= 210; vmid++ {
		if tr := c.Tracked[vmid]; tr == nil || tr.Window.Len() < 55 {
			t.Errorf("container %d of the node that came back: window %v, want the hour", vmid, tr)
		}
	}
	pve2 := 0
	for vmid, n := range rrdReads(sim) {
		if vmid > 200 {
			pve2 += n
		}
	}
	if pve2 != 15 {
		t.Errorf("%d reads to pve2, want its 10 and the 5 that failed", pve2)
	}
}

// A container listed running after the first pass (created, or started)
// is backfilled too, once; passes do not ask again.
func TestContainersListedLaterAreBackfilledOnce(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	sim, client := newLoopSim(t, pvesim.Options{Nodes: 1, Speed: 0, Start: now, Specs: []pvesim.ContainerSpec{
		{VMID: 101, Node: "pve1", Cores: 2, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Steady},
		{VMID: 102, Node: "pve1", Cores: 2, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Steady, Stopped: true},
	}})
	c := newLoop(t, client, func(o *Options) {
		o.Now = func() time.Time { return now }
		o.Backfill, o.Scale = true, false
	})
	ctx := backfillContext(t, c)
	tick := func() {
		c.pass(ctx)
		now = now.Add(10 * time.Second)
		sim.Clock().Advance(10 * time.Second)
	}
	tick()
	awaitBackfill(t, c)
	if reads := rrdReads(sim); reads[101] != 1 || reads[102] != 0 {
		t.Fatalf("RRD reads after the first pass: %v; want 101 once and the stopped 102 not", reads)
	}
	if err := sim.AddContainer(pvesim.ContainerSpec{VMID: 150, Node: "pve1", Cores: 2, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Steady}); err != nil {
		t.Fatal(err)
	}
	if err := sim.SetRunning(102, true); err != nil {
		t.Fatal(err)
	}
	tick()
	awaitBackfill(t, c)
	for range 3 {
		tick()
	}
	awaitBackfill(t, c)
	if reads := rrdReads(sim); reads[101] != 1 || reads[102] != 1 || reads[150] != 1 {
		t.Errorf("RRD reads: %v; want one per container", reads)
	}
	if w := c.Tracked[150].Window; w.Len() < 55+4 {
		t.Errorf("container created later holds %d samples, want its RRD hour and 4 live", w.Len())
	}
	if p := c.backfill.Progress(); p.Done != 3 || p.Pending != 0 {
		t.Errorf("backfill %+v, want 3 done", p)
	}
}

// BenchmarkFirstDecision is the time from Run's start to the end of its
// first pass (first-pass-s) at 10,000 containers on 32 nodes, pvesim
// in-process behind an httptest server, with the default backfill
// concurrency (4), with RRD reads as fast as the simulator answers and
// with 25 ms each (a fault's latency; a real PVE answers in tens of
// milliseconds). backfill-s is when the last history was read, which is
// what the first decision waited for when the backfill ran inside it.
func BenchmarkFirstDecision(b *testing.B) {
	sim, client := newLoopSim(b, pvesim.Options{Nodes: 32, Containers: 10_000, Speed: 0})
	for _, latency := range []time.Duration{0, 25 * time.Millisecond} {
		b.Run("rrd-latency="+latency.String(), func(b *testing.B) {
			sim.ClearFaults()
			if latency > 0 {
				sim.InjectFault(pvesim.Fault{Route: rrdRoute, Latency: latency})
			}
			var firstPass, backfilled time.Duration
			read := 0
			for b.Loop() {
				c := newLoop(b, client, func(o *Options) {
					o.Logger = zerolog.Nop()
					o.Backfill, o.BackfillConcurrency = true, 4
					o.Selection.Default.Mode = scaling.ModeDryRun
				})
				ctx, cancel := context.WithCancel(context.Background())
				started := time.Now()
				done := make(chan error, 1)
				go func() { done <- c.Run(ctx) }()
				for c.Snapshot().Time.IsZero() {
					time.Sleep(time.Millisecond)
				}
				firstPass += time.Since(started)
				// The first pass asks for every running container at once:
				// the backfill is over when one was read and none is pending.
				var p backfill.Progress
				for p = c.backfill.Progress(); p.Done+p.Failed == 0 || p.Pending > 0; p = c.backfill.Progress() {
					time.Sleep(10 * time.Millisecond)
				}
				backfilled += time.Since(started)
				read = p.Done
				cancel()
				<-done
			}
			b.ReportMetric(firstPass.Seconds()/float64(b.N), "first-pass-s")
			b.ReportMetric(backfilled.Seconds()/float64(b.N), "backfill-s")
			b.ReportMetric(float64(read), "containers-read")
		})
	}
}

// A pass holds the backfill back while it does its own work: paused, it
// sends no read beyond those in flight; resumed, it reads the rest.
func TestPausedBackfillSendsNoRead(t *testing.T) {
	sim, client := newLoopSim(t, pvesim.Options{Nodes: 2, Speed: 0, Containers: 12})
	sim.InjectFault(pvesim.Fault{Route: rrdRoute, Latency: 30 * time.Millisecond})
	c := newLoop(t, client, func(o *Options) { o.Backfill, o.BackfillConcurrency, o.Scale = true, 1, false })
	ctx := backfillContext(t, c)
	c.pass(ctx)
	c.backfill.Pause()
	reads := func() int {
		n := 0
		for _, r := range sim.Requests() {
			if r.Route == rrdRoute {
				n++
			}
		}
		return n
	}
	// The read in flight (an hour, then its week and month) ends.
	n, since := reads(), time.Now()
	for time.Since(since) < 200*time.Millisecond {
		time.Sleep(10 * time.Millisecond)
		if m := reads(); m != n {
			n, since = m, time.Now()
		}
	}
	time.Sleep(300 * time.Millisecond)
	if m := reads(); m != n {
		t.Fatalf("%d RRD reads sent while paused (%d before)", m-n, n)
	}
	if p := c.backfill.Progress(); p.Pending == 0 {
		t.Fatalf("backfill %+v: every container read while paused", p)
	}
	c.backfill.Resume()
	awaitBackfill(t, c)
	if got, want := len(rrdReads(sim)), c.backfill.Asked(); got != want || want == 0 {
		t.Errorf("%d containers' hours read after Resume, want every one asked for (%d)", got, want)
	}
}
