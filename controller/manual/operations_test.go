package manual_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/controller"
	"github.com/lxc-autoscale/lxc-autoscale/controller/audit"
	"github.com/lxc-autoscale/lxc-autoscale/controller/manual"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/workload"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesimtest"
)

// The containers of the operations fixture.
const (
	opsRunning   = 101 // pve1, running: 2 cores, 1024 MiB, 512 MiB swap, 8 GiB rootfs
	opsStopped   = 102 // pve2, stopped
	opsProtected = 103 // pve1, running, protection on
	opsNoCores   = 104 // pve2, running, cores unset
)

var opsCaller = manual.Caller{Token: "ops", Address: "192.0.2.7"}

// opsFixture is a simulated two-node cluster, a real client on it, and
// Operations with an Actuator and an audit file on that client.
type opsFixture struct {
	sim       *pvesim.Sim
	client    *proxmox.Client
	auditPath string
	ops       *manual.Operations
	now       *opsClock
}

// opsClock is the task registry's clock, moved by hand.
type opsClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *opsClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *opsClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// opsHookCluster runs a hook after the Config reads of Operations itself
// (not of its Actuator), to change the container between that read and the
// Actuator's.
type opsHookCluster struct {
	manual.Cluster
	afterConfig func()
}

func (h *opsHookCluster) Config(ctx context.Context, ref proxmox.Ref) (proxmox.Config, error) {
	cfg, err := h.Cluster.Config(ctx, ref)
	if h.afterConfig != nil {
		h.afterConfig()
	}
	return cfg, err
}

func newOpsFixture(t *testing.T, mutate func(*manual.Options)) *opsFixture {
	t.Helper()
	sim, client := newOpsSim(t, pvesim.Options{
		Nodes: 2,
		Specs: []pvesim.ContainerSpec{
			{VMID: opsRunning, Node: "pve1", Cores: 2, MemoryMiB: 1024, SwapMiB: 512, DiskGiB: 8, Workload: workload.Idle},
			{VMID: opsStopped, Node: "pve2", Cores: 1, MemoryMiB: 512, DiskGiB: 4, Workload: workload.Idle, Stopped: true},
			{VMID: opsProtected, Node: "pve1", Cores: 1, MemoryMiB: 512, DiskGiB: 4, Workload: workload.Idle, Protection: true},
			{VMID: opsNoCores, Node: "pve2", MemoryMiB: 512, DiskGiB: 4, Workload: workload.Idle},
		},
		// A task lasts 1 s of simulated time, 50 ms of real time.
		Speed:        20,
		TaskDuration: time.Second,
	})
	auditPath := filepath.Join(t.TempDir(), "audit.jsonl")
	auditLog, err := audit.Open(audit.Options{Path: auditPath})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { auditLog.Close() })
	logger := zerolog.New(zerolog.NewTestWriter(t))
	clock := &opsClock{t: time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)}
	o := manual.Options{
		Cluster: client,
		Actuator: controller.NewActuator(controller.ActuatorOptions{
			Cluster: client, Logger: logger, Audit: auditLog, TaskTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second,
		}),
		Audit: auditLog, Logger: logger, TaskTimeout: 10 * time.Second, Now: clock.Now, WatchTasks: true,
	}
	if mutate != nil {
		mutate(&o)
	}
	ops := manual.New(o)
	t.Cleanup(ops.Close) // before the audit closes
	return &opsFixture{sim: sim, client: client, auditPath: auditPath, ops: ops, now: clock}
}

// sent returns the requests since the last ResetRequests matching method
// and route ("" matches any).
func (f *opsFixture) sent(method, route string) []pvesim.Request {
	var out []pvesim.Request
	for _, r := range f.sim.Requests() {
		if (method == "" || r.Method == method) && (route == "" || r.Route == route) {
			out = append(out, r)
		}
	}
	return out
}

func (f *opsFixture) audit(t *testing.T) []audit.Record {
	t.Helper()
	records, err := audit.Read(f.auditPath, 0)
	if err != nil {
		t.Fatal(err)
	}
	return records
}

// waitTaskEnd waits until a watcher has audited the end of task upid (in
// the background, after the task ended) and returns that record and the
// one of its start.
func (f *opsFixture) waitTaskEnd(t *testing.T, upid string) (start, end audit.Record) {
	t.Helper()
	return waitTaskEndIn(t, f.auditPath, upid)
}

