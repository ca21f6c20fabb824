package proxmox

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
)

// exerciseEverything makes every call of the client once against sim.
func exerciseEverything(t *testing.T, c *Client, sim *pvesim.Sim) {
	t.Helper()
	ctx := context.Background()
	ref := refOf(t, sim, 100)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	wait := func(task Task, err error) Task {
		t.Helper()
		must(err)
		done, err := c.WaitTask(ctx, task, 20*time.Second)
		must(err)
		return done
	}
	_, err := c.Version(ctx)
	must(err)
	_, err = c.Permissions(ctx, "/vms")
	must(err)
	_, err = c.Nodes(ctx)
	must(err)
	_, err = c.NodeStatus(ctx, ref.Node)
	must(err)
	_, err = c.Containers(ctx, ref.Node)
	must(err)
	_, err = c.ClusterContainers(ctx)
	must(err)
	_, err = c.ContainerStatus(ctx, ref)
	must(err)
	_, err = c.RRD(ctx, ref, TimeframeDay, CFMax)
	must(err)
	cfg, err := c.Config(ctx, ref)
	must(err)
	must(c.UpdateConfig(ctx, ref, ConfigUpdate{CPUUnits: ptr(200), Digest: cfg.Digest}))
	cfg, err = c.Config(ctx, ref)
	must(err)
	wait(c.ResizeDisk(ctx, ref, "rootfs", 512<<20, cfg.Digest))
	done := wait(c.CreateSnapshot(ctx, ref, "snap1", "d"))
	_, err = c.TaskLog(ctx, done.UPID)
	must(err)
	_, err = c.Snapshots(ctx, ref)
	must(err)
	wait(c.RollbackSnapshot(ctx, ref, "snap1", false))
	newID, task, err := c.Clone(ctx, ref, CloneOptions{SnapName: "snap1", Full: true})
	wait(task, err)
	wait(c.DeleteSnapshot(ctx, ref, "snap1"))
	wait(c.StartContainer(ctx, Ref{Node: ref.Node, VMID: newID}))
	wait(c.DeleteContainer(ctx, Ref{Node: ref.Node, VMID: newID}, DeleteOptions{StopFirst: true}))
}

// TestRouteTemplates checks routeOf against the simulator's own routing for
// every path the client calls, and that label values stay templates.
func TestRouteTemplates(t *testing.T) {
	t.Parallel()
	sim, srv := newSim(t, pvesim.Options{Nodes: 2, Containers: 4, Speed: 100})
	c, reg := newTestClient(t, []string{srv.URL}, nil)
	exerciseEverything(t, c, sim)

	seen := map[string]bool{}
	for _, r := range sim.Requests() {
		if r.Route == "" {
			t.Errorf("%s %s: the simulator does not route it", r.Method, r.Path)
			continue
		}
		if got := routeOf(r.Path); got != r.Route {
			t.Errorf("routeOf(%q) = %q, simulator routed %q", r.Path, got, r.Route)
		}
		seen[r.Route] = true
	}
	for _, route := range routes {
		if !seen[route] && route != "/access/ticket" {
			t.Errorf("route %s was never exercised", route)
		}
	}

	for path, want := range map[string]string{
		"/nodes/pve1/lxc/101/config?x=1":               "/nodes/{node}/lxc/{vmid}/config",
		"/nodes/pve1/lxc/abc/config":                   routeOther,
		"/nodes/pve1/qemu/101/config":                  routeOther,
		"/nodes//lxc":                                  routeOther,
		"/secret/path/with/ids/123":                    routeOther,
		"/nodes/pve1/tasks/UPID:pve1:1:2:3:t:1:u:/log": "/nodes/{node}/tasks/{upid}/log",
	} {
		if got := routeOf(path); got != want {
			t.Errorf("routeOf(%q) = %q, want %q", path, got, want)
		}
	}

	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	allowed := append(slices.Clone(routes), routeOther)
	for _, f := range families {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "route" && !slices.Contains(allowed, l.GetValue()) {
					t.Errorf("%s has route label %q, not a template", f.GetName(), l.GetValue())
				}
			}
		}
	}
}

