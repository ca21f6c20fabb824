package proxmox

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
)

// requestsFor returns the logged requests with method and route.
func requestsFor(sim *pvesim.Sim, method, route string) []pvesim.Request {
	var out []pvesim.Request
	for _, r := range sim.Requests() {
		if r.Method == method && r.Route == route {
			out = append(out, r)
		}
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func mustCT(t *testing.T, sim *pvesim.Sim, vmid int) pvesim.ContainerState {
	t.Helper()
	st, ok := sim.Container(vmid)
	if !ok {
		t.Fatalf("container %d does not exist in the simulator", vmid)
	}
	return st
}

func refOf(t *testing.T, sim *pvesim.Sim, vmid int) Ref {
	t.Helper()
	return Ref{Node: mustCT(t, sim, vmid).Node, VMID: vmid}
}

func TestReadsMatchSimulator(t *testing.T) {
	t.Parallel()
	sim, srv := newSim(t, pvesim.Options{Nodes: 2, Specs: []pvesim.ContainerSpec{
		{VMID: 101, Node: "pve1", Name: "web", Cores: 2, MemoryMiB: 1024, SwapMiB: 256, DiskGiB: 8, Tags: []string{"prod", "web"}, Pool: "prod"},
		{VMID: 102, Node: "pve1", Name: "capped", CPULimit: 1.5, MemoryMiB: 512, DiskGiB: 4},
		{VMID: 201, Node: "pve2", Name: "off", Cores: 1, MemoryMiB: 256, DiskGiB: 4, Stopped: true},
	}})
	c, _ := newTestClient(t, []string{srv.URL}, nil)
	ctx := context.Background()

	v, err := c.Version(ctx)
	if err != nil || v.Version == "" || v.Release == "" {
		t.Errorf("Version() = %+v, %v", v, err)
	}

	nodes, err := c.Nodes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if names := []string{nodes[0].Name, nodes[1].Name}; len(nodes) != 2 || !slices.Equal(names, sim.NodeNames()) {
		t.Fatalf("Nodes() = %+v, want %v", nodes, sim.NodeNames())
	}
	for i, n := range nodes {
		if !n.Online || n.CPUs != pvesim.DefaultNodeThreads[i] || n.MemoryBytes != 128<<30 {
			t.Errorf("node %+v: want online, %d CPUs, 128 GiB (pvesim defaults)", n, pvesim.DefaultNodeThreads[i])
		}
	}

	ns, err := c.NodeStatus(ctx, "pve1")
	if err != nil || ns.CPUs != pvesim.DefaultNodeThreads[0] || ns.MemoryTotal != 128<<30 || ns.Name != "pve1" {
		t.Errorf("NodeStatus(pve1) = %+v, %v", ns, err)
	}

	cts, err := c.Containers(ctx, "pve1")
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int]Container{}
	for _, ct := range cts {
		byID[ct.VMID] = ct
	}
	web, capped := byID[101], byID[102]
	if len(cts) != 2 || web.Name != "web" || web.Node != "pve1" || web.Status != "running" || web.CPUs != 2 ||
		web.MaxMem != 1024<<20 || web.MaxSwap != 256<<20 || !dfOf(web.MaxDisk, 8<<30) || !slices.Equal(web.Tags, []string{"prod", "web"}) {
		t.Errorf("Containers(pve1) 101 = %+v", web)
	}
	if web.Pressure == nil {
		t.Error("Containers(pve1) 101 has no PSI; pvesim is PVE 9 and the container runs")
	}
	if u := mustCT(t, sim, 101).Usage; web.Mem == 0 || web.Mem != u.Mem || web.Swap != u.Swap {
		t.Errorf("101 mem, swap = %d, %d; want the simulator's live usage %d, %d", web.Mem, web.Swap, u.Mem, u.Swap)
	}
	if capped.CPUs != 1.5 {
		t.Errorf("Containers(pve1) 102 CPUs = %v, want 1.5 from the string cpulimit", capped.CPUs)
	}

	all, err := c.ClusterContainers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 {
		t.Fatalf("ClusterContainers() returned %d containers, want 3: %+v", len(all), all)
	}
	for _, ct := range all {
		switch ct.VMID {
		case 101:
			if ct.Pool != "prod" || ct.Node != "pve1" {
				t.Errorf("cluster 101 = %+v, want pool prod on pve1", ct)
			}
		case 102:
			if ct.CPUs != 1.5 {
				t.Errorf("cluster 102 maxcpu = %v, want fractional 1.5", ct.CPUs)
			}
		case 201:
			if ct.Status != "stopped" || ct.Node != "pve2" {
				t.Errorf("cluster 201 = %+v, want stopped on pve2", ct)
			}
		}
	}

	st, err := c.ContainerStatus(ctx, Ref{Node: "pve1", VMID: 101})
	if err != nil || st.VMID != 101 || st.Status != "running" || st.MaxMem != 1024<<20 {
		t.Errorf("ContainerStatus(101) = %+v, %v", st, err)
	}

	cfg, err := c.Config(ctx, Ref{Node: "pve1", VMID: 102})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.CPULimit != 1.5 || cfg.Cores != 0 || cfg.MemoryMiB != 512 || cfg.Digest != mustCT(t, sim, 102).Digest ||
		cfg.RootFS.SizeBytes != 4<<30 || cfg.Hostname != "capped" {
		t.Errorf("Config(102) = %+v, want cpulimit 1.5, no cores, 512 MiB, 4 GiB rootfs, digest %s", cfg, mustCT(t, sim, 102).Digest)
	}

	for _, cf := range []ConsolidationFunction{"", CFAverage, CFMax} {
		pts, err := c.RRD(ctx, Ref{Node: "pve1", VMID: 101}, TimeframeHour, cf)
		if err != nil || len(pts) == 0 {
			t.Fatalf("RRD(101, hour, %q) = %d points, %v", cf, len(pts), err)
		}
		if _, ok := pts[len(pts)-1].MaxMem.Get(); !ok {
			t.Errorf("RRD(101) last point has no maxmem: %+v", pts[len(pts)-1])
		}
	}
	stopped, err := c.RRD(ctx, Ref{Node: "pve2", VMID: 201}, TimeframeHour, "")
	if err != nil || len(stopped) == 0 {
		t.Fatalf("RRD(201) = %v", err)
	}
	if p := stopped[len(stopped)-1]; p.CPU.Valid || p.Mem.Valid {
		t.Errorf("RRD of a stopped container has cpu/mem: %+v", p)
	}
	if _, err := c.RRD(ctx, Ref{Node: "pve1", VMID: 101}, "decade", ""); !errors.Is(err, ErrValidation) {
		t.Errorf("RRD(decade) error = %v, want ErrValidation", err)
	}

	id, err := c.NextID(ctx)
	if err != nil || id < 100 || id == 101 || id == 102 || id == 201 {
		t.Errorf("NextID() = %d, %v; want a free id", id, err)
	}
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	sim, c := newSimClient(t, pvesim.Options{Nodes: 2, Containers: 4}, nil)
	ctx := context.Background()
	ref := refOf(t, sim, 100)
	other := "pve1"
	if ref.Node == "pve1" {
		other = "pve2"
	}
	for name, call := range map[string]func() error{
		"config on the wrong node": func() error { _, err := c.Config(ctx, Ref{Node: other, VMID: 100}); return err },
		"status of a missing ct":   func() error { _, err := c.ContainerStatus(ctx, Ref{Node: ref.Node, VMID: 999}); return err },
		"unknown node":             func() error { _, err := c.Containers(ctx, "nosuchnode"); return err },
	} {
		err := call()
		var api *APIError
		if !errors.Is(err, ErrNotFound) || !errors.As(err, &api) || api.Status != 500 {
			t.Errorf("%s: error = %v, want ErrNotFound from a 500 APIError", name, err)
		}
		if Retryable(err) {
			t.Errorf("%s: Retryable = true", name)
		}
	}
}

func TestUpdateConfig(t *testing.T) {
	t.Parallel()
	sim, c := newSimClient(t, pvesim.Options{Nodes: 1, Containers: 2}, nil)
	ctx := context.Background()
	ref := refOf(t, sim, 100)
	cfg := mustConfig(t, c, ref)
	sim.ResetRequests()
	err := c.UpdateConfig(ctx, ref, ConfigUpdate{Cores: ptr(3), Memory: ptr(3072), Swap: ptr(128), CPULimit: ptr(2.5), Digest: cfg.Digest})
	if err != nil {
		t.Fatal(err)
	}
	puts := requestsFor(sim, "PUT", "/nodes/{node}/lxc/{vmid}/config")
	if len(puts) != 1 {
		t.Fatalf("%d PUT config requests, want 1", len(puts))
	}
	p := puts[0].Params
	if p.Get("cores") != "3" || p.Get("memory") != "3072" || p.Get("swap") != "128" || p.Get("cpulimit") != "2.5" || p.Get("digest") != cfg.Digest {
		t.Errorf("PUT config params = %v", p)
	}
	st := mustCT(t, sim, 100)
	if st.Config["cores"] != "3" || st.Config["memory"] != "3072" || st.Config["cpulimit"] != "2.5" {
		t.Errorf("simulator config after update = %v", st.Config)
	}
	after, err := c.Config(ctx, ref)
	if err != nil || after.Cores != 3 || after.CPULimit != 2.5 || after.Digest == cfg.Digest {
		t.Errorf("Config after update = %+v, %v; want cores 3, cpulimit 2.5, a new digest", after, err)
	}
	if err := c.UpdateConfig(ctx, ref, ConfigUpdate{Delete: []string{"cpulimit"}, Digest: after.Digest}); err != nil {
		t.Fatal(err)
	}
	if v, ok := mustCT(t, sim, 100).Config["cpulimit"]; ok {
		t.Errorf("cpulimit still set to %q after delete", v)
	}

	// refused before sending
	for name, u := range map[string]ConfigUpdate{
		"no digest":      {Cores: ptr(2)},
		"nothing to do":  {Digest: "abc"},
		"cores 0":        {Cores: ptr(0), Digest: "abc"},
		"memory 8":       {Memory: ptr(8), Digest: "abc"},
		"set and delete": {Cores: ptr(2), Delete: []string{"cores"}, Digest: "abc"},
		"bad key":        {Delete: []string{"Bad Key"}, Digest: "abc"},
	} {
		sim.ResetRequests()
		if err := c.UpdateConfig(ctx, ref, u); !errors.Is(err, ErrValidation) {
			t.Errorf("%s: error = %v, want ErrValidation", name, err)
		}
		if n := len(sim.Requests()); n != 0 {
			t.Errorf("%s: %d requests sent, want none", name, n)
		}
	}
}

func TestDigestConflict(t *testing.T) {
	t.Parallel()
	sim, c := newSimClient(t, pvesim.Options{Nodes: 1, Containers: 1}, nil)
	ctx := context.Background()
	ref := refOf(t, sim, 100)
	cfg := mustConfig(t, c, ref)
	if err := sim.SetConfig(100, "memory", "2048"); err != nil { // an admin edits the config
		t.Fatal(err)
	}
	sim.ResetRequests()
	err := c.UpdateConfig(ctx, ref, ConfigUpdate{Memory: ptr(4096), Digest: cfg.Digest})
	if !errors.Is(err, ErrDigestMismatch) {
		t.Fatalf("UpdateConfig with a stale digest: error = %v, want ErrDigestMismatch", err)
	}
	if Retryable(err) {
		t.Error("a digest mismatch must not be Retryable: it needs a fresh read")
	}
	if n := len(requestsFor(sim, "PUT", "/nodes/{node}/lxc/{vmid}/config")); n != 1 {
		t.Errorf("%d PUT config requests, want exactly 1 (no retry)", n)
	}
	if got := mustCT(t, sim, 100).Config["memory"]; got != "2048" {
		t.Errorf("memory = %s, want the admin's 2048 kept", got)
	}
	if _, err := c.ResizeDisk(ctx, ref, "rootfs", 1<<30, cfg.Digest); !errors.Is(err, ErrDigestMismatch) {
		t.Errorf("ResizeDisk with a stale digest: error = %v, want ErrDigestMismatch", err)
	}
}

func TestLocked(t *testing.T) {
	t.Parallel()
	sim, c := newSimClient(t, pvesim.Options{Nodes: 1, Containers: 1, Speed: 100}, nil)
	ctx := context.Background()
	ref := refOf(t, sim, 100)
	if err := sim.SetLock(100, "backup"); err != nil {
		t.Fatal(err)
	}
	cfg, err := c.Config(ctx, ref)
	if err != nil || cfg.Lock != "backup" {
		t.Fatalf("Config of a locked ct = %+v, %v; want lock backup visible", cfg, err)
	}
	err = c.UpdateConfig(ctx, ref, ConfigUpdate{Cores: ptr(2), Digest: cfg.Digest})
	var le *LockedError
	if !errors.Is(err, ErrLocked) || !errors.As(err, &le) || le.Lock != "backup" {
		t.Fatalf("UpdateConfig on a locked ct: error = %v, want ErrLocked with lock backup", err)
	}
	if Retryable(err) {
		t.Error("ErrLocked is Retryable")
	}
	// snapshot tasks start and then fail on the lock, as in PVE
	task, err := c.CreateSnapshot(ctx, ref, "locked", "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.WaitTask(ctx, task, 10*time.Second)
	le = nil
	if !errors.Is(err, ErrTaskFailed) || !errors.Is(err, ErrLocked) || !errors.As(err, &le) || le.Lock != "backup" {
		t.Errorf("snapshot of a locked ct: WaitTask error = %v, want ErrTaskFailed and ErrLocked(backup)", err)
	}
}

func TestValidationError(t *testing.T) {
	t.Parallel()
	sim, c := newSimClient(t, pvesim.Options{Nodes: 1, Containers: 1}, nil)
	ctx := context.Background()
	ref := refOf(t, sim, 100)
	cfg := mustConfig(t, c, ref)
	err := c.UpdateConfig(ctx, ref, ConfigUpdate{Delete: []string{"nosuchoption"}, Digest: cfg.Digest})
	var api *APIError
	if !errors.Is(err, ErrValidation) || !errors.As(err, &api) || api.Status != 400 || api.Params["delete"] == "" {
		t.Fatalf("UpdateConfig(delete unknown) error = %v, want ErrValidation with a delete param message", err)
	}
	if !strings.Contains(err.Error(), "delete: ") {
		t.Errorf("error text %q does not name the parameter", err)
	}
}

func TestPermissionDenied(t *testing.T) {
	t.Parallel()
	sim, c := newSimClient(t, pvesim.Options{Nodes: 1, Containers: 1}, nil)
	ctx := context.Background()
	ref := refOf(t, sim, 100)
	cfg := mustConfig(t, c, ref)
	sim.InjectFault(pvesim.Fault{Method: "PUT", Route: "/nodes/{node}/lxc/{vmid}/config", Status: 403,
		Reason: "Permission check failed (/vms/100, VM.Config.Memory)", Count: 1})
	err := c.UpdateConfig(ctx, ref, ConfigUpdate{Memory: ptr(2048), Digest: cfg.Digest})
	var pe *PermissionError
	if !errors.Is(err, ErrPermission) || !errors.As(err, &pe) || pe.Path != "/vms/100" || pe.Privilege != "VM.Config.Memory" {
		t.Fatalf("error = %v (%+v), want ErrPermission naming /vms/100 and VM.Config.Memory", err, pe)
	}
	if Retryable(err) {
		t.Error("ErrPermission is Retryable")
	}
}

func TestAuthFailure(t *testing.T) {
	t.Parallel()
	_, c := newSimClient(t, pvesim.Options{Nodes: 1, Containers: 1}, func(o *Options) { o.TokenSecret = "wrong-" + testTokenSecret })
	_, err := c.Nodes(context.Background())
	var api *APIError
	if !errors.Is(err, ErrAuth) || !errors.As(err, &api) || api.Status != 401 || Retryable(err) {
		t.Fatalf("wrong token: error = %v, want a non-retryable ErrAuth 401", err)
	}
	assertNoSecret(t, err, "wrong-"+testTokenSecret, testTokenSecret)
}

func TestNodeUnreachable(t *testing.T) {
	t.Parallel()
	sim, c := newSimClient(t, pvesim.Options{Nodes: 2, Containers: 4}, nil)
	ctx := context.Background()

	t.Run("offline", func(t *testing.T) {
		sim.SetNodeOnline("pve2", false)
		defer sim.SetNodeOnline("pve2", true)
		nodes, err := c.Nodes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range nodes {
			if n.Name == "pve2" && n.Online {
				t.Errorf("pve2 listed online while offline: %+v", n)
			}
		}
		sim.ResetRequests()
		_, err = c.Containers(ctx, "pve2")
		var api *APIError
		if !errors.Is(err, ErrNodeUnreachable) || !errors.As(err, &api) || api.Status != 595 || !Retryable(err) {
			t.Fatalf("Containers(offline pve2) error = %v, want a retryable ErrNodeUnreachable 595", err)
		}
		if n := len(requestsFor(sim, "GET", "/nodes/{node}/lxc")); n != 1 {
			t.Errorf("%d GETs for an offline node, want 1 (595 is not retried within the call)", n)
		}
		if _, err := c.Containers(ctx, "pve1"); err != nil {
			t.Errorf("Containers(pve1) while pve2 is offline: %v", err)
		}
	})

	t.Run("mid-call", func(t *testing.T) {
		sim.InjectFault(pvesim.Fault{Method: "GET", Route: "/nodes/{node}/lxc", Node: "pve2", Latency: 300 * time.Millisecond, Count: 1})
		done := make(chan error, 1)
		go func() {
			_, err := c.Containers(ctx, "pve2")
			done <- err
		}()
		// the counted fault is used up once the request has arrived; it
		// then waits out its latency before pve2's state is looked at
		if !eventually(func() bool { return len(sim.Faults()) == 0 }) {
			t.Fatal("the listing of pve2 never reached pvesim")
		}
		sim.SetNodeOnline("pve2", false)
		defer sim.SetNodeOnline("pve2", true)
		if err := <-done; !errors.Is(err, ErrNodeUnreachable) {
			t.Fatalf("Containers(pve2) with pve2 going offline mid-call: error = %v, want ErrNodeUnreachable", err)
		}
	})

	t.Run("596 is retried for reads", func(t *testing.T) {
		sim.InjectFault(pvesim.Fault{Method: "GET", Route: "/nodes/{node}/lxc", Node: "pve1", Status: 596, Reason: "Connection timed out", Count: 1})
		before := testutil.ToFloat64(c.metrics.retries.WithLabelValues("GET", "/nodes/{node}/lxc"))
		if _, err := c.Containers(ctx, "pve1"); err != nil {
			t.Fatalf("Containers after one 596: %v", err)
		}
		if got := testutil.ToFloat64(c.metrics.retries.WithLabelValues("GET", "/nodes/{node}/lxc")) - before; got != 1 {
			t.Errorf("retries = %v, want 1", got)
		}
	})
}

func TestTaskLifecycle(t *testing.T) {
	t.Parallel()
	sim, c := newSimClient(t, pvesim.Options{Nodes: 2, Containers: 2, Speed: 100, TaskDuration: 2 * time.Second}, nil)
	ctx := context.Background()
	ref := refOf(t, sim, 100)
	wait := func(task Task, err error) Task {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		done, err := c.WaitTask(ctx, task, 20*time.Second)
		if err != nil {
			t.Fatalf("task %s: %v", task.UPID, err)
		}
		if !done.Done() || done.Running || (done.ExitStatus != "OK" && !strings.HasPrefix(done.ExitStatus, "WARNINGS")) {
			t.Fatalf("task %s ended as %+v", task.UPID, done)
		}
		return done
	}

	t.Run("snapshots", func(t *testing.T) {
		task, err := c.CreateSnapshot(ctx, ref, "before_up", "pre upgrade")
		if task.Type != "vzsnapshot" || task.Node != ref.Node || task.ID != "100" {
			t.Errorf("CreateSnapshot task = %+v", task)
		}
		wait(task, err)
		snaps, err := c.Snapshots(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		if len(snaps) != 1 || snaps[0].Name != "before_up" || snaps[0].Description != "pre upgrade" || snaps[0].Time.IsZero() {
			t.Fatalf("Snapshots = %+v, want only before_up with its description and time", snaps)
		}
		cfg := mustConfig(t, c, ref)
		if err := c.UpdateConfig(ctx, ref, ConfigUpdate{Memory: ptr(cfg.MemoryMiB * 2), Digest: cfg.Digest}); err != nil {
			t.Fatal(err)
		}
		wait(c.RollbackSnapshot(ctx, ref, "before_up", true))
		st := mustCT(t, sim, 100)
		if st.Config["memory"] != strconv.Itoa(cfg.MemoryMiB) || !st.Running {
			t.Errorf("after rollback with start: memory %s running %v, want %d and running", st.Config["memory"], st.Running, cfg.MemoryMiB)
		}
		if p := requestsFor(sim, "POST", "/nodes/{node}/lxc/{vmid}/snapshot/{snapname}/rollback"); len(p) != 1 || p[0].Params.Get("start") != "1" {
			t.Errorf("rollback requests = %+v, want one with start=1", p)
		}
		wait(c.DeleteSnapshot(ctx, ref, "before_up"))
		if snaps, err := c.Snapshots(ctx, ref); err != nil || len(snaps) != 0 {
			t.Errorf("Snapshots after delete = %+v, %v", snaps, err)
		}
		if _, err := c.CreateSnapshot(ctx, ref, "current", ""); !errors.Is(err, ErrValidation) {
			t.Errorf("snapshot named current: error = %v, want ErrValidation", err)
		}
	})

	t.Run("start", func(t *testing.T) {
		if err := sim.SetRunning(100, false); err != nil {
			t.Fatal(err)
		}
		task, err := c.StartContainer(ctx, ref)
		if task.Type != "vzstart" {
			t.Errorf("start task type %q, want vzstart", task.Type)
		}
		wait(task, err)
		if st := mustCT(t, sim, 100); !st.Running {
			t.Error("container not running after its start task")
		}
		// Starting a running container is refused by PVE.
		if _, err := c.StartContainer(ctx, ref); err == nil {
			t.Error("starting a running container succeeded")
		}
	})

	t.Run("resize", func(t *testing.T) {
		cfg := mustConfig(t, c, ref)
		task, err := c.ResizeDisk(ctx, ref, "rootfs", 1<<30, cfg.Digest)
		if task.Type != "resize" {
			t.Errorf("resize task type %q", task.Type)
		}
		wait(task, err)
		if p := requestsFor(sim, "PUT", "/nodes/{node}/lxc/{vmid}/resize"); len(p) != 1 || p[0].Params.Get("size") != "+1G" || p[0].Params.Get("digest") != cfg.Digest {
			t.Errorf("resize requests = %+v, want one with size=+1G and the digest", p)
		}
		after, err := c.Config(ctx, ref)
		if err != nil || after.RootFS.SizeBytes != cfg.RootFS.SizeBytes+1<<30 {
			t.Errorf("rootfs after resize = %d, want %d", after.RootFS.SizeBytes, cfg.RootFS.SizeBytes+1<<30)
		}
		if _, err := c.ResizeDisk(ctx, ref, "rootfs", 0, ""); !errors.Is(err, ErrValidation) {
			t.Errorf("ResizeDisk by 0: %v, want ErrValidation", err)
		}
	})

	t.Run("clone and delete", func(t *testing.T) {
		// PVE refuses a full clone of a running container without a snapshot
		if _, _, err := c.Clone(ctx, ref, CloneOptions{Hostname: "copy", Full: true}); !errors.Is(err, ErrConflict) {
			t.Fatalf("full Clone of a running ct without a snapshot: %v, want ErrConflict", err)
		}
		wait(c.CreateSnapshot(ctx, ref, "base", ""))
		want, err := c.NextID(ctx)
		if err != nil {
			t.Fatal(err)
		}
		newID, task, err := c.Clone(ctx, ref, CloneOptions{Hostname: "copy", Full: true, SnapName: "base"})
		if err == nil && newID != want {
			t.Errorf("Clone took id %d, want next free %d", newID, want)
		}
		wait(task, err)
		clone := mustCT(t, sim, newID)
		if clone.Config["hostname"] != "copy" || clone.Node != ref.Node || clone.Lock != "" {
			t.Errorf("clone %d = %+v", newID, clone)
		}
		if _, _, err := c.Clone(ctx, ref, CloneOptions{NewID: newID, Full: true, SnapName: "base"}); !errors.Is(err, ErrConflict) {
			t.Errorf("Clone onto an existing id: %v, want ErrConflict", err)
		}
		// a large id goes out as digits (go-proxmox's query encoding would send 1e+06)
		bigID, task, err := c.Clone(ctx, ref, CloneOptions{NewID: 1000000, Full: true, SnapName: "base"})
		wait(task, err)
		clones := requestsFor(sim, "POST", "/nodes/{node}/lxc/{vmid}/clone")
		if last := clones[len(clones)-1]; bigID != 1000000 || last.Params.Get("newid") != "1000000" || last.Params.Get("full") != "1" || last.Params.Get("snapname") != "base" {
			t.Errorf("clone request params = %v", last.Params)
		}
		wait(c.DeleteContainer(ctx, Ref{Node: ref.Node, VMID: bigID}, DeleteOptions{}))

		if err := sim.SetRunning(newID, true); err != nil {
			t.Fatal(err)
		}
		newRef := Ref{Node: clone.Node, VMID: newID}
		if _, err := c.DeleteContainer(ctx, newRef, DeleteOptions{}); !errors.Is(err, ErrConflict) {
			t.Errorf("DeleteContainer(running, no StopFirst) error = %v, want ErrConflict", err)
		}
		wait(c.DeleteContainer(ctx, newRef, DeleteOptions{StopFirst: true, Purge: true}))
		if _, ok := sim.Container(newID); ok {
			t.Errorf("container %d still exists after delete", newID)
		}
		if n := len(requestsFor(sim, "POST", "/nodes/{node}/lxc/{vmid}/status/stop")); n != 1 {
			t.Errorf("%d stop requests, want 1", n)
		}
		if p := requestsFor(sim, "DELETE", "/nodes/{node}/lxc/{vmid}"); len(p) == 0 || p[len(p)-1].Params.Get("purge") != "1" {
			t.Errorf("destroy requests = %+v, want purge=1", p)
		}
		wait(c.DeleteSnapshot(ctx, ref, "base"))
	})

	t.Run("task log", func(t *testing.T) {
		task, err := c.CreateSnapshot(ctx, ref, "logged", "")
		done := wait(task, err)
		lines, err := c.TaskLog(ctx, done.UPID)
		if err != nil || len(lines) == 0 || !strings.Contains(lines[len(lines)-1].Text, "TASK OK") {
			t.Errorf("TaskLog = %+v, %v; want a log ending in TASK OK", lines, err)
		}
		if _, err := c.Task(ctx, "UPID:pve1:1:2:3:t"); err == nil {
			t.Error("Task(malformed upid) = nil error")
		}
	})
}

func TestTaskFailure(t *testing.T) {
	t.Parallel()
	sim, c := newSimClient(t, pvesim.Options{Nodes: 1, Containers: 1, Speed: 100}, nil)
	ctx := context.Background()
	ref := refOf(t, sim, 100)
	sim.InjectFault(pvesim.Fault{Method: "POST", Route: "/nodes/{node}/lxc/{vmid}/snapshot", TaskExit: "snapshot feature is not available", Count: 1})
	task, err := c.CreateSnapshot(ctx, ref, "nope", "")
	if err != nil {
		t.Fatal(err)
	}
	done, err := c.WaitTask(ctx, task, 20*time.Second)
	var te *TaskError
	if !errors.Is(err, ErrTaskFailed) || !errors.As(err, &te) || te.UPID != task.UPID || te.ExitStatus != "snapshot feature is not available" {
		t.Fatalf("WaitTask(failing task) = %v, want a TaskError with the exit status", err)
	}
	if done.Err() == nil || !done.Done() {
		t.Errorf("returned task %+v: want stopped with Err", done)
	}
	if Retryable(err) {
		t.Error("a failed task is Retryable")
	}
}

func TestWaitTaskHonoursContextAndTimeout(t *testing.T) {
	t.Parallel()
	sim, srv := newSim(t, pvesim.Options{Nodes: 1, Containers: 1, Speed: 0}) // tasks never finish
	c, _ := newTestClient(t, []string{srv.URL}, nil)
	task, err := c.CreateSnapshot(context.Background(), refOf(t, sim, 100), "slow", "")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	got, err := c.WaitTask(context.Background(), task, 300*time.Millisecond)
	if !errors.Is(err, ErrTimeout) || !got.Running {
		t.Errorf("WaitTask with timeout: %+v, %v; want ErrTimeout and a running task", got, err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("WaitTask took %s for a 300ms timeout", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	if _, err := c.WaitTask(ctx, task, 0); !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) {
		t.Errorf("WaitTask with a cancelled ctx: %v, want context.Canceled", err)
	}
	// a task finishing while we wait, driven by the simulated clock
	const status = "/nodes/{node}/tasks/{upid}/status"
	polled := len(requestsFor(sim, "GET", status))
	go func() {
		// once WaitTask has polled the running task, so the finish lands
		// while it waits rather than before it starts
		eventually(func() bool { return len(requestsFor(sim, "GET", status)) > polled })
		sim.Clock().Advance(10 * time.Second)
	}()
	if done, err := c.WaitTask(context.Background(), task, 10*time.Second); err != nil || !done.Done() {
		t.Errorf("WaitTask after the clock moved: %+v, %v", done, err)
	}
}

func TestRetries(t *testing.T) {
	t.Parallel()
	sim, c := newSimClient(t, pvesim.Options{Nodes: 1, Containers: 1, Speed: 100}, func(o *Options) { o.Timeout = time.Second })
	ctx := context.Background()
	ref := refOf(t, sim, 100)
	const list = "/nodes/{node}/lxc"
	const snap = "/nodes/{node}/lxc/{vmid}/snapshot"

	listing := func() error { _, err := c.Containers(ctx, ref.Node); return err }
	nodes := func() error { _, err := c.Nodes(ctx); return err }
	snapshot := func(name string) func() error {
		return func() error { _, err := c.CreateSnapshot(ctx, ref, name, ""); return err }
	}

	cases := []struct {
		name      string
		fault     pvesim.Fault // its Method and Route are also the requests counted
		call      func() error
		wantSent  int
		wantErr   error // nil: success
		retryable bool
	}{
		{"read retried on 503", pvesim.Fault{Method: "GET", Route: list, Status: 503, Count: 2}, listing, 3, nil, false},
		{"node list gives up on 503 as unreachable", pvesim.Fault{Method: "GET", Route: "/nodes", Status: 503, Reason: "Service Unavailable", Count: 5}, nodes, 3, ErrNodeUnreachable, true},
		{"read gives up after Attempts", pvesim.Fault{Method: "GET", Route: list, Status: 502, Count: 5}, listing, 3, errAny, true},
		{"read not retried on a plain 500", pvesim.Fault{Method: "GET", Route: list, Status: 500, Reason: "internal error", Count: 1}, listing, 1, errAny, false},
		{"read retried after a hang", pvesim.Fault{Method: "GET", Route: list, Hang: true, Count: 1}, listing, 2, nil, false},
		{"task POST never resent on 503", pvesim.Fault{Method: "POST", Route: snap, Status: 503, Count: 1}, snapshot("s1"), 1, ErrNodeUnreachable, true},
		{"task POST never resent after a hang", pvesim.Fault{Method: "POST", Route: snap, Hang: true, Count: 1}, snapshot("s2"), 1, ErrTimeout, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim.ClearFaults()
			sim.ResetRequests()
			sim.InjectFault(tc.fault)
			err := tc.call()
			switch {
			case tc.wantErr == nil && err != nil:
				t.Fatalf("error = %v, want success", err)
			case tc.wantErr == errAny && err == nil, tc.wantErr != nil && tc.wantErr != errAny && !errors.Is(err, tc.wantErr):
				t.Fatalf("error = %v, want %v", err, tc.wantErr)
			}
			if err != nil && Retryable(err) != tc.retryable {
				t.Errorf("Retryable(%v) = %v, want %v", err, Retryable(err), tc.retryable)
			}
			if got := countSent(sim, tc.fault.Method, tc.fault.Route, tc.fault.Hang); got != tc.wantSent {
				t.Errorf("%d %s %s requests reached the server, want %d", got, tc.fault.Method, tc.fault.Route, tc.wantSent)
			}
		})
	}
}

var errAny = errors.New("any error")

// TestCloneToOtherNodeNeedsSharedStorage checks PVE's refusal to clone a
// container on node-local storage to another node, as pvesim words it:
// ErrConflict, not Retryable, sent once; on shared storage the same clone
// is accepted.
func TestCloneToOtherNodeNeedsSharedStorage(t *testing.T) {
	t.Parallel()
	sim, c := newSimClient(t, pvesim.Options{Nodes: 2, Speed: 1000, Specs: []pvesim.ContainerSpec{
		{VMID: 101, Node: "pve1", Cores: 1, MemoryMiB: 512, DiskGiB: 4, Stopped: true, Storage: "local-lvm"},
		{VMID: 102, Node: "pve1", Cores: 1, MemoryMiB: 512, DiskGiB: 4, Stopped: true, Storage: "cephpool"},
	}}, nil)
	ctx := context.Background()
	const clone = "/nodes/{node}/lxc/{vmid}/clone"
	cases := []struct {
		name     string
		vmid     int
		newID    int
		wantErr  error // nil: accepted
		wantSent int
	}{
		{"local storage", 101, 201, ErrConflict, 1},
		{"shared storage", 102, 202, nil, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim.ResetRequests()
			_, task, err := c.Clone(ctx, Ref{Node: "pve1", VMID: tc.vmid}, CloneOptions{NewID: tc.newID, Full: true, Target: "pve2"})
			switch {
			case tc.wantErr == nil && err != nil:
				t.Fatalf("Clone to pve2: %v, want it accepted", err)
			case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
				t.Fatalf("Clone to pve2: %v, want %v", err, tc.wantErr)
			}
			if err != nil && Retryable(err) {
				t.Errorf("Retryable(%v) = true; the container's storage decides, not time", err)
			}
			if got := len(requestsFor(sim, "POST", clone)); got != tc.wantSent {
				t.Errorf("%d clone requests reached the server, want %d", got, tc.wantSent)
			}
			if err == nil {
				if _, err := c.WaitTask(ctx, task, 20*time.Second); err != nil {
					t.Fatalf("clone task: %v", err)
				}
				if ct := mustCT(t, sim, tc.newID); ct.Node != "pve2" {
					t.Errorf("clone %d on %s, want pve2", tc.newID, ct.Node)
				}
			}
		})
	}
}

// countSent counts requests the simulator saw. A hung request is logged
// (status 0) only when the simulator notices the client gave up, which can
// be after this check; it is counted either way.
func countSent(sim *pvesim.Sim, method, route string, hung bool) int {
	n := len(requestsFor(sim, method, route))
	if hung {
		for _, r := range sim.Requests() {
			if r.Method == method && r.Route == route && r.Status == 0 {
				return n
			}
		}
		return n + 1
	}
	return n
}

func TestFailover(t *testing.T) {
	t.Parallel()
	sim, srv := newSim(t, pvesim.Options{Nodes: 1, Containers: 1, Speed: 100})
	dead := closedPortURL(t)
	c, _ := newTestClient(t, []string{dead, srv.URL}, nil)
	ctx := context.Background()
	if _, err := c.Nodes(ctx); err != nil {
		t.Fatalf("Nodes with the first endpoint down: %v", err)
	}
	if got := testutil.ToFloat64(c.metrics.failovers); got != 1 {
		t.Errorf("failovers = %v, want 1", got)
	}
	// sticky: the next calls go straight to the working endpoint
	task, err := c.CreateSnapshot(ctx, refOf(t, sim, 100), "after_failover", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitTask(ctx, task, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	if got := testutil.ToFloat64(c.metrics.failovers); got != 1 {
		t.Errorf("failovers = %v after more calls, want still 1 (sticky endpoint)", got)
	}
	if n := len(requestsFor(sim, "POST", "/nodes/{node}/lxc/{vmid}/snapshot")); n != 1 {
		t.Errorf("%d snapshot POSTs, want 1", n)
	}
	if n := testutil.ToFloat64(c.metrics.requests.WithLabelValues("GET", "/nodes", "error")); n != 1 {
		t.Errorf("requests_total{GET,/nodes,error} = %v, want 1 (the dead endpoint)", n)
	}

	// every endpoint down: a retryable ErrNodeUnreachable
	c2, _ := newTestClient(t, []string{dead, closedPortURL(t)}, nil)
	_, err = c2.Nodes(ctx)
	if !errors.Is(err, ErrNodeUnreachable) || !Retryable(err) {
		t.Errorf("all endpoints down: error = %v, want a retryable ErrNodeUnreachable", err)
	}
	// a task-starting POST that never reached a server may be retried; it still fails here
	if _, err := c2.CreateSnapshot(ctx, Ref{Node: "pve1", VMID: 100}, "x1", ""); !errors.Is(err, ErrNodeUnreachable) {
		t.Errorf("POST with all endpoints down: %v", err)
	}
	// connection refused means never sent: 3 attempts on each of 2 endpoints
	if n := testutil.ToFloat64(c2.metrics.requests.WithLabelValues("POST", "/nodes/{node}/lxc/{vmid}/snapshot", "error")); n != 6 {
		t.Errorf("%v POST attempts, want 6", n)
	}
}

// inflightTransport counts concurrent round trips.
type inflightTransport struct {
	base     http.RoundTripper
	now, max atomic.Int32
}

func (t *inflightTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	n := t.now.Add(1)
	defer t.now.Add(-1)
	for {
		m := t.max.Load()
		if n <= m || t.max.CompareAndSwap(m, n) {
			break
		}
	}
	return t.base.RoundTrip(r)
}

func TestMaxConcurrency(t *testing.T) {
	t.Parallel()
	sim, srv := newSim(t, pvesim.Options{Nodes: 4, Containers: 8})
	counter := &inflightTransport{base: http.DefaultTransport}
	c, _ := newTestClient(t, []string{srv.URL}, func(o *Options) {
		o.MaxConcurrency = 2
		o.HTTPClient = &http.Client{Transport: counter}
	})
	sim.InjectFault(pvesim.Fault{Method: "GET", Route: "/nodes/{node}/lxc", Latency: 30 * time.Millisecond})
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			if _, err := c.Containers(context.Background(), sim.NodeNames()[i%4]); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if m := counter.max.Load(); m < 1 || m > 2 {
		t.Errorf("at most %d requests were in flight, want at most MaxConcurrency 2", m)
	}
}

// closedPortURL returns an http URL on 127.0.0.1 where nothing listens.
func closedPortURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return (&url.URL{Scheme: "http", Host: addr}).String()
}

// dfOf reports whether a running container's maxdisk is what df shows of a
// root filesystem of size bytes on an ext4-formatted storage: a few %
// below the configured size.
func dfOf(maxdisk, size uint64) bool { return maxdisk < size && maxdisk > size*95/100 }
