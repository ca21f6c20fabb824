package controller

import (
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/controller/audit"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/workload"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesimtest"
)

const (
	actTokenID     = "root@pam!controller"
	actTokenSecret = "0b5e55ed-act-test-5ecret"
	actVMID        = 101
	actNode        = "pve1"
	actConfigRoute = "/nodes/{node}/lxc/{vmid}/config"
	actResizeRoute = "/nodes/{node}/lxc/{vmid}/resize"
)

// actFixture is a simulated cluster with one container (101 on pve1: 2
// cores, 1024 MiB memory, 512 MiB swap, 8 GiB rootfs), a real client on it
// and an actuator with metrics and an audit file.
type actFixture struct {
	sim       *pvesim.Sim
	client    *proxmox.Client
	metrics   *Metrics
	auditPath string
	act       *Actuator
}

func newActFixture(t *testing.T, wrap func(Cluster) Cluster) *actFixture {
	t.Helper()
	logger := zerolog.New(zerolog.NewTestWriter(t))
	sim, client, _ := pvesimtest.Start(t, pvesim.Options{
		Nodes: 2,
		Specs: []pvesim.ContainerSpec{{
			VMID: actVMID, Node: actNode, Cores: 2, MemoryMiB: 1024, SwapMiB: 512, DiskGiB: 8,
			Workload: workload.Idle,
		}},
		Seed: 1,
		// A resize task lasts 1 s of simulated time, 50 ms of real time.
		Speed:        20,
		TaskDuration: time.Second,
	}, proxmox.Options{
		TokenID:     actTokenID,
		TokenSecret: actTokenSecret,
		Timeout:     5 * time.Second,
		Retry:       proxmox.RetryOptions{Attempts: 2, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond},
		Logger:      logger,
	})
	metrics, err := NewMetrics(nil)
	if err != nil {
		t.Fatal(err)
	}
	auditPath := filepath.Join(t.TempDir(), "audit", "audit.jsonl")
	audit, err := audit.Open(audit.Options{Path: auditPath})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { audit.Close() })
	var cluster Cluster = client
	if wrap != nil {
		cluster = wrap(client)
	}
	act := NewActuator(ActuatorOptions{
		Cluster: cluster, Logger: logger, Metrics: metrics, Audit: audit,
		TaskTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second,
	})
	return &actFixture{sim: sim, client: client, metrics: metrics, auditPath: auditPath, act: act}
}

// observe reads the allocation the way the decision would have seen it,
// then empties the request log so that only Apply's requests remain.
func (f *actFixture) observe(t *testing.T) scaling.Allocation {
	t.Helper()
	cfg, err := f.client.Config(context.Background(), proxmox.Ref{Node: actNode, VMID: actVMID})
	if err != nil {
		t.Fatal(err)
	}
	f.sim.ResetRequests()
	return scaling.Allocation{Cores: cfg.Cores, MemoryMiB: cfg.MemoryMiB, SwapMiB: cfg.SwapMiB, DiskBytes: cfg.RootFS.SizeBytes}
}

// requests returns Apply's requests matching method and route.
func (f *actFixture) requests(method, route string) []pvesim.Request {
	var out []pvesim.Request
	for _, r := range f.sim.Requests() {
		if r.Method == method && r.Route == route {
			out = append(out, r)
		}
	}
	return out
}

func (f *actFixture) rawConfig(t *testing.T) map[string]string {
	t.Helper()
	st, ok := f.sim.Container(actVMID)
	if !ok {
		t.Fatalf("container %d gone", actVMID)
	}
	return st.Config
}

func (f *actFixture) actions(resource scaling.Resource, dir scaling.Direction, result string) float64 {
	return testutil.ToFloat64(f.metrics.actions.WithLabelValues(string(resource), string(dir), result))
}

func (f *actFixture) skips(resource scaling.Resource, reason string) float64 {
	return testutil.ToFloat64(f.metrics.skipped.WithLabelValues(string(resource), reason))
}

func actDecision(mode scaling.Mode, changes ...scaling.Change) scaling.Decision {
	return scaling.Decision{VMID: actVMID, Node: actNode, Policy: "web", Mode: mode, Changes: changes, Score: 0.42}
}

