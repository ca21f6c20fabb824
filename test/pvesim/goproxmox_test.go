package pvesim_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	proxmox "github.com/luthermonson/go-proxmox"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/workload"
)

// goproxmoxSpecs keep pve2 free of cpulimit containers, so go-proxmox's
// typed calls decode there, while pve1 carries the quirks of reference §1.7.
func goproxmoxSpecs() []pvesim.ContainerSpec {
	return []pvesim.ContainerSpec{
		{VMID: 100, Node: "pve2", Name: "web", Cores: 2, MemoryMiB: 2048, DiskGiB: 8, Workload: workload.Steady},
		{VMID: 101, Node: "pve2", Name: "stopped", Cores: 4, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Idle, Stopped: true},
		{VMID: 102, Node: "pve1", Name: "limited", CPULimit: 1.5, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Batch},
		{VMID: 103, Node: "pve1", Name: "capped", Cores: 2, CPULimit: 2, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Batch},
	}
}

func newGoProxmox(t *testing.T, opts ...proxmox.Option) (*pvesim.Sim, *proxmox.Client) {
	t.Helper()
	sim, err := pvesim.New(pvesim.Options{Nodes: 2, Specs: goproxmoxSpecs(), Seed: 3, Start: testStart,
		// Fast enough that go-proxmox's sleeping Task.Wait sees tasks end.
		Speed: 50, Tokens: []string{testToken}, Users: map[string]string{"alice@pve": "wonderland"}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(func() { sim.Close(); srv.Close() })
	opts = append([]proxmox.Option{proxmox.WithHTTPClient(srv.Client())}, opts...)
	return sim, proxmox.NewClient(srv.URL+"/api2/json", opts...)
}

func waitOK(t *testing.T, ctx context.Context, task *proxmox.Task) {
	t.Helper()
	if task == nil {
		t.Fatal("nil task")
	}
	if err := task.Wait(ctx, 20*time.Millisecond, 5*time.Second); err != nil {
		t.Fatalf("Wait %s: %v", task.UPID, err)
	}
	if !task.IsSuccessful || task.ExitStatus != "OK" {
		t.Fatalf("task %s: status %q exit %q", task.UPID, task.Status, task.ExitStatus)
	}
}

func TestGoProxmoxDecodesEverySimulatedEndpoint(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, c := newGoProxmox(t, proxmox.WithAPIToken(testTokenID, "secret"))

	v, err := c.Version(ctx)
	if err != nil || v.Release != "9.1" || v.Version == "" {
		t.Fatalf("Version = %+v, %v", v, err)
	}
	nodes, err := c.Nodes(ctx)
	if err != nil || len(nodes) != 2 || nodes[0].Node != "pve1" || nodes[0].MaxCPU != pvesim.DefaultNodeThreads[0] || nodes[0].Status != "online" {
		t.Fatalf("Nodes = %+v, %v", nodes, err)
	}
	node, err := c.Node(ctx, "pve2")
	if err != nil || node.CPUInfo.CPUs != pvesim.DefaultNodeThreads[1] || node.Memory.Total != 128<<30 || node.Uptime == 0 {
		t.Fatalf("Node = %+v, %v", node, err)
	}
	cluster, err := c.Cluster(ctx)
	if err != nil || cluster.Name != "pvesim" || len(cluster.Nodes) != 2 || cluster.Quorate != 1 {
		t.Fatalf("Cluster = %+v, %v", cluster, err)
	}
	nodeRes, err := cluster.Resources(ctx, "node")
	if err != nil || len(nodeRes) != 2 || nodeRes[0].Type != "node" || nodeRes[0].MaxCPU != uint64(pvesim.DefaultNodeThreads[0]) {
		t.Fatalf("Resources(node) = %+v, %v", nodeRes, err)
	}
	next, err := cluster.NextID(ctx)
	if err != nil || next != 104 {
		t.Fatalf("NextID = %d, %v", next, err)
	}
	cts, err := node.Containers(ctx)
	if err != nil || len(cts) != 2 || cts[0].VMID != 100 || cts[0].CPUs != 2 || cts[0].MaxMem != 2048<<20 || cts[0].Status != "running" {
		t.Fatalf("Containers(pve2) = %+v, %v", cts, err)
	}
	ct, err := node.Container(ctx, 100)
	if err != nil || ct.ContainerConfig == nil || ct.ContainerConfig.Cores != 2 || ct.ContainerConfig.Digest == "" {
		t.Fatalf("Container(100) = %+v, %v", ct, err)
	}
	if err := ct.Ping(ctx); err != nil || ct.Status != "running" {
		t.Fatalf("Ping = %v status %q", err, ct.Status)
	}
	// PUT config is synchronous and returns null: go-proxmox gets (nil, nil) (§1.7 #5).
	if task, err := ct.Config(ctx, proxmox.ContainerOption{Name: "memory", Value: 3072}); err != nil || task != nil {
		t.Fatalf("Config = %v, %v; want (nil, nil) because PVE returns null", task, err)
	}
	stopped, err := node.Container(ctx, 101)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := stopped.RRDData(ctx, proxmox.TimeframeHour)
	if err != nil || len(rows) != 60 || rows[0].MaxCPU != 4 || rows[0].MaxMem != 1024<<20 || rows[0].CPU != 0 {
		t.Fatalf("RRDData(stopped 101) = %d rows, %v", len(rows), err)
	}

	task, err := ct.NewSnapshot(ctx, "before")
	if err != nil {
		t.Fatal(err)
	}
	waitOK(t, ctx, task)
	snaps, err := ct.Snapshots(ctx)
	if err != nil || len(snaps) != 2 || snaps[0].Name != "before" || snaps[0].SnapshotCreationTime == 0 || snaps[1].Name != "current" {
		t.Fatalf("Snapshots = %+v, %v", snaps, err)
	}
	if err := task.Ping(ctx); err != nil || !task.IsCompleted {
		t.Fatalf("Ping task: %v completed=%v", err, task.IsCompleted)
	}
	log, err := task.Log(ctx, 0, 50)
	if err != nil || len(log) == 0 || log[len(log)-1] != "TASK OK" {
		t.Fatalf("task Log = %v, %v", log, err)
	}
	task, err = ct.Snapshot("before").Rollback(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	waitOK(t, ctx, task)
	task, err = ct.Snapshot("before").Delete(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waitOK(t, ctx, task)

	// Clone without an id: go-proxmox asks /cluster/status and /cluster/nextid itself.
	newid, task, err := stopped.Clone(ctx, &proxmox.ContainerCloneOptions{Hostname: "copy"})
	if err != nil || newid != 104 {
		t.Fatalf("Clone = %d, %v", newid, err)
	}
	waitOK(t, ctx, task)
	clone, err := node.Container(ctx, newid)
	if err != nil || clone.Name != "copy" {
		t.Fatalf("clone = %+v, %v", clone, err)
	}
	task, err = clone.Delete(ctx, &proxmox.ContainerDeleteOptions{Purge: true})
	if err != nil {
		t.Fatal(err)
	}
	waitOK(t, ctx, task)
	if _, err := node.Container(ctx, newid); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("deleted container still readable: %v", err)
	}

	// A failed task: go-proxmox's Wait returns nil and flags IsFailed (§1.7 #7).
	task, err = ct.NewSnapshot(ctx, "before")
	if err == nil {
		waitOK(t, ctx, task)
	}
	task, err = ct.NewSnapshot(ctx, "before")
	if err != nil {
		t.Fatal(err)
	}
	if err := task.Wait(ctx, 20*time.Millisecond, 5*time.Second); err != nil || !task.IsFailed || task.ExitStatus != "snapshot name 'before' already used" {
		t.Fatalf("failing task: Wait %v, failed %v, exit %q", err, task.IsFailed, task.ExitStatus)
	}
	// 500 errors reach go-proxmox as their reason phrase (§1.3).
	if _, err := stopped.Delete(ctx, nil); err != nil {
		t.Fatalf("delete stopped with nil options: %v", err)
	}
	if _, err := ct.Delete(ctx, nil); err == nil || err.Error() != "500 unable to destroy CT 100 - container is running" {
		t.Fatalf("Delete running = %v, want the reason phrase", err)
	}
}

// TestGoProxmoxQuirksAreReproduced proves pvesim sends the values that
// trigger go-proxmox v0.8.2's documented decoding bugs (reference §1.7 #1-#4).
func TestGoProxmoxQuirksAreReproduced(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, c := newGoProxmox(t, proxmox.WithAPIToken(testTokenID, "secret"))
	node, err := c.Node(ctx, "pve1")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"#1 cpus string from cpulimit breaks the node listing", func() error { _, err := node.Containers(ctx); return err },
			"cannot unmarshal string into Go struct field Container.CPUs of type int"},
		{"#2 cpulimit string breaks the config", func() error { _, err := node.Container(ctx, 103); return err },
			"cannot unmarshal string into Go struct field .tmpContainerConfig.cpulimit of type int"},
		{"#3 fractional maxcpu breaks cluster resources", func() error {
			cl, err := c.Cluster(ctx)
			if err != nil {
				return err
			}
			_, err = cl.Resources(ctx, "vm")
			return err
		}, "cannot unmarshal number 1.5 into Go struct field ClusterResource.MaxCPU of type uint64"},
		{"#4 fractional maxcpu breaks rrddata", func() error {
			// Container.RRDData decodes into []*RRDData; no handle for 102 can be had
			// (Node.Container fails on #1), so decode the same way directly.
			var rows []*proxmox.RRDData
			return c.Get(ctx, "/nodes/pve1/lxc/102/rrddata?timeframe=hour", &rows)
		}, "cannot unmarshal number 1.5 into Go struct field RRDData.MaxCPU of type int"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestGoProxmoxTicketLogin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sim, c := newGoProxmox(t, proxmox.WithCredentials(&proxmox.Credentials{Username: "alice@pve", Password: "wonderland"}))
	v, err := c.Version(ctx)
	if err != nil || v.Version == "" {
		t.Fatalf("Version with ticket login = %+v, %v", v, err)
	}
	// go-proxmox first tries without auth, then logs in and repeats the call.
	var routes []string
	for _, r := range sim.Requests() {
		routes = append(routes, r.Method+" "+r.Route+" "+http.StatusText(r.Status))
	}
	want := []string{"GET /version Unauthorized", "POST /access/ticket OK", "GET /version OK"}
	if strings.Join(routes, "|") != strings.Join(want, "|") {
		t.Fatalf("requests = %v, want %v", routes, want)
	}
	nodes, err := c.Nodes(ctx)
	if err != nil || len(nodes) != 2 {
		t.Fatalf("Nodes after login = %v, %v", nodes, err)
	}
}