func TestRequestMetrics(t *testing.T) {
	t.Parallel()
	sim, srv := newSim(t, pvesim.Options{Nodes: 1, Containers: 2})
	c, reg := newTestClient(t, []string{srv.URL}, nil)
	ctx := context.Background()
	for range 3 {
		if _, err := c.Nodes(ctx); err != nil {
			t.Fatal(err)
		}
	}
	sim.InjectFault(pvesim.Fault{Method: "GET", Route: "/nodes/{node}/lxc", Status: 503, Count: 1})
	if _, err := c.Containers(ctx, "pve1"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Config(ctx, Ref{Node: "pve1", VMID: 999}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Config(999) = %v", err)
	}
	want := `
# HELP lxc_autoscale_proxmox_requests_total HTTP requests sent to the Proxmox VE API, by method, route template and status code ("error" when no answer came).
# TYPE lxc_autoscale_proxmox_requests_total counter
lxc_autoscale_proxmox_requests_total{code="200",method="GET",route="/nodes"} 3
lxc_autoscale_proxmox_requests_total{code="200",method="GET",route="/nodes/{node}/lxc"} 1
lxc_autoscale_proxmox_requests_total{code="503",method="GET",route="/nodes/{node}/lxc"} 1
lxc_autoscale_proxmox_requests_total{code="500",method="GET",route="/nodes/{node}/lxc/{vmid}/config"} 1
# HELP lxc_autoscale_proxmox_retries_total Requests to the Proxmox VE API sent again after a retryable failure.
# TYPE lxc_autoscale_proxmox_retries_total counter
lxc_autoscale_proxmox_retries_total{method="GET",route="/nodes/{node}/lxc"} 1
# HELP lxc_autoscale_proxmox_endpoint_failovers_total Times the client moved to another API endpoint because one was unreachable.
# TYPE lxc_autoscale_proxmox_endpoint_failovers_total counter
lxc_autoscale_proxmox_endpoint_failovers_total 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"lxc_autoscale_proxmox_requests_total", "lxc_autoscale_proxmox_retries_total", "lxc_autoscale_proxmox_endpoint_failovers_total"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(c.metrics.duration); n != 3 {
		t.Errorf("duration histogram has %d series, want 3 (one per method and route)", n)
	}
}

// TestNoSecretsAnywhere drives every error class with both kinds of
// credentials and checks error texts and log output for the secrets.
func TestNoSecretsAnywhere(t *testing.T) {
	t.Parallel()
	sim, srv := newSim(t, pvesim.Options{Nodes: 2, Containers: 2, Speed: 100})
	logs := &syncBuffer{}
	logger := zerolog.New(logs).Level(zerolog.DebugLevel)
	token, _ := newTestClient(t, []string{closedPortURL(t), srv.URL}, func(o *Options) { o.Logger = logger })
	ticket := ticketClient(t, srv.URL, logs, 0)
	badToken, _ := newTestClient(t, []string{srv.URL}, func(o *Options) { o.Logger = logger; o.TokenSecret = testTokenSecret + "x" })
	badPass, _ := newTestClient(t, []string{srv.URL}, func(o *Options) {
		o.Logger = logger
		o.TokenID, o.TokenSecret, o.Username, o.Password = "", "", testUser, testPassword+"x"
	})
	ctx := context.Background()
	ref := refOf(t, sim, 100)

	var errs []error
	collect := func(err error) {
		if err == nil {
			t.Error("expected an error")
			return
		}
		errs = append(errs, err)
	}
	for _, c := range []*Client{token, ticket} {
		cfg := mustConfig(t, c, ref)
		_, err := c.Config(ctx, Ref{Node: ref.Node, VMID: 999})
		collect(err)                                                                                    // not found
		collect(c.UpdateConfig(ctx, ref, ConfigUpdate{Delete: []string{"nosuch"}, Digest: cfg.Digest})) // validation
		collect(c.UpdateConfig(ctx, ref, ConfigUpdate{Cores: ptr(2), Digest: strings.Repeat("0", 40)})) // digest
		sim.InjectFault(pvesim.Fault{Status: 403, Reason: "Permission check failed (/vms/100, VM.Audit)", Count: 1})
		_, err = c.Nodes(ctx)
		collect(err)
		sim.SetNodeOnline("pve2", false)
		_, err = c.Containers(ctx, "pve2")
		collect(err) // 595
		sim.SetNodeOnline("pve2", true)
		sim.InjectFault(pvesim.Fault{Method: "GET", Route: "/version", Hang: true, Count: 1})
		short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		_, err = c.Version(short)
		cancel()
		collect(err) // timeout
		sim.InjectFault(pvesim.Fault{Method: "POST", Route: "/nodes/{node}/lxc/{vmid}/snapshot", TaskExit: "failed", Count: 1})
		task, err := c.CreateSnapshot(ctx, ref, "sx", "")
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.WaitTask(ctx, task, 20*time.Second)
		collect(err) // task failed
	}
	_, err := badToken.Nodes(ctx)
	collect(err)
	_, err = badPass.Nodes(ctx)
	collect(err)

	secrets := []string{testTokenSecret, testPassword}
	if s := ticket.session.Load(); s != nil {
		secrets = append(secrets, s.ticket, s.csrf)
	}
	for _, err := range errs {
		assertNoSecret(t, err, secrets...)
	}
	out := logs.String()
	if out == "" {
		t.Fatal("no log output captured")
	}
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("a secret appears in the logs")
		}
	}
}
