package controller

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/controller/audit"
	"github.com/lxc-autoscale/lxc-autoscale/controller/engine"
	"github.com/lxc-autoscale/lxc-autoscale/controller/lxcmetrics"
	"github.com/lxc-autoscale/lxc-autoscale/controller/notify"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling/policies"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/workload"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesimtest"
)

// newLoopSim starts a simulated cluster and a client on it.
func newLoopSim(tb testing.TB, o pvesim.Options) (*pvesim.Sim, *proxmox.Client) {
	tb.Helper()
	if o.Seed == 0 {
		o.Seed = 3
	}
	sim, client, _ := pvesimtest.Start(tb, o, pvesimtest.FailFast())
	return sim, client
}

// loopRules scale quickly: no cooldowns, one-sample stabilisation.
func loopRules() scaling.Rules {
	return scaling.Rules{
		Mode:   scaling.ModeEnforce,
		CPU:    scaling.CPURules{Enabled: true, Up: 0.75, Down: 0.3, Step: 1, Min: 1, Max: 4},
		Memory: scaling.MemoryRules{Enabled: true, Up: 0.75, Down: 0.3, Step: 512 << 20, Min: 512 << 20, Max: 8 << 30, Margin: 128 << 20},
		Disk:   scaling.DiskRules{Enabled: true, Threshold: 0.85, Step: 2 << 30, Max: 64 << 30},
	}
}