func waitTaskEndIn(t *testing.T, auditPath, upid string) (start, end audit.Record) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		records, err := audit.Read(auditPath, 0)
		if err != nil {
			t.Fatal(err)
		}
		var starts, ends []audit.Record
		for _, r := range records {
			switch {
			case r.Task != upid:
			case r.Result == manual.ResultStarted:
				starts = append(starts, r)
			default:
				ends = append(ends, r)
			}
		}
		if len(ends) > 0 {
			if len(starts) != 1 || len(ends) != 1 {
				t.Fatalf("task %s: %d start and %d end records, want one of each: %+v", upid, len(starts), len(ends), records)
			}
			return starts[0], ends[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("the end of task %s was not audited: %+v", upid, records)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (f *opsFixture) state(t *testing.T, vmid int) pvesim.ContainerState {
	t.Helper()
	st, ok := f.sim.Container(vmid)
	if !ok {
		t.Fatalf("container %d does not exist", vmid)
	}
	return st
}

// waitDone waits for a task through Operations.Task and requires it to
// have ended with OK.
func (f *opsFixture) waitDone(t *testing.T, info manual.TaskInfo) manual.TaskInfo {
	t.Helper()
	got, err := f.ops.Task(context.Background(), info.ID, 5*time.Second)
	if err != nil {
		t.Fatalf("Task(%s): %v", info.ID, err)
	}
	if !got.Done || got.ExitStatus != "OK" || got.Failed() {
		t.Fatalf("Task(%s) = %+v, want done with OK", info.ID, got)
	}
	return got
}

func intp(v int) *int { return &v }

func wantClass(t *testing.T, err error, want controller.ErrorClass) {
	t.Helper()
	if got := controller.Classify(err); got != want {
		t.Fatalf("error %v classifies as %q, want %q", err, got, want)
	}
}

func TestSetResourcesAppliesInOnePUTWithDigest(t *testing.T) {
	f := newOpsFixture(t, nil)
	before := f.state(t, opsRunning)
	f.sim.ResetRequests()

	digest, err := f.ops.SetResources(context.Background(), opsCaller, opsRunning,
		manual.ResourceRequest{Cores: intp(4), MemoryMiB: intp(2048), SwapMiB: intp(512), Digest: before.Digest})
	if err != nil {
		t.Fatal(err)
	}

	after := f.state(t, opsRunning)
	if digest != after.Digest || digest == before.Digest {
		t.Errorf("SetResources returned digest %q; before %q, after %q", digest, before.Digest, after.Digest)
	}
	puts := f.sent(http.MethodPut, actConfigRoute)
	if len(puts) != 1 {
		t.Fatalf("PUT config sent %d times, want once", len(puts))
	}
	p := puts[0].Params
	if p.Get("digest") != before.Digest || p.Get("cores") != "4" || p.Get("memory") != "2048" || p.Has("swap") {
		t.Errorf("PUT params = %v, want digest %s, cores 4, memory 2048 and no swap (unchanged)", p, before.Digest)
	}
	if after.Config["cores"] != "4" || after.Config["memory"] != "2048" || after.Config["swap"] != "512" {
		t.Errorf("config after = %v", after.Config)
	}
	records := f.audit(t)
	if len(records) != 2 {
		t.Fatalf("audit has %d records, want 2 (cores, memory): %+v", len(records), records)
	}
	for _, r := range records {
		if r.Source != "api:ops" || r.Client != opsCaller.Address || r.VMID != opsRunning || r.Node != "pve1" ||
			r.Result != scaling.ResultApplied || r.Mode != string(scaling.ModeEnforce) || r.Reason != "manual" || r.Direction != "up" {
			t.Errorf("audit record = %+v", r)
		}
	}
	if r := records[0]; r.Resource != "memory" || r.From != 1024 || r.To != 2048 {
		t.Errorf("memory record = %+v, want 1024 -> 2048", r)
	}
}

func TestSetResourcesRefusals(t *testing.T) {
	for _, tc := range []struct {
		name    string
		vmid    int
		prepare func(t *testing.T, f *opsFixture)
		req     func(f *opsFixture) manual.ResourceRequest
		class   controller.ErrorClass
		is      error
		audited bool // a skipped record for the refused change
	}{
		{
			name: "if-match mismatch", vmid: opsRunning,
			req: func(*opsFixture) manual.ResourceRequest {
				return manual.ResourceRequest{Cores: intp(3), Digest: "0123456789abcdef"}
			},
			class: controller.ClassConflict, is: proxmox.ErrDigestMismatch, audited: true,
		},
		{
			name: "locked", vmid: opsRunning,
			prepare: func(t *testing.T, f *opsFixture) { mustAct(t, f.sim.SetLock(opsRunning, "backup")) },
			req:     func(*opsFixture) manual.ResourceRequest { return manual.ResourceRequest{MemoryMiB: intp(2048)} },
			class:   controller.ClassConflict, is: proxmox.ErrLocked, audited: true,
		},
		{
			name: "unknown vmid", vmid: 4242,
			req:   func(*opsFixture) manual.ResourceRequest { return manual.ResourceRequest{Cores: intp(2)} },
			class: controller.ClassNotFound, is: proxmox.ErrNotFound,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newOpsFixture(t, nil)
			if tc.prepare != nil {
				tc.prepare(t, f)
			}
			before, _ := f.sim.Container(tc.vmid)
			f.sim.ResetRequests()

			_, err := f.ops.SetResources(context.Background(), opsCaller, tc.vmid, tc.req(f))

			wantClass(t, err, tc.class)
			if !errors.Is(err, tc.is) {
				t.Errorf("error %v does not match %v", err, tc.is)
			}
			if puts := f.sent(http.MethodPut, ""); len(puts) != 0 {
				t.Errorf("sent %d PUTs, want none", len(puts))
			}
			if after, _ := f.sim.Container(tc.vmid); after.Digest != before.Digest {
				t.Errorf("config changed: digest %s -> %s", before.Digest, after.Digest)
			}
			records := f.audit(t)
			if tc.audited && (len(records) != 1 || records[0].Result != scaling.ResultSkipped || records[0].Source != "api:ops") {
				t.Errorf("audit = %+v, want one skipped record", records)
			}
			if !tc.audited && len(records) != 0 {
				t.Errorf("audit = %+v, want nothing", records)
			}
		})
	}
	t.Run("locked names the lock", func(t *testing.T) {
		f := newOpsFixture(t, nil)
		mustAct(t, f.sim.SetLock(opsRunning, "backup"))
		_, err := f.ops.SetResources(context.Background(), opsCaller, opsRunning, manual.ResourceRequest{Cores: intp(3)})
		var locked *proxmox.LockedError
		if !errors.As(err, &locked) || locked.Lock != "backup" {
			t.Errorf("error %v: want a LockedError naming backup", err)
		}
	})
}

func TestSetResourcesInvalidSendsNothing(t *testing.T) {
	for _, tc := range []struct {
		name   string
		vmid   int
		req    manual.ResourceRequest
		fields []string
	}{
		{"nothing to set", opsRunning, manual.ResourceRequest{}, []string{"resources"}},
		{"zero cores", opsRunning, manual.ResourceRequest{Cores: intp(0)}, []string{"cores"}},
		{"too many cores", opsRunning, manual.ResourceRequest{Cores: intp(manual.MaxCores + 1)}, []string{"cores"}},
		{"memory below 16 MiB", opsRunning, manual.ResourceRequest{MemoryMiB: intp(15)}, []string{"memory"}},
		{"memory above 4 TiB", opsRunning, manual.ResourceRequest{MemoryMiB: intp(manual.MaxMemoryMiB + 1)}, []string{"memory"}},
		{"negative swap", opsRunning, manual.ResourceRequest{SwapMiB: intp(-1)}, []string{"swap"}},
		{"every field at once", 99, manual.ResourceRequest{Cores: intp(-3), MemoryMiB: intp(1), SwapMiB: intp(manual.MaxSwapMiB + 1)},
			[]string{"vmid", "cores", "memory", "swap"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newOpsFixture(t, nil)
			f.sim.ResetRequests()

			_, err := f.ops.SetResources(context.Background(), opsCaller, tc.vmid, tc.req)

			wantClass(t, err, controller.ClassInvalid)
			var inv *manual.InvalidRequestError
			if !errors.As(err, &inv) {
				t.Fatalf("error %v is not an manual.InvalidRequestError", err)
			}
			var fields []string
			for _, fe := range inv.Fields {
				fields = append(fields, fe.Field)
			}
			if strings.Join(fields, ",") != strings.Join(tc.fields, ",") {
				t.Errorf("bad fields = %v, want %v (%v)", fields, tc.fields, err)
			}
			if n := len(f.sim.Requests()); n != 0 {
				t.Errorf("sent %d requests, want none", n)
			}
		})
	}
}

func TestSetResourcesAlreadyInPlaceWritesNothing(t *testing.T) {
	f := newOpsFixture(t, nil)
	before := f.state(t, opsRunning)
	f.sim.ResetRequests()

	digest, err := f.ops.SetResources(context.Background(), opsCaller, opsRunning,
		manual.ResourceRequest{Cores: intp(2), MemoryMiB: intp(1024), SwapMiB: intp(512)})

	if err != nil || digest != before.Digest {
		t.Errorf("SetResources = %q, %v; want the unchanged digest %q", digest, err, before.Digest)
	}
	if puts := f.sent(http.MethodPut, ""); len(puts) != 0 {
		t.Errorf("sent %d PUTs, want none", len(puts))
	}
	if records := f.audit(t); len(records) != 0 {
		t.Errorf("audit = %+v, want nothing", records)
	}
}

func TestSetResourcesChangeBetweenReadsIsAConflict(t *testing.T) {
	for _, tc := range []struct {
		name    string
		change  func(t *testing.T, sim *pvesim.Sim)
		ifMatch bool
	}{
		// The Actuator's fresh read sees other cores than Operations read.
		{"value changed", func(t *testing.T, sim *pvesim.Sim) { mustAct(t, sim.SetConfig(opsRunning, "cores", "4")) }, false},
		// Only the digest can tell; the caller's If-Match asked for it.
		{"digest changed with if-match", func(t *testing.T, sim *pvesim.Sim) {
			mustAct(t, sim.SetConfig(opsRunning, "description", "edited by an admin"))
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hook := &opsHookCluster{}
			f := newOpsFixture(t, func(o *manual.Options) { hook.Cluster = o.Cluster; o.Cluster = hook })
			before := f.state(t, opsRunning)
			once := sync.Once{}
			hook.afterConfig = func() { once.Do(func() { tc.change(t, f.sim) }) }
			req := manual.ResourceRequest{Cores: intp(3)}
			if tc.ifMatch {
				req.Digest = before.Digest
			}
			f.sim.ResetRequests()

			_, err := f.ops.SetResources(context.Background(), opsCaller, opsRunning, req)

			wantClass(t, err, controller.ClassConflict)
			if !errors.Is(err, proxmox.ErrDigestMismatch) {
				t.Errorf("error %v does not match ErrDigestMismatch", err)
			}
			if want := "set resources of container 101: config changed since it was read"; err.Error() != want {
				t.Errorf("error = %v\nwant    %s", err, want)
			}
			if puts := f.sent(http.MethodPut, actConfigRoute); len(puts) != 0 {
				t.Errorf("sent %d PUTs, want none", len(puts))
			}
			if got := f.state(t, opsRunning).Config["cores"]; got == "3" {
				t.Errorf("cores = %s: the request overwrote the other change", got)
			}
		})
	}
}

func TestSetResourcesSetsUnmanagedCores(t *testing.T) {
	f := newOpsFixture(t, nil)
	if _, err := f.ops.SetResources(context.Background(), opsCaller, opsNoCores, manual.ResourceRequest{Cores: intp(2)}); err != nil {
		t.Fatal(err)
	}
	if got := f.state(t, opsNoCores).Config["cores"]; got != "2" {
		t.Errorf("cores = %q, want 2: an operator's request sets cores the loop leaves alone", got)
	}
}

func TestSetResourcesReportsAppliedOutcomes(t *testing.T) {
	var gotVMID int
	var got []scaling.Outcome
	f := newOpsFixture(t, func(o *manual.Options) {
		o.Applied = func(vmid int, outcomes []scaling.Outcome) { gotVMID, got = vmid, outcomes }
	})
	if _, err := f.ops.SetResources(context.Background(), opsCaller, opsRunning, manual.ResourceRequest{MemoryMiB: intp(768)}); err != nil {
		t.Fatal(err)
	}
	if gotVMID != opsRunning || len(got) != 1 || got[0].Result != scaling.ResultApplied || got[0].Change.Direction != scaling.Down ||
		got[0].Change.From != 1024 || got[0].Change.To != 768 {
		t.Errorf("Applied got %d %+v", gotVMID, got)
	}
}

func TestGrowDiskStartsATask(t *testing.T) {
	var mu sync.Mutex
	var recorded []audit.Record
	f := newOpsFixture(t, func(o *manual.Options) {
		o.Recorded = func(r audit.Record) { mu.Lock(); recorded = append(recorded, r); mu.Unlock() }
	})
	before := f.state(t, opsRunning)
	f.sim.ResetRequests()

	info, err := f.ops.GrowDisk(context.Background(), opsCaller, opsRunning, "rootfs", 2<<30)
	if err != nil {
		t.Fatal(err)
	}

	if info.ID == "" || info.VMID != opsRunning || info.Node != "pve1" || info.Operation != manual.OpResize || info.Done || info.StartedAt.IsZero() {
		t.Errorf("GrowDisk = %+v, want a running resize task", info)
	}
	resizes := f.sent(http.MethodPut, actResizeRoute)
	if len(resizes) != 1 || resizes[0].Params.Get("digest") != before.Digest || resizes[0].Params.Get("size") != "+2G" {
		t.Fatalf("resize requests = %+v, want one of +2G with digest %s", resizes, before.Digest)
	}
	done := f.waitDone(t, info)
	if done.ID != info.ID || done.Operation != manual.OpResize || done.VMID != opsRunning {
		t.Errorf("Task = %+v, want the resize", done)
	}
	if got := f.state(t, opsRunning).Config["rootfs"]; got != "local-lvm:vm-101-disk-0,size=10G" {
		t.Errorf("rootfs = %s, want 10G", got)
	}
	r, end := f.waitTaskEnd(t, info.ID)
	if r.Source != "api:ops" || r.Resource != "disk" || r.Operation != manual.OpResize || r.Result != manual.ResultStarted ||
		r.From != 8<<30 || r.To != 10<<30 || r.Task != info.ID || r.Reason != "rootfs" {
		t.Errorf("audit record = %+v", r)
	}
	if end.Result != scaling.ResultApplied || end.ExitStatus != "OK" || end.Operation != manual.OpResize || end.To != 10<<30 {
		t.Errorf("audit record of the end = %+v, want applied with OK", end)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(recorded) != 2 || recorded[0].Result != manual.ResultStarted || recorded[1].Result != scaling.ResultApplied ||
		recorded[1].Task != end.Task || recorded[1].To != end.To || recorded[1].Source != end.Source {
		t.Errorf("recorded %+v, want the start and the end as audited", recorded)
	}
}

func TestGrowDiskRefusals(t *testing.T) {
	for _, tc := range []struct {
		name  string
		disk  string
		grow  uint64
		lock  string
		class controller.ErrorClass
		sends bool
	}{
		{"not a disk", "sda", 1 << 30, "", controller.ClassInvalid, false},
		// PVE has mp0 to mp255 (pve-container's MAX_MOUNT_POINTS); past
		// that is a bad request, not a missing mount point.
		{"past mp255", "mp256", 1 << 30, "", controller.ClassInvalid, false},
		{"leading zero", "mp07", 1 << 30, "", controller.ClassInvalid, false},
		{"grow by nothing", "rootfs", 0, "", controller.ClassInvalid, false},
		{"grow below 1 MiB", "rootfs", 1<<20 - 1, "", controller.ClassInvalid, false},
		{"grow above 16 TiB", "rootfs", 16<<40 + 1, "", controller.ClassInvalid, false},
		{"no such mount point", "mp3", 1 << 30, "", controller.ClassNotFound, true},
		{"locked", "rootfs", 1 << 30, "snapshot", controller.ClassConflict, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newOpsFixture(t, nil)
			if tc.lock != "" {
				mustAct(t, f.sim.SetLock(opsRunning, tc.lock))
			}
			f.sim.ResetRequests()
			_, err := f.ops.GrowDisk(context.Background(), opsCaller, opsRunning, tc.disk, tc.grow)
			wantClass(t, err, tc.class)
			if n := len(f.sim.Requests()); (n > 0) != tc.sends {
				t.Errorf("sent %d requests; want some: %v", n, tc.sends)
			}
			if resizes := f.sent(http.MethodPut, actResizeRoute); len(resizes) != 0 {
				t.Errorf("sent %d resizes, want none", len(resizes))
			}
		})
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	f := newOpsFixture(t, nil)
	ctx := context.Background()

	created, err := f.ops.CreateSnapshot(ctx, opsCaller, opsRunning, "before-upgrade", "kernel 6.14")
	if err != nil {
		t.Fatal(err)
	}
	if created.Operation != manual.OpSnapshot {
		t.Errorf("CreateSnapshot = %+v", created)
	}
	f.waitDone(t, created)
	// A change after the snapshot, for the rollback to undo.
	if _, err := f.ops.SetResources(ctx, opsCaller, opsRunning, manual.ResourceRequest{MemoryMiB: intp(2048)}); err != nil {
		t.Fatal(err)
	}

	snaps, err := f.ops.Snapshots(ctx, opsRunning)
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 1 || snaps[0].Name != "before-upgrade" || snaps[0].Description != "kernel 6.14" || snaps[0].Time.IsZero() {
		t.Fatalf("Snapshots = %+v, want before-upgrade only (no current)", snaps)
	}
	detail, err := f.ops.Container(ctx, opsRunning)
	if err != nil {
		t.Fatal(err)
	}
	if detail.Ref != (proxmox.Ref{Node: "pve1", VMID: opsRunning}) || len(detail.Snapshots) != 1 ||
		detail.Config.MemoryMiB != 2048 || detail.Status.Status != "running" {
		t.Errorf("Container = %+v", detail)
	}

	_, err = f.ops.CreateSnapshot(ctx, opsCaller, opsRunning, "before-upgrade", "")
	wantClass(t, err, controller.ClassConflict)

	rolled, err := f.ops.RollbackSnapshot(ctx, opsCaller, opsRunning, "before-upgrade", true)
	if err != nil {
		t.Fatal(err)
	}
	f.waitDone(t, rolled)
	st := f.state(t, opsRunning)
	if st.Config["memory"] != "1024" || !st.Running {
		t.Errorf("after rollback with start: memory %s, running %v; want 1024 and running", st.Config["memory"], st.Running)
	}

	deleted, err := f.ops.DeleteSnapshot(ctx, opsCaller, opsRunning, "before-upgrade")
	if err != nil {
		t.Fatal(err)
	}
	f.waitDone(t, deleted)
	if snaps, err := f.ops.Snapshots(ctx, opsRunning); err != nil || len(snaps) != 0 {
		t.Errorf("Snapshots after delete = %+v, %v; want none", snaps, err)
	}
	_, err = f.ops.RollbackSnapshot(ctx, opsCaller, opsRunning, "before-upgrade", false)
	wantClass(t, err, controller.ClassNotFound)

	var ops []string
	for _, r := range f.audit(t) {
		if r.Resource == "snapshot" && r.Result == manual.ResultStarted {
			if r.Reason != "before-upgrade" || r.Result != manual.ResultStarted || r.Source != "api:ops" || r.Task == "" {
				t.Errorf("snapshot audit record = %+v", r)
			}
			ops = append(ops, r.Operation)
		}
	}
	if strings.Join(ops, ",") != "snapshot-delete,rollback,snapshot" {
		t.Errorf("snapshot audit operations (newest first) = %v", ops)
	}
}

func TestSnapshotNamesAreValidatedBeforeSending(t *testing.T) {
	f := newOpsFixture(t, nil)
	for _, name := range []string{"", "current", "vzdump", "1st", "a", "with space", "-dash", strings.Repeat("x", 41)} {
		f.sim.ResetRequests()
		_, err := f.ops.CreateSnapshot(context.Background(), opsCaller, opsRunning, name, "")
		if controller.Classify(err) != controller.ClassInvalid {
			t.Errorf("CreateSnapshot(%q): %v, want invalid", name, err)
		}
		if n := len(f.sim.Requests()); n != 0 {
			t.Errorf("CreateSnapshot(%q) sent %d requests", name, n)
		}
	}
}

func TestCloneTakesTheNextID(t *testing.T) {
	f := newOpsFixture(t, nil)

	info, err := f.ops.Clone(context.Background(), opsCaller, opsStopped, manual.CloneRequest{Hostname: "web-2.example.org", Full: true})
	if err != nil {
		t.Fatal(err)
	}

	// The fixture's VMIDs start at 101: the next free one is 100.
	if info.NewVMID != 100 || info.Operation != manual.OpClone || info.VMID != opsStopped {
		t.Errorf("Clone = %+v, want new VMID 100", info)
	}
	f.waitDone(t, info)
	clone := f.state(t, 100)
	if clone.Config["hostname"] != "web-2.example.org" || clone.Node != "pve2" || clone.Lock != "" {
		t.Errorf("clone = %+v", clone)
	}
	start, end := f.waitTaskEnd(t, info.ID)
	if start.Operation != manual.OpClone || start.To != 100 || start.VMID != opsStopped {
		t.Errorf("audit record = %+v", start)
	}
	if end.Result != scaling.ResultApplied || end.Operation != manual.OpClone || end.To != 100 {
		t.Errorf("audit record of the end = %+v, want the clone to 100 applied", end)
	}
}

func TestCloneRefusals(t *testing.T) {
	for _, tc := range []struct {
		name  string
		req   manual.CloneRequest
		class controller.ErrorClass
	}{
		{"bad hostname", manual.CloneRequest{Hostname: "web_2", Full: true}, controller.ClassInvalid},
		{"bad new id", manual.CloneRequest{NewID: 42, Full: true}, controller.ClassInvalid},
		{"new id taken", manual.CloneRequest{NewID: opsRunning, Full: true}, controller.ClassConflict},
		{"unknown target", manual.CloneRequest{Target: "pve9", Full: true}, controller.ClassInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newOpsFixture(t, nil)
			_, err := f.ops.Clone(context.Background(), opsCaller, opsStopped, tc.req)
			wantClass(t, err, tc.class)
			if ids := f.sim.ContainerIDs(); len(ids) != 4 {
				t.Errorf("containers = %v, want the fixture's four", ids)
			}
		})
	}
}

func TestDeleteRefusesProtectedContainer(t *testing.T) {
	f := newOpsFixture(t, nil)
	f.sim.ResetRequests()

	_, err := f.ops.Delete(context.Background(), opsCaller, opsProtected, true)

	wantClass(t, err, controller.ClassConflict)
	if !strings.Contains(err.Error(), "protection mode enabled") {
		t.Errorf("error %q does not carry PVE's reason", err)
	}
	st := f.state(t, opsProtected)
	if !st.Running {
		t.Error("the protected container was stopped before the refusal")
	}
	if stops := f.sent(http.MethodPost, "/nodes/{node}/lxc/{vmid}/status/stop"); len(stops) != 0 {
		t.Errorf("sent %d stops, want none", len(stops))
	}
	records := f.audit(t)
	if len(records) != 1 || records[0].Result != scaling.ResultFailed || records[0].Operation != manual.OpDelete ||
		!strings.Contains(records[0].Error, "protection mode enabled") {
		t.Errorf("audit = %+v, want one failed delete", records)
	}
}

func TestDeleteStopsAndDestroys(t *testing.T) {
	f := newOpsFixture(t, nil)

	info, err := f.ops.Delete(context.Background(), opsCaller, opsRunning, false)
	if err != nil {
		t.Fatal(err)
	}

	if info.Operation != manual.OpDelete || info.VMID != opsRunning {
		t.Errorf("Delete = %+v", info)
	}
	f.waitDone(t, info)
	if _, exists := f.sim.Container(opsRunning); exists {
		t.Error("container still exists after the delete task")
	}
	_, err = f.ops.Container(context.Background(), opsRunning)
	wantClass(t, err, controller.ClassNotFound)
}

func TestSetPaused(t *testing.T) {
	type call struct {
		vmid   int
		paused bool
	}
	var calls []call
	f := newOpsFixture(t, func(o *manual.Options) {
		o.Pause = func(vmid int, paused bool) { calls = append(calls, call{vmid, paused}) }
		o.Locate = func(vmid int) (string, bool) { return "pve1", vmid == opsRunning }
	})
	ctx := context.Background()
	mustAct(t, f.ops.SetPaused(ctx, opsCaller, opsRunning, true))
	mustAct(t, f.ops.SetPaused(ctx, opsCaller, opsRunning, false))
	wantClass(t, f.ops.SetPaused(ctx, opsCaller, 12, true), controller.ClassInvalid)

	if len(calls) != 2 || calls[0] != (call{opsRunning, true}) || calls[1] != (call{opsRunning, false}) {
		t.Errorf("Pause calls = %+v", calls)
	}
	records := f.audit(t)
	if len(records) != 2 {
		t.Fatalf("audit = %+v, want two records", records)
	}
	for i, want := range []string{manual.OpResume, manual.OpPause} {
		r := records[i]
		if r.Operation != want || r.Direction != want || r.Resource != "autoscaling" || r.Source != "api:ops" ||
			r.Node != "pve1" || r.Result != scaling.ResultApplied || r.Client != opsCaller.Address {
			t.Errorf("record %d = %+v, want %s", i, r, want)
		}
	}

	without := newOpsFixture(t, nil)
	err := without.ops.SetPaused(ctx, opsCaller, opsRunning, true)
	wantClass(t, err, controller.ClassConflict)
	if !strings.Contains(err.Error(), "not running in this process") {
		t.Errorf("error %q", err)
	}
}

func TestTaskUnknownAndForgotten(t *testing.T) {
	f := newOpsFixture(t, nil)
	ctx := context.Background()
	_, err := f.ops.Task(ctx, "UPID:pve1:00001234:00000001:6746A000:vzsnapshot:101:root@pam!loop:", 0)
	wantClass(t, err, controller.ClassNotFound)

	info, err := f.ops.GrowDisk(ctx, opsCaller, opsRunning, "rootfs", 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	f.waitDone(t, info)
	f.now.Advance(59 * time.Minute)
	if _, err := f.ops.Task(ctx, info.ID, 0); err != nil {
		t.Errorf("Task 59 minutes after it finished: %v", err)
	}
	f.now.Advance(2 * time.Minute)
	_, err = f.ops.Task(ctx, info.ID, 0)
	wantClass(t, err, controller.ClassNotFound)
}

func TestTaskReportsAFailedTask(t *testing.T) {
	f := newOpsFixture(t, nil)
	f.sim.InjectFault(pvesim.Fault{Route: actResizeRoute, TaskExit: "resize failed: no space left on volume group", Count: 1})

	info, err := f.ops.GrowDisk(context.Background(), opsCaller, opsRunning, "rootfs", 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.ops.Task(context.Background(), info.ID, 5*time.Second)

	if err != nil || !got.Done || !got.Failed() || !strings.Contains(got.ExitStatus, "no space left") {
		t.Errorf("Task = %+v, %v; want done and failed with PVE's exit status", got, err)
	}
}

func TestTaskWithoutWaitPollsOnce(t *testing.T) {
	f := newOpsFixture(t, func(o *manual.Options) { o.WatchTasks = false }) // a watcher polls too
	info, err := f.ops.CreateSnapshot(context.Background(), opsCaller, opsRunning, "quick", "")
	if err != nil {
		t.Fatal(err)
	}
	f.sim.ResetRequests()
	got, err := f.ops.Task(context.Background(), info.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.sent(http.MethodGet, "/nodes/{node}/tasks/{upid}/status")); n != 1 {
		t.Errorf("polled %d times, want once", n)
	}
	if got.ID != info.ID {
		t.Errorf("Task = %+v", got)
	}
}

func TestLocate(t *testing.T) {
	stale := func(int) (string, bool) { return "pve2", true } // the loop saw it on pve2; it is on pve1
	f := newOpsFixture(t, func(o *manual.Options) { o.Locate = stale })
	ctx := context.Background()

	ref, err := f.ops.Locate(ctx, opsRunning)
	if err != nil || ref != (proxmox.Ref{Node: "pve2", VMID: opsRunning}) {
		t.Errorf("Locate = %v, %v; want the snapshot's answer", ref, err)
	}
	f.sim.ResetRequests()
	detail, err := f.ops.Container(ctx, opsRunning)
	if err != nil || detail.Ref.Node != "pve1" {
		t.Errorf("Container after a migration = %+v, %v; want it found on pve1", detail.Ref, err)
	}
	if n := len(f.sent(http.MethodGet, "/cluster/resources")); n != 1 {
		t.Errorf("looked the container up %d times, want once", n)
	}
	_, err = f.ops.Locate(ctx, 1)
	wantClass(t, err, controller.ClassInvalid)

	plain := newOpsFixture(t, nil)
	_, err = plain.ops.Locate(ctx, 777)
	wantClass(t, err, controller.ClassNotFound)
	if err.Error() != "locate container 777: no such container in the cluster" {
		t.Errorf("error %q", err)
	}
}

func TestContainersAndNodes(t *testing.T) {
	f := newOpsFixture(t, nil)
	cts, err := f.ops.Containers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(cts) != 4 || cts[0].VMID != opsRunning || cts[0].Node != "pve1" || cts[0].Status != "running" ||
		cts[0].MaxMem != 1024<<20 || cts[0].MaxDisk >= 8<<30 || cts[0].MaxDisk < 8<<30*95/100 || cts[1].Status != "stopped" {
		t.Errorf("Containers = %+v", cts)
	}
	nodes, err := f.ops.Nodes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) != 2 || nodes[0].Name != "pve1" || !nodes[0].Online || nodes[0].CPUs == 0 || nodes[0].MemoryBytes == 0 {
		t.Errorf("Nodes = %+v", nodes)
	}
}

func TestDeleteRefusesLockedContainerWithoutStopping(t *testing.T) {
	f := newOpsFixture(t, nil)
	mustAct(t, f.sim.SetLock(opsRunning, "backup"))
	f.sim.ResetRequests()

	_, err := f.ops.Delete(context.Background(), opsCaller, opsRunning, false)

	wantClass(t, err, controller.ClassConflict)
	if st := f.state(t, opsRunning); !st.Running {
		t.Error("the locked container was stopped")
	}
	if writes := len(f.sim.Requests()) - len(f.sent(http.MethodGet, "")); writes != 0 {
		t.Errorf("sent %d writes, want none", writes)
	}
}

func TestSetResourcesStaysWithinThePolicyBounds(t *testing.T) {
	rules := scaling.Rules{
		CPU:    scaling.CPURules{Min: 1, Max: 4},
		Memory: scaling.MemoryRules{Min: 512 << 20, Max: 2 << 30},
		Swap:   scaling.SwapRules{Enabled: true, Min: 0, Max: 1 << 30},
	}
	f := newOpsFixture(t, func(o *manual.Options) {
		o.Bounds = func(vmid int) (string, scaling.Rules, bool) { return "web", rules, vmid == opsRunning }
	})
	f.sim.ResetRequests()

	_, err := f.ops.SetResources(context.Background(), opsCaller, opsRunning,
		manual.ResourceRequest{Cores: intp(6), MemoryMiB: intp(256), SwapMiB: intp(2048)})
	var inv *manual.InvalidRequestError
	if !errors.As(err, &inv) || len(inv.Fields) != 3 {
		t.Fatalf("SetResources beyond the policy = %v, want the three fields refused", err)
	}
	if want := `cores: must be 1..4 under policy "web", got 6`; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q lacks %q", err, want)
	}
	if n := len(f.sim.Requests()); n != 0 {
		t.Errorf("sent %d requests for a refused change", n)
	}
	if _, err := f.ops.SetResources(context.Background(), opsCaller, opsRunning, manual.ResourceRequest{Cores: intp(4)}); err != nil {
		t.Errorf("cores at the policy's max refused: %v", err)
	}
	// A container the loop does not manage gets only the absolute limits.
	if _, err := f.ops.SetResources(context.Background(), opsCaller, opsProtected, manual.ResourceRequest{Cores: intp(6)}); err != nil {
		t.Errorf("unmanaged container refused: %v", err)
	}
}

func TestStartStartsAndAudits(t *testing.T) {
	f := newOpsFixture(t, nil)
	info, err := f.ops.Start(context.Background(), opsCaller, opsStopped)
	if err != nil {
		t.Fatal(err)
	}
	if done := f.waitDone(t, info); done.Failed() || done.Operation != manual.OpStart {
		t.Fatalf("start task = %+v", done)
	}
	if !f.state(t, opsStopped).Running {
		t.Error("container not running after Start")
	}
	if start, _ := f.waitTaskEnd(t, info.ID); start.Operation != manual.OpStart || start.Source != "api:"+opsCaller.Token {
		t.Errorf("audit record = %+v, want the start with its task", start)
	}
	if _, err := f.ops.Start(context.Background(), opsCaller, 99999); controller.Classify(err) != controller.ClassNotFound {
		t.Errorf("Start of an unknown container: %v, want not found", err)
	}
}

// TestOperationErrorsSayItOnce: an error names the operation and the
// container once and says what is missing once, and still matches the
// sentinel the API maps.
func TestOperationErrorsSayItOnce(t *testing.T) {
	f := newOpsFixture(t, nil)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		call func() error
		want string
		is   error
	}{
		{"container", func() error { _, err := f.ops.Container(ctx, 999); return err },
			"read container 999: no such container in the cluster", proxmox.ErrNotFound},
		{"locate", func() error { _, err := f.ops.Locate(ctx, 999); return err },
			"locate container 999: no such container in the cluster", proxmox.ErrNotFound},
		{"set resources", func() error {
			_, err := f.ops.SetResources(ctx, opsCaller, 999, manual.ResourceRequest{Cores: intp(2)})
			return err
		}, "set resources of container 999: no such container in the cluster", proxmox.ErrNotFound},
		{"grow a missing container", func() error { _, err := f.ops.GrowDisk(ctx, opsCaller, 999, "rootfs", 1<<30); return err },
			"grow rootfs of container 999: no such container in the cluster", proxmox.ErrNotFound},
		{"grow a missing disk", func() error { _, err := f.ops.GrowDisk(ctx, opsCaller, opsRunning, "mp3", 1<<30); return err },
			"grow mp3 of container 101: no such disk", proxmox.ErrNotFound},
		{"snapshots", func() error { _, err := f.ops.Snapshots(ctx, 999); return err },
			"snapshots of container 999: no such container in the cluster", proxmox.ErrNotFound},
		{"rollback to a missing snapshot", func() error {
			_, err := f.ops.RollbackSnapshot(ctx, opsCaller, opsRunning, "nosnap", false)
			return err
		}, `rollback "nosnap" of container 101: no such snapshot`, proxmox.ErrNotFound},
		{"clone", func() error { _, err := f.ops.Clone(ctx, opsCaller, 999, manual.CloneRequest{}); return err },
			"clone container 999: no such container in the cluster", proxmox.ErrNotFound},
		{"delete", func() error { _, err := f.ops.Delete(ctx, opsCaller, 999, false); return err },
			"delete container 999: no such container in the cluster", proxmox.ErrNotFound},
		{"start", func() error { _, err := f.ops.Start(ctx, opsCaller, 999); return err },
			"start container 999: no such container in the cluster", proxmox.ErrNotFound},
		{"task", func() error { _, err := f.ops.Task(ctx, "UPID:pve1:1:2:3:vzstart:101:root@pam:", 0); return err },
			"task UPID:pve1:1:2:3:vzstart:101:root@pam:: not started by this process, or forgotten an hour after it ended", proxmox.ErrNotFound},
		{"pause without the loop", func() error { return f.ops.SetPaused(ctx, opsCaller, opsRunning, true) },
			"pause or resume container 101: autoscaling is not running in this process", proxmox.ErrConflict},
		{"another digest", func() error {
			_, err := f.ops.SetResources(ctx, opsCaller, opsRunning, manual.ResourceRequest{Cores: intp(3), Digest: "0123abcd"})
			return err
		}, "set resources of container 101: config digest is " + f.state(t, opsRunning).Digest + ", not 0123abcd", proxmox.ErrDigestMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if err == nil || err.Error() != tc.want {
				t.Errorf("error = %v\nwant    %s", err, tc.want)
			}
			if !errors.Is(err, tc.is) {
				t.Errorf("error %v does not match %v", err, tc.is)
			}
		})
	}

	// Creating a snapshot that exists is a conflict, said once.
	info, err := f.ops.CreateSnapshot(ctx, opsCaller, opsRunning, "before", "")
	if err != nil {
		t.Fatal(err)
	}
	f.waitDone(t, info)
	_, err = f.ops.CreateSnapshot(ctx, opsCaller, opsRunning, "before", "")
	if want := `snapshot "before" of container 101: a snapshot of that name exists`; err == nil || err.Error() != want {
		t.Errorf("error = %v\nwant    %s", err, want)
	}
	wantClass(t, err, controller.ClassConflict)
}