var (
	actCoresUp  = scaling.Change{Resource: scaling.ResourceCores, Direction: scaling.Up, From: 2, To: 3, Text: "cpu above 0.8 for 5m"}
	actMemoryUp = scaling.Change{Resource: scaling.ResourceMemory, Direction: scaling.Up, From: 1024, To: 1536, Text: "memory above 0.9 for 5m"}
	actSwapUp   = scaling.Change{Resource: scaling.ResourceSwap, Direction: scaling.Up, From: 512, To: 768, Text: "swap follows memory"}
	actDiskUp   = scaling.Change{Resource: scaling.ResourceDisk, Direction: scaling.Up, From: 8 << 30, To: 10 << 30, Text: "disk above 0.85"}
)

func TestApplyEnforceWritesConfigInOnePUTWithDigest(t *testing.T) {
	f := newActFixture(t, nil)
	observed := f.observe(t)
	before, _ := f.sim.Container(actVMID)

	outcomes := f.act.Apply(context.Background(), actDecision(scaling.ModeEnforce, actCoresUp, actMemoryUp, actSwapUp), observed)

	for i, o := range outcomes {
		if o.Result != scaling.ResultApplied || o.Err != nil {
			t.Errorf("outcome %d (%s) = %s %v, want applied", i, o.Change.Resource, o.Result, o.Err)
		}
	}
	if got := len(f.sim.Requests()); got != 2 {
		t.Errorf("Apply sent %d requests, want 2 (config read, one PUT): %+v", got, f.sim.Requests())
	}
	puts := f.requests(http.MethodPut, actConfigRoute)
	if len(puts) != 1 {
		t.Fatalf("PUT config sent %d times, want once", len(puts))
	}
	p := puts[0].Params
	if p.Get("digest") != before.Digest {
		t.Errorf("PUT digest = %q, want the digest read before it %q", p.Get("digest"), before.Digest)
	}
	for key, want := range map[string]string{"cores": "3", "memory": "1536", "swap": "768"} {
		if p.Get(key) != want {
			t.Errorf("PUT %s = %q, want %q", key, p.Get(key), want)
		}
		if got := f.rawConfig(t)[key]; got != want {
			t.Errorf("container %s = %q after Apply, want %q", key, got, want)
		}
	}
	if got := f.actions(scaling.ResourceCores, scaling.Up, scaling.ResultApplied); got != 1 {
		t.Errorf("actions{cores,up,applied} = %v, want 1", got)
	}
	records, err := audit.Read(f.auditPath, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 3 {
		t.Fatalf("audit has %d records, want 3", len(records))
	}
	// newest first: swap, memory, cores
	r := records[2]
	if r.Source != "controller" || r.VMID != actVMID || r.Node != actNode || r.Resource != "cores" ||
		r.From != 2 || r.To != 3 || r.Result != scaling.ResultApplied || r.Mode != "enforce" || r.Policy != "web" ||
		r.Score != 0.42 || r.Reason != actCoresUp.Reason() || r.Time.IsZero() {
		t.Errorf("audit record of the cores change = %+v", r)
	}
}

func TestApplyReportOnlyModesSendNothing(t *testing.T) {
	for _, tc := range []struct {
		mode scaling.Mode
		want string
	}{
		{scaling.ModeDryRun, scaling.ResultDryRun},
		{scaling.ModeRecommend, scaling.ResultRecommended},
	} {
		t.Run(string(tc.mode), func(t *testing.T) {
			f := newActFixture(t, nil)
			observed := f.observe(t)
			outcomes := f.act.Apply(context.Background(), actDecision(tc.mode, actCoresUp, actDiskUp), observed)
			for _, o := range outcomes {
				if o.Result != tc.want {
					t.Errorf("%s outcome = %s, want %s", o.Change.Resource, o.Result, tc.want)
				}
			}
			if reqs := f.sim.Requests(); len(reqs) != 0 {
				t.Errorf("%s sent %d requests, want none: %+v", tc.mode, len(reqs), reqs)
			}
			if got := f.rawConfig(t)["cores"]; got != "2" {
				t.Errorf("cores = %s after %s, want 2 unchanged", got, tc.mode)
			}
			if got := f.actions(scaling.ResourceDisk, scaling.Up, tc.want); got != 1 {
				t.Errorf("actions{disk,up,%s} = %v, want 1", tc.want, got)
			}
			records, err := audit.Read(f.auditPath, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(records) != 2 || records[0].Result != tc.want || records[0].Mode != string(tc.mode) {
				t.Errorf("audit = %+v, want 2 records with result %s", records, tc.want)
			}
		})
	}
}

func TestApplySkipsWithoutWriting(t *testing.T) {
	for _, tc := range []struct {
		name    string
		changes []scaling.Change
		// between observation and Apply
		meddle func(t *testing.T, sim *pvesim.Sim)
		want   scaling.SkipReason
	}{
		{
			name:    "memory changed by an admin",
			changes: []scaling.Change{actCoresUp, actMemoryUp},
			meddle:  func(t *testing.T, sim *pvesim.Sim) { mustAct(t, sim.SetConfig(actVMID, "memory", "2048")) },
			want:    scaling.SkipChanged,
		},
		{
			name:    "locked by a backup",
			changes: []scaling.Change{actCoresUp, actMemoryUp},
			meddle:  func(t *testing.T, sim *pvesim.Sim) { mustAct(t, sim.SetLock(actVMID, "backup")) },
			want:    scaling.SkipLocked,
		},
		{
			name:    "migrated to another node",
			changes: []scaling.Change{actCoresUp, actMemoryUp},
			meddle:  func(t *testing.T, sim *pvesim.Sim) { mustAct(t, sim.MigrateContainer(actVMID, "pve2")) },
			want:    scaling.SkipMoved,
		},
		{
			name:    "destroyed",
			changes: []scaling.Change{actMemoryUp},
			meddle:  func(t *testing.T, sim *pvesim.Sim) { mustAct(t, sim.RemoveContainer(actVMID)) },
			want:    scaling.SkipMoved,
		},
		{
			name:    "disk grown by an admin",
			changes: []scaling.Change{actDiskUp},
			meddle: func(t *testing.T, sim *pvesim.Sim) {
				mustAct(t, sim.SetConfig(actVMID, "rootfs", "local-lvm:vm-101-disk-0,size=9G"))
			},
			want: scaling.SkipChanged,
		},
		{
			name:    "disk locked",
			changes: []scaling.Change{actDiskUp},
			meddle:  func(t *testing.T, sim *pvesim.Sim) { mustAct(t, sim.SetLock(actVMID, "snapshot")) },
			want:    scaling.SkipLocked,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newActFixture(t, nil)
			observed := f.observe(t)
			tc.meddle(t, f.sim)
			f.sim.ResetRequests()

			outcomes := f.act.Apply(context.Background(), actDecision(scaling.ModeEnforce, tc.changes...), observed)

			for _, o := range outcomes {
				if o.Result != scaling.ResultSkipped || o.Skip != tc.want {
					t.Errorf("%s outcome = %s/%s (%v), want skipped/%s", o.Change.Resource, o.Result, o.Skip, o.Err, tc.want)
				}
				if got := f.skips(o.Change.Resource, string(tc.want)); got != 1 {
					t.Errorf("skipped{%s,%s} = %v, want 1", o.Change.Resource, tc.want, got)
				}
				if got := f.actions(o.Change.Resource, scaling.Up, scaling.ResultSkipped); got != 1 {
					t.Errorf("actions{%s,up,skipped} = %v, want 1", o.Change.Resource, got)
				}
			}
			for _, r := range f.sim.Requests() {
				if r.Method != http.MethodGet {
					t.Errorf("skipped change sent %s %s", r.Method, r.Path)
				}
			}
			records, err := audit.Read(f.auditPath, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(records) != len(tc.changes) || records[0].Skip != string(tc.want) {
				t.Errorf("audit = %+v, want %d records skipped for %s", records, len(tc.changes), tc.want)
			}
		})
	}
}

func TestApplyUnmanagedCoresSkipsOnlyCores(t *testing.T) {
	for _, tc := range []struct {
		name       string
		key, value string
	}{
		{"cpulimit below cores", "cpulimit", "1"},
		{"cores unset", "cores", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newActFixture(t, nil)
			mustAct(t, f.sim.SetConfig(actVMID, tc.key, tc.value))
			observed := f.observe(t)

			outcomes := f.act.Apply(context.Background(), actDecision(scaling.ModeEnforce, actCoresUp, actMemoryUp), observed)

			if o := outcomes[0]; o.Result != scaling.ResultSkipped || o.Skip != scaling.SkipUnmanaged {
				t.Errorf("cores outcome = %s/%s, want skipped/%s", o.Result, o.Skip, scaling.SkipUnmanaged)
			}
			if o := outcomes[1]; o.Result != scaling.ResultApplied {
				t.Errorf("memory outcome = %s (%v), want applied", o.Result, o.Err)
			}
			puts := f.requests(http.MethodPut, actConfigRoute)
			if len(puts) != 1 || puts[0].Params.Has("cores") || puts[0].Params.Get("memory") != "1536" {
				t.Errorf("PUTs = %+v, want one with memory and without cores", puts)
			}
		})
	}
}

// actHookCluster runs hooks after the calls of an inner Cluster, to change the
// cluster or cancel a context at a precise point of a write.
type actHookCluster struct {
	Cluster
	afterConfig func()
	afterResize func()
}

func (h *actHookCluster) Config(ctx context.Context, ref proxmox.Ref) (proxmox.Config, error) {
	cfg, err := h.Cluster.Config(ctx, ref)
	if h.afterConfig != nil {
		h.afterConfig()
	}
	return cfg, err
}

func (h *actHookCluster) ResizeDisk(ctx context.Context, ref proxmox.Ref, disk string, grow uint64, digest string) (proxmox.Task, error) {
	task, err := h.Cluster.ResizeDisk(ctx, ref, disk, grow, digest)
	if h.afterResize != nil {
		h.afterResize()
	}
	return task, err
}

func TestApplyDigestMismatchBetweenReadAndWrite(t *testing.T) {
	for _, changes := range [][]scaling.Change{{actCoresUp, actMemoryUp}, {actDiskUp}} {
		t.Run(string(changes[0].Resource), func(t *testing.T) {
			hook := &actHookCluster{}
			f := newActFixture(t, func(c Cluster) Cluster { hook.Cluster = c; return hook })
			observed := f.observe(t)
			// Another writer changes an unrelated key right after the read:
			// only the digest can tell.
			hook.afterConfig = func() { mustAct(t, f.sim.SetConfig(actVMID, "description", "edited by an admin")) }

			outcomes := f.act.Apply(context.Background(), actDecision(scaling.ModeEnforce, changes...), observed)

			for _, o := range outcomes {
				if o.Result != scaling.ResultSkipped || o.Skip != scaling.SkipDigestMismatch {
					t.Errorf("%s outcome = %s/%s (%v), want skipped/%s", o.Change.Resource, o.Result, o.Skip, o.Err, scaling.SkipDigestMismatch)
				}
			}
			cfg := f.rawConfig(t)
			if cfg["cores"] != "2" || cfg["memory"] != "1024" || cfg["rootfs"] != "local-lvm:vm-101-disk-0,size=8G" {
				t.Errorf("config changed despite the digest mismatch: %v", cfg)
			}
		})
	}
}

func TestApplyDiskResizeWaitsForTask(t *testing.T) {
	f := newActFixture(t, nil)
	observed := f.observe(t)

	outcomes := f.act.Apply(context.Background(), actDecision(scaling.ModeEnforce, actDiskUp), observed)

	o := outcomes[0]
	if o.Result != scaling.ResultApplied || o.Err != nil {
		t.Fatalf("disk outcome = %s %v, want applied", o.Result, o.Err)
	}
	if o.Task == "" {
		t.Error("disk outcome has no task UPID")
	}
	resizes := f.requests(http.MethodPut, actResizeRoute)
	if len(resizes) != 1 || resizes[0].Params.Get("size") != "+2G" || resizes[0].Params.Get("digest") == "" {
		t.Errorf("resize requests = %+v, want one +2G with a digest", resizes)
	}
	// Apply returned after the task stopped: the new size is already there.
	cfg, err := f.client.Config(context.Background(), proxmox.Ref{Node: actNode, VMID: actVMID})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RootFS.SizeBytes != 10<<30 {
		t.Errorf("rootfs = %d bytes after Apply, want %d", cfg.RootFS.SizeBytes, 10<<30)
	}
}

func TestApplyFailingResizeTask(t *testing.T) {
	f := newActFixture(t, nil)
	observed := f.observe(t)
	f.sim.InjectFault(pvesim.Fault{Method: http.MethodPut, Route: actResizeRoute,
		TaskExit: "command 'lvextend -L +2G pve/vm-101-disk-0' failed: exit code 5"})

	outcomes := f.act.Apply(context.Background(), actDecision(scaling.ModeEnforce, actDiskUp), observed)

	o := outcomes[0]
	if o.Result != scaling.ResultFailed || !errors.Is(o.Err, proxmox.ErrTaskFailed) {
		t.Errorf("disk outcome = %s %v, want failed with ErrTaskFailed", o.Result, o.Err)
	}
	if o.Task == "" {
		t.Error("failed outcome lost the task UPID")
	}
	if got := f.actions(scaling.ResourceDisk, scaling.Up, scaling.ResultFailed); got != 1 {
		t.Errorf("actions{disk,up,failed} = %v, want 1", got)
	}
	records, err := audit.Read(f.auditPath, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 1 || records[0].Result != scaling.ResultFailed || records[0].Error == "" || records[0].Task != o.Task {
		t.Errorf("audit = %+v, want the failure with its error and task", records)
	}
}

func TestApplyConfigWriteFailure(t *testing.T) {
	f := newActFixture(t, nil)
	observed := f.observe(t)
	f.sim.InjectFault(pvesim.Fault{Method: http.MethodPut, Route: actConfigRoute, Status: 403,
		Reason: "Permission check failed (/vms/101, VM.Config.Memory)"})

	outcomes := f.act.Apply(context.Background(), actDecision(scaling.ModeEnforce, actMemoryUp), observed)

	if o := outcomes[0]; o.Result != scaling.ResultFailed || !errors.Is(o.Err, proxmox.ErrPermission) {
		t.Errorf("memory outcome = %s %v, want failed with ErrPermission", o.Result, o.Err)
	}
}

func TestApplyCancelledBeforeStartWritesNothing(t *testing.T) {
	f := newActFixture(t, nil)
	observed := f.observe(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	outcomes := f.act.Apply(ctx, actDecision(scaling.ModeEnforce, actCoresUp, actDiskUp), observed)

	for _, o := range outcomes {
		if o.Result != scaling.ResultSkipped || !errors.Is(o.Err, context.Canceled) {
			t.Errorf("%s outcome = %s %v, want skipped with context.Canceled", o.Change.Resource, o.Result, o.Err)
		}
	}
	if reqs := f.sim.Requests(); len(reqs) != 0 {
		t.Errorf("cancelled Apply sent %d requests: %+v", len(reqs), reqs)
	}
	if got := f.skips(scaling.ResourceCores, skipLabelShuttingDown); got != 1 {
		t.Errorf("skipped{cores,%s} = %v, want 1", skipLabelShuttingDown, got)
	}
}

func TestApplyCancelledDuringWriteFinishesIt(t *testing.T) {
	for _, tc := range []struct {
		name    string
		changes []scaling.Change
		hook    func(h *actHookCluster, cancel func())
		check   func(t *testing.T, cfg proxmox.Config)
	}{
		{
			name:    "config",
			changes: []scaling.Change{actCoresUp, actMemoryUp},
			hook:    func(h *actHookCluster, cancel func()) { h.afterConfig = cancel },
			check: func(t *testing.T, cfg proxmox.Config) {
				if cfg.Cores != 3 || cfg.MemoryMiB != 1536 {
					t.Errorf("cores %d memory %d after Apply, want 3 and 1536", cfg.Cores, cfg.MemoryMiB)
				}
			},
		},
		{
			name:    "disk task",
			changes: []scaling.Change{actDiskUp},
			hook:    func(h *actHookCluster, cancel func()) { h.afterResize = cancel },
			check: func(t *testing.T, cfg proxmox.Config) {
				if cfg.RootFS.SizeBytes != 10<<30 {
					t.Errorf("rootfs %d after Apply, want %d", cfg.RootFS.SizeBytes, 10<<30)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hook := &actHookCluster{}
			f := newActFixture(t, func(c Cluster) Cluster { hook.Cluster = c; return hook })
			observed := f.observe(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			tc.hook(hook, cancel)

			outcomes := f.act.Apply(ctx, actDecision(scaling.ModeEnforce, tc.changes...), observed)

			if ctx.Err() == nil {
				t.Fatal("the hook did not cancel the context")
			}
			for _, o := range outcomes {
				if o.Result != scaling.ResultApplied {
					t.Errorf("%s outcome = %s %v, want applied despite the cancellation", o.Change.Resource, o.Result, o.Err)
				}
			}
			cfg, err := f.client.Config(context.Background(), proxmox.Ref{Node: actNode, VMID: actVMID})
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, cfg)
		})
	}
}

func TestApplyRefusesWhatItCannotDo(t *testing.T) {
	f := newActFixture(t, nil)
	observed := f.observe(t)
	shrink := scaling.Change{Resource: scaling.ResourceDisk, Direction: scaling.Down, From: 8 << 30, To: 4 << 30}

	outcomes := f.act.Apply(context.Background(), actDecision(scaling.ModeEnforce, shrink), observed)
	if o := outcomes[0]; o.Result != scaling.ResultFailed || o.Err == nil {
		t.Errorf("disk shrink = %s %v, want failed", o.Result, o.Err)
	}
	outcomes = f.act.Apply(context.Background(), actDecision("yolo", actCoresUp), observed)
	if o := outcomes[0]; o.Result != scaling.ResultFailed || o.Err == nil {
		t.Errorf("unknown mode = %s %v, want failed", o.Result, o.Err)
	}
	if reqs := f.sim.Requests(); len(reqs) != 0 {
		t.Errorf("refused changes sent %d requests: %+v", len(reqs), reqs)
	}
}

func TestApplyWithoutMetricsOrAudit(t *testing.T) {
	f := newActFixture(t, nil)
	observed := f.observe(t)
	bare := NewActuator(ActuatorOptions{Cluster: f.client})
	d := actDecision(scaling.ModeEnforce, actMemoryUp)
	d.Score = math.NaN()

	outcomes := bare.Apply(context.Background(), d, observed)

	if o := outcomes[0]; o.Result != scaling.ResultApplied {
		t.Errorf("memory outcome = %s %v, want applied", o.Result, o.Err)
	}
	if got := f.rawConfig(t)["memory"]; got != strconv.Itoa(int(actMemoryUp.To)) {
		t.Errorf("memory = %s, want %d", got, actMemoryUp.To)
	}
}

// BenchmarkApplyDryRun is the cost of one dry-run change: a log line,
// two counters and an audit line, no request.
func BenchmarkApplyDryRun(b *testing.B) {
	metrics, err := NewMetrics(nil)
	if err != nil {
		b.Fatal(err)
	}
	audit, err := audit.Open(audit.Options{Path: filepath.Join(b.TempDir(), "audit.jsonl"), MaxSize: 1 << 20, MaxBackups: 2})
	if err != nil {
		b.Fatal(err)
	}
	defer audit.Close()
	act := NewActuator(ActuatorOptions{Logger: zerolog.New(io.Discard), Metrics: metrics, Audit: audit})
	d := actDecision(scaling.ModeDryRun, actCoresUp)
	b.ReportAllocs()
	for b.Loop() {
		act.Apply(context.Background(), d, scaling.Allocation{Cores: 2})
	}
}

func mustAct(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