func newLoop(tb testing.TB, cluster Cluster, mutate func(*Options)) *Controller {
	tb.Helper()
	o := Options{
		Cluster: cluster, Logger: zerolog.New(zerolog.NewTestWriter(tb)).Level(zerolog.WarnLevel),
		Interval: 10 * time.Second, Window: time.Hour,
		Model:       engine.ModelOptions{Enabled: true, RetrainInterval: 10 * time.Minute, Trees: 50, SampleSize: 64, Seed: 1, TrainingWindow: time.Hour, Threshold: 0.65},
		Scale:       true,
		Selection:   policies.Selection{Default: loopRules()},
		Guard:       scaling.GuardOptions{OvercommitCPU: 4, OvercommitMemory: 1, MaxWritesPerPass: 10},
		TaskTimeout: time.Minute,
	}
	if mutate != nil {
		mutate(&o)
	}
	c, err := New(o)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func TestObserveRatesRestartsMigrationAndDeletion(t *testing.T) {
	sim, client := newLoopSim(t, pvesim.Options{Nodes: 2, Speed: 0, Specs: []pvesim.ContainerSpec{
		{VMID: 101, Node: "pve1", Cores: 2, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Steady},
		{VMID: 102, Node: "pve2", Cores: 1, MemoryMiB: 512, DiskGiB: 4, Workload: workload.Idle},
	}})
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	c := newLoop(t, client, func(o *Options) { o.Now = func() time.Time { return now }; o.Scale = false })
	ctx := context.Background()

	tickAt := func(advance time.Duration) engine.Tick {
		t.Helper()
		sim.Clock().Advance(advance)
		now = now.Add(advance)
		tk, err := c.collect(ctx)
		if err != nil {
			t.Fatal(err)
		}
		c.Observe(tk)
		return tk
	}
	tickAt(0)
	tickAt(10 * time.Second)
	s, ok := c.Tracked[101].Window.Last()
	if !ok || c.Tracked[101].Window.Len() != 2 {
		t.Fatalf("after two ticks: %d samples", c.Tracked[101].Window.Len())
	}
	if math.IsNaN(s.NetIn) || s.NetIn <= 0 || math.IsNaN(s.DiskWrite) {
		t.Errorf("second sample has no rates: %+v", s)
	}
	if first := c.Tracked[101].Window.At(0); !math.IsNaN(first.NetIn) {
		t.Errorf("first sample has a rate %v; it has nothing to difference against", first.NetIn)
	}

	// A restart resets the counters: no rate for that sample.
	if err := sim.SetRunning(101, false); err != nil {
		t.Fatal(err)
	}
	tickAt(10 * time.Second)
	if err := sim.SetRunning(101, true); err != nil {
		t.Fatal(err)
	}
	tickAt(10 * time.Second)
	if s, _ := c.Tracked[101].Window.Last(); !math.IsNaN(s.NetIn) {
		t.Errorf("sample after a restart has rate %v, want NaN", s.NetIn)
	}
	if got := c.Tracked[101].Window.Len(); got != 3 {
		t.Errorf("%d samples; a stopped container should add none", got)
	}

	// Migration keeps the window.
	if err := sim.MigrateContainer(102, "pve1"); err != nil {
		t.Fatal(err)
	}
	before := c.Tracked[102].Window.Len()
	tickAt(10 * time.Second)
	if tr := c.Tracked[102]; tr.Node != "pve1" || tr.Window.Len() != before+1 {
		t.Errorf("after migration: node %q, %d samples (had %d); want pve1 and the history kept", tr.Node, tr.Window.Len(), before)
	}

	// A node that fails keeps its containers; a deletion is forgotten
	// after engine.ForgetAfterUnseen fully listed ticks.
	sim.InjectFault(pvesim.Fault{Route: "/nodes/{node}/lxc", Node: "pve1", Status: 500, Reason: "boom", Count: 5})
	for range 5 {
		tickAt(10 * time.Second)
	}
	if c.Tracked[101] == nil || c.Tracked[102] == nil {
		t.Fatal("containers of a failing node were forgotten")
	}
	if err := sim.RemoveContainer(102); err != nil {
		t.Fatal(err)
	}
	for range engine.ForgetAfterUnseen {
		tickAt(10 * time.Second)
	}
	if c.Tracked[102] != nil {
		t.Error("a deleted container is still tracked")
	}
	if c.Tracked[101] == nil {
		t.Error("a live container was forgotten")
	}
}

func TestBackfillFillsWindowsFromRRD(t *testing.T) {
	_, client := newLoopSim(t, pvesim.Options{Nodes: 2, Speed: 0, Containers: 6})
	c := newLoop(t, client, func(o *Options) { o.Backfill = true; o.BackfillConcurrency = 2; o.Scale = false })
	ctx := backfillContext(t, c)
	c.pass(ctx)
	firstModel := c.ModelTrainedAt
	awaitBackfill(t, c)
	c.pass(ctx) // trains again, on the hour
	filled := 0
	for _, tr := range c.Tracked {
		if tr.Status != "running" {
			continue
		}
		if tr.Window.Len() < 30 {
			t.Errorf("container %d: %d samples after backfill, want the hour of RRD", tr.VMID, tr.Window.Len())
		}
		filled++
	}
	if filled == 0 {
		t.Fatal("no running container")
	}
	if c.Model == nil || !c.ModelTrainedAt.After(firstModel) {
		t.Errorf("model trained at %v, then %v: not trained again once the backfill was in", firstModel, c.ModelTrainedAt)
	}
	if len(c.Tracked) == 0 {
		t.Fatal("nothing tracked")
	}
	for _, tr := range c.Tracked {
		if tr.Status == "running" && (math.IsNaN(tr.Score) || tr.Score <= 0 || tr.Score > 1) {
			t.Errorf("container %d: score %v after the first pass", tr.VMID, tr.Score)
		}
	}
}

func TestTrainingIsDeterministic(t *testing.T) {
	start := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	_, client := newLoopSim(t, pvesim.Options{Nodes: 2, Speed: 0, Containers: 12, Start: start})
	scores := func() map[int]float64 {
		c := newLoop(t, client, func(o *Options) {
			o.Backfill, o.Scale = true, false
			o.Now = func() time.Time { return start }
		})
		ctx := backfillContext(t, c)
		c.pass(ctx)
		awaitBackfill(t, c)
		c.pass(ctx) // trains on the hour
		out := map[int]float64{}
		for id, tr := range c.Tracked {
			out[id] = tr.Score
		}
		return out
	}
	a, b := scores(), scores()
	scored := 0
	for _, s := range a {
		if !math.IsNaN(s) {
			scored++
		}
	}
	if scored == 0 {
		t.Fatal("no container was scored")
	}
	for id, s := range a {
		if b[id] != s && !(math.IsNaN(s) && math.IsNaN(b[id])) {
			t.Errorf("container %d: score %v then %v on the same history and seed", id, s, b[id])
		}
	}
}

// busyWithStateFile is one busy container that wants more cores, and the
// options of a loop that saves its state to path and waits an hour between
// increases: the setting of every test of what survives a restart.
func busyWithStateFile(t *testing.T) (sim *pvesim.Sim, client *proxmox.Client, path string, mutate func(*Options)) {
	t.Helper()
	sim, client = newLoopSim(t, pvesim.Options{Nodes: 1, Speed: 0, Specs: []pvesim.ContainerSpec{
		{VMID: 101, Node: "pve1", Cores: 1, MemoryMiB: 2048, DiskGiB: 8, Workload: workload.Busy},
	}})
	path = filepath.Join(t.TempDir(), "state.json")
	mutate = func(o *Options) {
		o.StateFile = path
		o.Selection.Default.CooldownUp = time.Hour
		o.Selection.Default.Memory.Enabled = false
		o.Selection.Default.Disk.Enabled = false
	}
	return sim, client, path, mutate
}

func TestStateSurvivesRestart(t *testing.T) {
	sim, client, path, mutate := busyWithStateFile(t)
	c := newLoop(t, client, mutate)
	c.loadState()
	c.pass(context.Background())
	sim.Clock().Advance(10 * time.Second)
	c.pass(context.Background())
	c.saveState(true)
	cores := func() string { ct, _ := sim.Container(101); return ct.Config["cores"] }
	if got := cores(); got != "2" {
		t.Fatalf("cores = %s after the busy container's first passes, want 2", got)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	again := newLoop(t, client, mutate)
	again.loadState()
	if again.Model == nil {
		t.Error("the trained model was not restored")
	}
	for range 3 {
		sim.Clock().Advance(10 * time.Second)
		again.pass(context.Background())
	}
	if got := cores(); got != "2" {
		t.Errorf("cores = %s after a restart: the cooldown was lost", got)
	}
}

func TestBackfillWaitsForTheFirstSuccessfulCollection(t *testing.T) {
	sim, client := newLoopSim(t, pvesim.Options{Nodes: 1, Speed: 0, Specs: []pvesim.ContainerSpec{
		{VMID: 101, Node: "pve1", Cores: 2, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Steady},
	}})
	sim.InjectFault(pvesim.Fault{Route: "/nodes", Status: 500, Reason: "cluster not ready", Count: 1})
	c := newLoop(t, client, func(o *Options) { o.Backfill = true; o.Scale = false })
	ctx := backfillContext(t, c)
	c.pass(ctx)
	if len(c.Tracked) != 0 || c.backfill.Backfiller != nil {
		t.Fatal("a pass whose collection failed tracked or backfilled something")
	}
	c.pass(ctx)
	awaitBackfill(t, c)
	if tr := c.Tracked[101]; tr == nil || tr.Window.Len() < 30 {
		t.Fatalf("after the first successful collection the window holds %v samples, want the RRD hour", tr)
	}
}

// panickyCluster panics when the controller reads one container's config.
type panickyCluster struct {
	*proxmox.Client
	vmid int
}

func (p panickyCluster) Config(ctx context.Context, ref proxmox.Ref) (proxmox.Config, error) {
	if ref.VMID == p.vmid {
		panic("injected: config of a poisoned container")
	}
	return p.Client.Config(ctx, ref)
}

func TestOneContainerPanickingDoesNotStopThePass(t *testing.T) {
	sim, client := newLoopSim(t, pvesim.Options{Nodes: 1, Speed: 0, Specs: []pvesim.ContainerSpec{
		{VMID: 101, Node: "pve1", Cores: 1, MemoryMiB: 2048, DiskGiB: 8, Workload: workload.Busy},
		{VMID: 102, Node: "pve1", Cores: 1, MemoryMiB: 2048, DiskGiB: 8, Workload: workload.Busy},
	}})
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	c := newLoop(t, panickyCluster{client, 101}, func(o *Options) {
		o.Metrics = m
		o.Selection.Default.Memory.Enabled = false
		o.Selection.Default.Disk.Enabled = false
	})
	c.pass(context.Background())
	if ct, _ := sim.Container(102); ct.Config["cores"] != "2" {
		t.Errorf("container 102 has %s cores: the panic of 101 stopped the pass", ct.Config["cores"])
	}
	// Two reads of 101's config panic: the one that learns its CPU
	// setting, and the one right before its write.
	if got := testutil.ToFloat64(m.panics); got != 2 {
		t.Errorf("container_panics_total = %v, want 2", got)
	}
}

func TestManualChangeStartsTheCooldown(t *testing.T) {
	sim, client := newLoopSim(t, pvesim.Options{Nodes: 1, Speed: 0, Specs: []pvesim.ContainerSpec{
		{VMID: 101, Node: "pve1", Cores: 1, MemoryMiB: 2048, DiskGiB: 8, Workload: workload.Busy},
	}})
	c := newLoop(t, client, func(o *Options) {
		o.Selection.Default.CooldownUp = time.Hour
		o.Selection.Default.Memory.Enabled = false
		o.Selection.Default.Disk.Enabled = false
	})
	// An operator set 1 core "up" from 1 to 1 a moment ago (through the API).
	c.RecordManual(101, []scaling.Outcome{{
		Change: scaling.Change{Resource: scaling.ResourceCores, Direction: scaling.Up, From: 1, To: 1, Text: "manual"},
		Result: scaling.ResultApplied,
	}})
	c.pass(context.Background())
	if ct, _ := sim.Container(101); ct.Config["cores"] != "1" {
		t.Errorf("cores = %s: the loop scaled up inside the cooldown of a manual change", ct.Config["cores"])
	}
	if st := c.state.Containers[101]; st == nil || st.LastAction[scaling.ResourceCores].Time.IsZero() {
		t.Error("the manual change left no cooldown in the state")
	}
}

func TestRecommendationIsReportedOncePerChange(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	var got told
	c, auditPath := recommendingLoop(t, &now, []pvesim.ContainerSpec{
		{VMID: 101, Node: "pve1", Name: "web1", Cores: 4, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Idle},
	}, func(o *Options) { o.Notify = got.add })
	for range 6 {
		c.pass(context.Background())
		now = now.Add(10 * time.Second)
	}
	records, err := audit.Read(auditPath, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 1 || records[0].Result != scaling.ResultRecommended || records[0].To != 3 {
		t.Errorf("audit after 6 passes recommending 4 -> 3 cores: %+v; want one recommendation", records)
	}
	// It is told once too, with the container's name.
	want := notify.Event{Kind: notify.KindRecommended, VMID: 101, Name: "web1", Node: "pve1", Resource: "cores", Direction: "down",
		From: 4, To: 3, Result: "recommended", Reason: records[0].Reason, Mode: "recommend", Source: "controller"}
	if len(got.events) != 1 || got.events[0] != want {
		t.Errorf("told %+v\nwant %+v", got.events, want)
	}
}

// A restart within the hour keeps both the exported samples and the RRD
// backfill, and counts only what the windows hold.
func TestRestartMergesExportAndRRDBackfill(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	client, path, old := restartWithExport(t, now)
	for i := range 14 { // the last 14 minutes, half a minute off the RRD's steps
		at := now.Add(time.Duration(i-14)*time.Minute + 30*time.Second)
		if err := old.Append(lxcmetrics.Cycle{Start: at, End: at, Total: 1, Entries: []lxcmetrics.Entry{{
			VMID: 150, Node: "pve1", Time: at, CPUPercent: 50, Cores: 2,
			MemUsed: 512 << 20, MemLimit: 1 << 30, DiskUsed: 1 << 30, DiskSize: 8 << 30, Score: math.NaN(),
		}}}); err != nil {
			t.Fatal(err)
		}
	}
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	c := newLoop(t, client, func(o *Options) {
		o.ExportFile, o.ExportInterval, o.MaxMetricsEntries = path, time.Hour, 1000
		o.Backfill, o.BackfillConcurrency = true, 2
		o.Metrics = m
		o.Scale = false
		o.Now = func() time.Time { return now }
	})
	c.loadExport(context.Background())
	c.exportLoading.Wait() // the read is in the background; the pass folds it in
	c.pass(backfillContext(t, c))
	awaitBackfill(t, c)
	c.exporting.Wait()
	w := c.Tracked[150].Window
	fromRRD, fromExport := 0, 0
	for i := range w.Len() {
		switch s := w.At(i); {
		case s.Time.Equal(now): // this pass's listing
		case s.Time.Second() == 0:
			fromRRD++
		case s.Time.Second() == 30:
			fromExport++
		}
	}
	if fromExport != 14 || fromRRD < 55 {
		t.Errorf("window holds %d exported and %d RRD samples; want 14 and the hour's (>= 55)", fromExport, fromRRD)
	}
	// The metric counts what the windows hold: 14 exported, the RRD's, and
	// no point that was refused.
	if got := testutil.ToFloat64(m.backfilled); int(got) != fromExport+fromRRD {
		t.Errorf("backfill_samples_total = %v, want the %d samples held", got, fromExport+fromRRD)
	}
}

// A node that dies stays listed online for a while, answering 595 to every
// proxied call, then turns offline; it is logged when its listing starts
// failing and when it is listed again (and so notified), and the metric
// counts every failed pass. A 595 burst on a live node is the same story.
func TestUnreachableNodeIsLoggedOnChange(t *testing.T) {
	sim, client := newLoopSim(t, pvesim.Options{Nodes: 2, Speed: 0, Containers: 4})
	var logs bytes.Buffer
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	var got told
	c := newLoop(t, client, func(o *Options) {
		o.Logger = zerolog.New(&logs).Level(zerolog.InfoLevel)
		o.Metrics = m
		o.Scale = false
		o.Notify = got.add
	})
	passes := func(n int) {
		for range n {
			c.pass(context.Background())
			sim.Clock().Advance(10 * time.Second)
		}
	}
	if err := sim.KillNode("pve2"); err != nil {
		t.Fatal(err)
	}
	passes(8) // 30 s listed online answering 595, then offline
	if err := sim.ReviveNode("pve2"); err != nil {
		t.Fatal(err)
	}
	passes(2)
	sim.InjectFault(pvesim.Fault{Route: "/nodes/{node}/lxc", Node: "pve2", Status: 595, Reason: "Connection refused"})
	passes(5)
	sim.ClearFaults()
	passes(2)
	if n := strings.Count(logs.String(), "listing a node's containers failed"); n != 2 {
		t.Errorf("%d failure lines for two outages of many passes, want 2:\n%s", n, logs.String())
	}
	if n := strings.Count(logs.String(), "listed again"); n != 2 {
		t.Errorf("%d recovery lines, want 2", n)
	}
	var told []string
	for _, ev := range got.of(notify.KindNodeUnreachable) {
		told = append(told, ev.Node+" "+ev.Result)
	}
	if s := strings.Join(told, ", "); s != "pve2 unreachable, pve2 reachable, pve2 unreachable, pve2 reachable" {
		t.Errorf("node events: %s; want the two outages and their ends", s)
	}
	// Three or four passes fall in the death's grace, five in the burst.
	if got := testutil.ToFloat64(m.nodeErrors.WithLabelValues("pve2")); got < 8 || got > 9 {
		t.Errorf("node_collect_errors_total{node=pve2} = %v, want 8 or 9", got)
	}
}

func TestControllerBoundsFollowTheSelection(t *testing.T) {
	_, client := newLoopSim(t, pvesim.Options{Nodes: 1, Speed: 0, Specs: []pvesim.ContainerSpec{
		{VMID: 101, Node: "pve1", Cores: 1, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Idle, Tags: []string{"web"}},
		{VMID: 102, Node: "pve1", Cores: 1, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Idle, Tags: []string{"autoscale-off"}},
	}})
	web := loopRules()
	web.CPU.Max = 8
	c := newLoop(t, client, func(o *Options) {
		o.Scale = false
		o.Selection.OptOutTag = "autoscale-off"
		o.Selection.Policies = []policies.Policy{{Name: "web", Match: policies.Match{Tags: []string{"web"}}, Rules: web}}
	})
	if _, _, ok := c.Bounds(101); ok {
		t.Error("bounds known before the first pass")
	}
	c.pass(context.Background())
	if policy, rules, ok := c.Bounds(101); !ok || policy != "web" || rules.CPU.Max != 8 {
		t.Errorf("Bounds(101) = %q, max %d, %v; want the web policy", policy, rules.CPU.Max, ok)
	}
	if _, _, ok := c.Bounds(102); ok {
		t.Error("an opted-out container has bounds")
	}
}