// TestManualOperationsAuditTheModeInForce: an operator's change is made in
// every mode, and its audit record says the mode the container's policy
// is in, not enforce.
func TestManualOperationsAuditTheModeInForce(t *testing.T) {
	rules := scaling.Rules{
		Mode:   scaling.ModeDryRun,
		CPU:    scaling.CPURules{Min: 1, Max: 4},
		Memory: scaling.MemoryRules{Min: 256 << 20, Max: 4 << 30},
	}
	f := newOpsFixture(t, func(o *manual.Options) {
		o.Bounds = func(vmid int) (string, scaling.Rules, bool) { return "web", rules, vmid == opsRunning }
	})
	ctx := context.Background()
	if _, err := f.ops.SetResources(ctx, opsCaller, opsRunning, manual.ResourceRequest{Cores: intp(3)}); err != nil {
		t.Fatal(err)
	}
	if got := f.state(t, opsRunning).Config["cores"]; got != "3" {
		t.Errorf("cores = %q, want 3: a manual change is made in dry-run too", got)
	}
	info, err := f.ops.CreateSnapshot(ctx, opsCaller, opsRunning, "before", "")
	if err != nil {
		t.Fatal(err)
	}
	f.waitDone(t, info)
	// A container the loop does not know: the write is all there is.
	if _, err := f.ops.SetResources(ctx, opsCaller, opsProtected, manual.ResourceRequest{Cores: intp(2)}); err != nil {
		t.Fatal(err)
	}

	records := f.audit(t) // newest first
	var resize, snapshot, unknown *audit.Record
	for i := range records {
		r := &records[i]
		switch {
		case r.VMID == opsRunning && r.Resource == string(scaling.ResourceCores):
			resize = r
		case r.VMID == opsRunning && r.Operation == manual.OpSnapshot && r.Result == manual.ResultStarted:
			snapshot = r
		case r.VMID == opsProtected:
			unknown = r
		}
	}
	if resize == nil || resize.Mode != string(scaling.ModeDryRun) || resize.Result != scaling.ResultApplied {
		t.Errorf("cores record = %+v, want mode dry-run, result applied", resize)
	}
	if snapshot == nil || snapshot.Mode != string(scaling.ModeDryRun) {
		t.Errorf("snapshot record = %+v, want mode dry-run", snapshot)
	}
	if unknown == nil || unknown.Mode != string(scaling.ModeEnforce) {
		t.Errorf("record of a container without a policy = %+v, want mode enforce", unknown)
	}
}

// TestSetCoresOnUnsetCoresAuditsWhatItHad: cores set on a container whose
// config has none are audited from the CPUs it had (all the node's
// threads), with a reason that says cores were unset.
func TestSetCoresOnUnsetCoresAuditsWhatItHad(t *testing.T) {
	f := newOpsFixture(t, nil)
	ctx := context.Background()
	nodes, err := f.client.Nodes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	threads := 0
	for _, n := range nodes {
		if n.Name == "pve2" {
			threads = n.CPUs
		}
	}
	if threads <= 2 {
		t.Fatalf("pve2 has %d threads; the test needs more than 2", threads)
	}
	if _, err := f.ops.SetResources(ctx, opsCaller, opsNoCores, manual.ResourceRequest{Cores: intp(2)}); err != nil {
		t.Fatal(err)
	}
	var rec *audit.Record
	for _, r := range f.audit(t) {
		if r.VMID == opsNoCores && r.Resource == string(scaling.ResourceCores) {
			rec = &r
			break
		}
	}
	want := fmt.Sprintf("manual; cores were unset: %d CPUs (all threads of the node)", threads)
	if rec == nil || rec.From != int64(threads) || rec.To != 2 || rec.Direction != string(scaling.Down) || rec.Reason != want {
		t.Fatalf("audit record = %+v\nwant from %d to 2, down, reason %q", rec, threads, want)
	}
}

// rollbackRoute is pvesim's route of a snapshot rollback.
const rollbackRoute = "/nodes/{node}/lxc/{vmid}/snapshot/{snapname}/rollback"

// snapshotFor makes a snapshot of opsRunning to roll back to.
func (f *opsFixture) snapshotFor(t *testing.T, name string) {
	t.Helper()
	info, err := f.ops.CreateSnapshot(context.Background(), opsCaller, opsRunning, name, "")
	if err != nil {
		t.Fatal(err)
	}
	f.waitDone(t, info)
}

// TestFailedRollbackIsAuditedFailed: a rollback whose task fails is
// audited failed, with PVE's exit status, under the UPID of its start.
func TestFailedRollbackIsAuditedFailed(t *testing.T) {
	f := newOpsFixture(t, nil)
	f.snapshotFor(t, "before")
	const exit = "unable to rollback: volume is busy"
	f.sim.InjectFault(pvesim.Fault{Route: rollbackRoute, TaskExit: exit, Count: 1})

	info, err := f.ops.RollbackSnapshot(context.Background(), opsCaller, opsRunning, "before", false)
	if err != nil {
		t.Fatal(err)
	}
	start, end := f.waitTaskEnd(t, info.ID)
	if start.Result != manual.ResultStarted || start.Operation != manual.OpRollback {
		t.Errorf("start record = %+v", start)
	}
	if end.Result != scaling.ResultFailed || end.ExitStatus != exit || end.Error != exit || end.Operation != manual.OpRollback ||
		end.VMID != opsRunning || end.Source != "api:ops" || end.Client != opsCaller.Address || end.Reason != "before" {
		t.Errorf("end record = %+v\nwant failed with exit status %q", end, exit)
	}
	// The watcher's answer is the API's too, without another poll.
	f.sim.ResetRequests()
	got, err := f.ops.Task(context.Background(), info.ID, 0)
	if err != nil || !got.Failed() || got.ExitStatus != exit {
		t.Errorf("Task = %+v, %v; want failed with %q", got, err, exit)
	}
	if n := len(f.sent(http.MethodGet, "/nodes/{node}/tasks/{upid}/status")); n != 0 {
		t.Errorf("Task of an ended task polled %d times, want none", n)
	}
}

// restartOps is a second Operations on the fixture's cluster and audit,
// as the process started again would build it.
func (f *opsFixture) restartOps(t *testing.T) (*manual.Operations, *audit.Log) {
	t.Helper()
	log, err := audit.Open(audit.Options{Path: f.auditPath})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	ops := manual.New(manual.Options{
		Cluster: f.client, Audit: log, Logger: zerolog.New(zerolog.NewTestWriter(t)),
		TaskTimeout: 10 * time.Second, Now: f.now.Now, WatchTasks: true,
	})
	t.Cleanup(ops.Close)
	return ops, log
}

// waitTaskEnded waits, through the client, until PVE has the task ended.
func (f *opsFixture) waitTaskEnded(t *testing.T, upid string) proxmox.Task {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		task, err := f.client.Task(context.Background(), upid)
		if err != nil {
			t.Fatal(err)
		}
		if task.Done() {
			return task
		}
		if time.Now().After(deadline) {
			t.Fatalf("task %s did not end", upid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestTaskEndsAreAuditedAcrossARestart: tasks audited as started when the
// process stopped get their end audited after the next start, whether they
// ended meanwhile or are still running, and once only.
func TestTaskEndsAreAuditedAcrossARestart(t *testing.T) {
	f := newOpsFixture(t, nil)
	ctx := context.Background()
	f.snapshotFor(t, "before")
	const exit = "unable to rollback: volume is busy"
	f.sim.InjectFault(pvesim.Fault{Route: rollbackRoute, TaskExit: exit, Count: 1})

	// Stopped clock: the tasks cannot end before the process stops.
	f.sim.Clock().SetSpeed(0)
	failing, err := f.ops.RollbackSnapshot(ctx, opsCaller, opsRunning, "before", false)
	if err != nil {
		t.Fatal(err)
	}
	running, err := f.ops.CreateSnapshot(ctx, opsCaller, opsStopped, "later", "")
	if err != nil {
		t.Fatal(err)
	}
	f.ops.Close()
	for _, r := range f.audit(t) {
		if r.Result != manual.ResultStarted && r.Result != scaling.ResultApplied {
			t.Fatalf("before the restart: %+v; want only starts (and the first snapshot)", r)
		}
	}

	// While the process is down, the rollback ends (failing); the snapshot
	// of the other container is still running at the restart.
	f.sim.Clock().Advance(time.Second)
	f.waitTaskEnded(t, failing.ID)

	// A start whose task PVE does not know (its node was reinstalled).
	lost := "UPID:pve2:0000AAAA:0000BBBB:6B155F0C:vzdelsnapshot:102:root@pam!loop:"
	restarted, restartedAudit := f.restartOps(t)
	if err := restartedAudit.Append(audit.Record{
		Source: "api:ops", Operation: manual.OpSnapshotDelete, VMID: opsStopped, Node: "pve2", Resource: "snapshot",
		Reason: "old", Result: manual.ResultStarted, Task: lost, Score: math.NaN(),
	}); err != nil {
		t.Fatal(err)
	}
	if err := restarted.RecoverTasks(ctx); err != nil {
		t.Fatal(err)
	}

	if _, end := f.waitTaskEnd(t, failing.ID); end.Result != scaling.ResultFailed || end.ExitStatus != exit || end.Operation != manual.OpRollback {
		t.Errorf("end of the rollback = %+v, want failed with %q", end, exit)
	}
	if _, end := f.waitTaskEnd(t, lost); end.Result != manual.ResultTaskUnknown || end.Operation != manual.OpSnapshotDelete {
		t.Errorf("end of the lost task = %+v, want unknown", end)
	}
	// The recovered tasks are the API's to answer about, but the lost one.
	if got, err := restarted.Task(ctx, failing.ID, 0); err != nil || !got.Failed() || got.Operation != manual.OpRollback {
		t.Errorf("Task(rollback) after the restart = %+v, %v; want it failed", got, err)
	}
	if _, err := restarted.Task(ctx, lost, 0); !errors.Is(err, proxmox.ErrNotFound) {
		t.Errorf("Task(lost) after the restart: %v, want not found", err)
	}
	// The running task is watched: its end is audited when it comes.
	f.sim.Clock().SetSpeed(20)
	if _, end := f.waitTaskEnd(t, running.ID); end.Result != scaling.ResultApplied || end.ExitStatus != "OK" || end.VMID != opsStopped {
		t.Errorf("end of the snapshot = %+v, want applied with OK", end)
	}

	// Once recorded, never again: a further start finds nothing to do.
	again, _ := f.restartOps(t)
	if err := again.RecoverTasks(ctx); err != nil {
		t.Fatal(err)
	}
	again.Close()
	for _, upid := range []string{failing.ID, running.ID, lost} {
		f.waitTaskEnd(t, upid) // fails on a second end record
	}
}

// TestTaskWaitersShareTheWatcher: callers waiting for a task wait for its
// watcher instead of polling Proxmox each.
func TestTaskWaitersShareTheWatcher(t *testing.T) {
	f := newOpsFixture(t, nil)
	ctx := context.Background()
	f.sim.Clock().SetSpeed(0) // the task runs until the clock moves
	info, err := f.ops.CreateSnapshot(ctx, opsCaller, opsRunning, "shared", "")
	if err != nil {
		t.Fatal(err)
	}
	f.sim.ResetRequests()
	const waiters = 50
	results := make(chan manual.TaskInfo, waiters)
	errs := make(chan error, waiters)
	for range waiters {
		go func() {
			got, err := f.ops.Task(ctx, info.ID, 10*time.Second)
			results <- got
			errs <- err
		}()
	}
	f.sim.Clock().Advance(2 * time.Second)
	for range waiters {
		if got, err := <-results, <-errs; err != nil || !got.Done || got.ExitStatus != "OK" {
			t.Fatalf("Task = %+v, %v; want done with OK", got, err)
		}
	}
	if n := len(f.sent(http.MethodGet, "/nodes/{node}/tasks/{upid}/status")); n >= waiters {
		t.Errorf("%d status polls for %d waiters; want the watcher's alone", n, waiters)
	}
}

// Routes of the requests a resource change sends.
const (
	actConfigRoute = "/nodes/{node}/lxc/{vmid}/config"
	actResizeRoute = "/nodes/{node}/lxc/{vmid}/resize"
)

func mustAct(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// newOpsSim is a simulated cluster behind a real HTTP server and a real
// client on it.
func newOpsSim(tb testing.TB, o pvesim.Options) (*pvesim.Sim, *proxmox.Client) {
	tb.Helper()
	if o.Seed == 0 {
		o.Seed = 3
	}
	sim, client, _ := pvesimtest.Start(tb, o, pvesimtest.FailFast())
	return sim, client
}
