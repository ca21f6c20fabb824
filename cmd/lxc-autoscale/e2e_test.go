package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/workload"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesimtest"
)

// These tests run the whole program through run() against pvesim over
// HTTP, with one-second ticks and a fast simulated clock, and judge it by
// what the simulated cluster saw and holds.

const (
	e2eTokenID = "autoscale@pve!e2e"
	e2eSecret  = "5f0c7a52-3f1e-4b8e-9d2a-7c1e0b9d4a61"
)

// syncBuffer is an io.Writer the program and the test share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type e2e struct {
	t    *testing.T
	sim  *pvesim.Sim
	url  string
	dir  string
	conf string
	env  []string
}

type e2eOptions struct {
	nodes int
	specs []pvesim.ContainerSpec
	speed float64
	// mode is scaling.mode in the file (default enforce); env holds LXCA_*
	// overrides of other keys.
	mode  string
	env   []string
	level string
	// versions are the nodes' PVE versions, pve1 first (default all 9).
	versions []string
	// tokens are more token ids the cluster accepts, with the same secret
	// (one per replica: a fault can then cut one off).
	tokens []string
}

func newE2E(t *testing.T, o e2eOptions) *e2e {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end: seconds of real time")
	}
	if o.nodes == 0 {
		o.nodes = 2
	}
	if o.level == "" {
		o.level = "info"
	}
	if o.mode == "" {
		o.mode = "enforce"
	}
	sim, url := pvesimtest.Serve(t, pvesim.Options{
		Nodes: o.nodes, Specs: o.specs, Seed: 7, Speed: o.speed, NodeVersions: o.versions,
		Tokens:       tokensWithSecret(append([]string{e2eTokenID}, o.tokens...)),
		TaskDuration: 5 * time.Second,
	})
	e := &e2e{t: t, sim: sim, url: url, dir: t.TempDir(), env: o.env}
	e.conf = filepath.Join(e.dir, "config.yaml")
	cfg := fmt.Sprintf(`proxmox:
  endpoints: [%q]
  token_id: %q
  timeout: 5s
  task_timeout: 30s
  retry: {attempts: 2, min_backoff: 100ms, max_backoff: 200ms}
monitor:
  interval: 1s
  jitter: 0
  window: 5m
  backfill: false
  export_file: %s
  export_interval: 1s
model:
  retrain_interval: 1m
  training_window: 5m
scaling:
  mode: %s
  # One step at a time (target 0), so that every step can be watched.
  cpu: {min: 1, max: 4, step: 1, up_threshold: 0.75, down_threshold: 0.3, target: 0}
  memory: {min: 512MiB, max: 2GiB, step: 512MiB, margin: 128MiB, target: 0}
  disk: {threshold: 0.85, step: 2GiB, max: 64GiB}
  cooldown_up: 0s
  cooldown_down: 2s
  stabilization_up: 2s
  stabilization_down: 2s
state:
  file: %s
  audit_file: %s
api:
  listen: ""
logging:
  level: %s
`, url, e2eTokenID, filepath.Join(e.dir, "lxc_metrics.json"), o.mode,
		filepath.Join(e.dir, "state.json"), filepath.Join(e.dir, "audit.jsonl"), o.level)
	if err := os.WriteFile(e.conf, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return e
}

func tokensWithSecret(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id + "=" + e2eSecret
	}
	return out
}

// running is one run() of the program.
type running struct {
	cancel context.CancelFunc
	done   chan int
	stderr *syncBuffer
}

// start runs the program with the given command (run or monitor); the
// token secret comes from the environment, as a service would have it.
func (e *e2e) start(command string) *running {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, done: make(chan int, 1), stderr: &syncBuffer{}}
	environ := append([]string{"LXCA_PROXMOX_TOKEN_SECRET=" + e2eSecret}, e.env...)
	go func() {
		r.done <- run(ctx, []string{command, "--config", e.conf}, environ, &syncBuffer{}, r.stderr)
	}()
	e.t.Cleanup(func() { r.stop(e.t) })
	return r
}

// stop cancels the program (as SIGTERM does) and returns its exit code.
func (r *running) stop(t *testing.T) int {
	t.Helper()
	r.cancel()
	select {
	case code := <-r.done:
		r.done <- code // later calls see it too
		return code
	case <-time.After(30 * time.Second):
		t.Fatalf("the program did not stop within 30 s of cancellation; log:\n%s", r.stderr.String())
		return -1
	}
}

// eventually polls cond every 100 ms until it holds or the deadline passes.
func (e *e2e) eventually(r *running, within time.Duration, what string, cond func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			e.t.Fatalf("after %s: %s did not happen; log:\n%s", within, what, tail(r.stderr.String(), 40))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// passes counts the controller's passes so far: every pass begins with
// GET /nodes, so pvesim's request log is the pass counter.
func (e *e2e) passes() int {
	n := 0
	for _, q := range e.sim.Requests() {
		if q.Method == "GET" && q.Route == "/nodes" {
			n++
		}
	}
	return n
}

// awaitPasses waits until n whole passes have run after the call: passes
// run one after another, so the start of pass before+n+1 means pass
// before+n has ended (the one in progress at the call does not count).
func (e *e2e) awaitPasses(r *running, n int, what string) {
	e.t.Helper()
	want := e.passes() + n + 1
	e.eventually(r, time.Duration(n+10)*2*time.Second, fmt.Sprintf("%d more passes (%s)", n, what), func() bool { return e.passes() >= want })
}

func tail(s string, lines int) string {
	all := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(all[max(0, len(all)-lines):], "\n")
}

// confInt reads an integer key of a container's config in the simulator.
func (e *e2e) confInt(vmid int, key string) int {
	e.t.Helper()
	ct, ok := e.sim.Container(vmid)
	if !ok {
		e.t.Fatalf("container %d not in the simulator", vmid)
	}
	v, err := strconv.Atoi(ct.Config[key])
	if err != nil {
		e.t.Fatalf("container %d: %s = %q", vmid, key, ct.Config[key])
	}
	return v
}

// writes are the state-changing requests the simulator received, but
// for the leader lease's (run keeps it in every mode: ha_e2e_test.go).
func (e *e2e) writes() []pvesim.Request {
	var out []pvesim.Request
	for _, r := range e.sim.Requests() {
		if r.Method != "GET" && !isLeaseCall(r) {
			out = append(out, r)
		}
	}
	return out
}

// isLeaseCall is a call on the notification matchers, where the leader
// lease lives.
func isLeaseCall(r pvesim.Request) bool {
	return strings.HasPrefix(r.Route, "/cluster/notifications/matchers")
}

// rootfsBytes is the size of a container's rootfs in its config.
func (e *e2e) rootfsBytes(vmid int) float64 {
	ct, _ := e.sim.Container(vmid)
	for part := range strings.SplitSeq(ct.Config["rootfs"], ",") {
		if v, ok := strings.CutPrefix(part, "size="); ok {
			n, unit := v[:len(v)-1], v[len(v)-1]
			f, _ := strconv.ParseFloat(n, 64)
			switch unit {
			case 'G':
				return f * (1 << 30)
			case 'M':
				return f * (1 << 20)
			case 'T':
				return f * (1 << 40)
			}
		}
	}
	e.t.Fatalf("container %d: no rootfs size in %q", vmid, ct.Config["rootfs"])
	return 0
}

func TestE2ECPULoadGainsCoresUpToMax(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{speed: 1, specs: []pvesim.ContainerSpec{
		{VMID: 101, Node: "pve1", Cores: 1, MemoryMiB: 2048, DiskGiB: 8, Workload: workload.Busy},
	}})
	r := e.start("run")
	e.eventually(r, 30*time.Second, "the busy container reaching 4 cores", func() bool { return e.confInt(101, "cores") == 4 })
	e.awaitPasses(r, 3, "at the maximum")
	if got := e.confInt(101, "cores"); got != 4 {
		t.Errorf("cores = %d after reaching the maximum 4", got)
	}
	for _, w := range e.writes() {
		if w.Route == "/nodes/{node}/lxc/{vmid}/config" && w.Params.Get("digest") == "" {
			t.Errorf("config write without a digest: %v", w.Params)
		}
	}
	if code := r.stop(t); code != exitOK {
		t.Errorf("exit code %d after cancellation, want 0", code)
	}
}

func TestE2EIdleShrinksToMinimumAfterCooldown(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{speed: 1, specs: []pvesim.ContainerSpec{
		{VMID: 102, Node: "pve1", Cores: 4, MemoryMiB: 2048, DiskGiB: 8, Workload: workload.Idle},
	}})
	r := e.start("run")
	e.eventually(r, 40*time.Second, "the idle container shrinking to 1 core and 512 MiB", func() bool {
		return e.confInt(102, "cores") == 1 && e.confInt(102, "memory") == 512
	})
	// Down-steps of one resource are at least cooldown_down (2 s) apart.
	var coreSteps []time.Time
	for _, w := range e.writes() {
		if w.Params.Get("cores") != "" {
			coreSteps = append(coreSteps, w.Time)
		}
	}
	if len(coreSteps) != 3 {
		t.Fatalf("%d core changes, want 3 single steps from 4 to 1", len(coreSteps))
	}
	for i := 1; i < len(coreSteps); i++ {
		if gap := coreSteps[i].Sub(coreSteps[i-1]); gap < 2*time.Second {
			t.Errorf("core steps %d and %d only %s apart; cooldown_down is 2s", i-1, i, gap)
		}
	}
}

func TestE2ELeakGainsMemoryUpToMaxAndNoFurther(t *testing.T) {
	t.Parallel()
	// At 600x a leak of 256-768 MiB/h grows 40-130 MiB per real second.
	e := newE2E(t, e2eOptions{speed: 600, specs: []pvesim.ContainerSpec{
		{VMID: 103, Node: "pve1", Cores: 2, MemoryMiB: 512, SwapMiB: 512, DiskGiB: 8, Workload: workload.Leak},
	}, env: []string{"LXCA_SCALING_CPU_ENABLED=false"}})
	r := e.start("run")
	e.eventually(r, 60*time.Second, "memory reaching the 2 GiB maximum", func() bool { return e.confInt(103, "memory") == 2048 })
	e.awaitPasses(r, 3, "at the maximum")
	for _, w := range e.writes() {
		if m := w.Params.Get("memory"); m != "" {
			if v, _ := strconv.Atoi(m); v > 2048 {
				t.Errorf("memory set to %d MiB, past the 2048 maximum", v)
			}
		}
	}
	if got := e.confInt(103, "memory"); got != 2048 {
		t.Errorf("memory = %d after reaching the maximum", got)
	}
}

// The disk is on local-lvm, as on a default install: the listing's maxdisk
// is df's size, a few % below the configured size=, and the grow must
// still start from the configured size, by whole GiB as PVE writes them.
func TestE2EFillingDiskGrowsThroughResizeTask(t *testing.T) {
	t.Parallel()
	// At 600x a diskfill of 2-5 GiB/h grows 0.3-0.8 GiB per real second.
	e := newE2E(t, e2eOptions{speed: 600, specs: []pvesim.ContainerSpec{
		{VMID: 104, Node: "pve2", Cores: 1, MemoryMiB: 1024, DiskGiB: 4, Workload: workload.DiskFill, Storage: "local-lvm"},
	}, env: []string{"LXCA_SCALING_CPU_ENABLED=false", "LXCA_SCALING_MEMORY_ENABLED=false"}})
	before := e.rootfsBytes(104)
	r := e.start("run")
	e.eventually(r, 60*time.Second, "the rootfs growing", func() bool { return e.rootfsBytes(104) > before })
	var resized bool
	for _, w := range e.writes() {
		if w.Route == "/nodes/{node}/lxc/{vmid}/resize" {
			resized = true
			if w.Params.Get("disk") != "rootfs" || !regexp.MustCompile(`^\+[1-9][0-9]*G$`).MatchString(w.Params.Get("size")) {
				t.Errorf("resize request %v: want disk=rootfs and a relative +size in whole GiB", w.Params)
			}
		}
	}
	if !resized {
		t.Error("the rootfs grew without a resize request")
	}
	// The audit record shows the applied disk change.
	e.eventually(r, 10*time.Second, "an applied disk change in the audit", func() bool {
		return auditHas(e.dir, func(a map[string]any) bool { return a["resource"] == "disk" && a["result"] == "applied" })
	})
	if auditHas(e.dir, func(a map[string]any) bool { return a["resource"] == "disk" && a["result"] != "applied" }) {
		t.Error("a disk change was skipped or failed: the grow must start from the configured size, not the listing's")
	}
	if got := e.rootfsBytes(104); math.Mod(got, 1<<30) != 0 {
		t.Errorf("rootfs size %v bytes: want whole GiB grown from the configured 4G", got)
	}
}

func auditHas(dir string, match func(map[string]any) bool) bool {
	f, err := os.Open(filepath.Join(dir, "audit.jsonl"))
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var rec map[string]any
		if json.Unmarshal(sc.Bytes(), &rec) == nil && match(rec) {
			return true
		}
	}
	return false
}

func TestE2EDryRunSendsNoWrites(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{speed: 1, specs: []pvesim.ContainerSpec{
		{VMID: 105, Node: "pve1", Cores: 1, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Busy},
		{VMID: 106, Node: "pve2", Cores: 4, MemoryMiB: 4096, DiskGiB: 8, Workload: workload.Idle},
	}, mode: "dry-run"})
	r := e.start("run")
	e.eventually(r, 30*time.Second, "a dry-run decision in the audit", func() bool {
		return auditHas(e.dir, func(a map[string]any) bool { return a["result"] == "dry_run" })
	})
	e.awaitPasses(r, 2, "in dry-run")
	if w := e.writes(); len(w) != 0 {
		t.Errorf("dry-run sent %d writes, first %s %s %v", len(w), w[0].Method, w[0].Path, w[0].Params)
	}
	if got := e.confInt(105, "cores"); got != 1 {
		t.Errorf("dry-run changed cores to %d", got)
	}
}

func TestE2ELockedContainerIsSkippedWithReason(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{speed: 1, level: "debug", specs: []pvesim.ContainerSpec{
		{VMID: 107, Node: "pve1", Cores: 1, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Busy},
		{VMID: 108, Node: "pve1", Cores: 1, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Busy},
	}})
	if err := e.sim.SetLock(107, "backup"); err != nil {
		t.Fatal(err)
	}
	r := e.start("run")
	e.eventually(r, 30*time.Second, "the unlocked container scaling", func() bool { return e.confInt(108, "cores") > 1 })
	e.eventually(r, 10*time.Second, "a log line holding the locked container back", func() bool {
		for line := range strings.Lines(r.stderr.String()) {
			if strings.Contains(line, `"vmid":107`) && strings.Contains(line, `"reason":"locked"`) {
				return true
			}
		}
		return false
	})
	for _, w := range e.writes() {
		if strings.Contains(w.Path, "/107/") {
			t.Errorf("write to the locked container: %s %s", w.Method, w.Path)
		}
	}
}

func TestE2EConfigChangedBehindTheBackIsNotOverwritten(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{speed: 1, specs: []pvesim.ContainerSpec{
		{VMID: 109, Node: "pve1", Cores: 1, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Busy},
	}, env: []string{"LXCA_SCALING_MEMORY_ENABLED=false", "LXCA_SCALING_DISK_ENABLED=false"}})
	// The controller's write waits 1.5 s in the simulator; an administrator
	// sets 3 cores right after the controller read the config before the
	// write (its second read: the first learns that it manages the cores).
	e.sim.InjectFault(pvesim.Fault{Method: "PUT", Route: "/nodes/{node}/lxc/{vmid}/config", Latency: 1500 * time.Millisecond, Count: 1})
	r := e.start("run")
	e.eventually(r, 30*time.Second, "the controller reading the config before a write", func() bool {
		reads := 0
		for _, q := range e.sim.Requests() {
			if q.Method == "GET" && q.Route == "/nodes/{node}/lxc/{vmid}/config" {
				reads++
			}
		}
		return reads >= 2
	})
	if err := e.sim.SetConfig(109, "cores", "3"); err != nil {
		t.Fatal(err)
	}
	e.eventually(r, 10*time.Second, "the stale write being refused", func() bool {
		for _, q := range e.sim.Requests() {
			if q.Method == "PUT" && q.Params.Get("cores") == "2" {
				return q.Status != 0
			}
		}
		return false
	})
	for _, q := range e.sim.Requests() {
		if q.Method == "PUT" && q.Params.Get("cores") == "2" && q.Status == 200 {
			t.Fatalf("the stale write (cores 1 -> 2) succeeded over the administrator's 3")
		}
	}
	// The controller re-observes: from 3 it may go to 4, never back to 2.
	e.awaitPasses(r, 3, "after the refused write")
	if got := e.confInt(109, "cores"); got < 3 {
		t.Errorf("cores = %d: the administrator's 3 was overwritten with a stale value", got)
	}
}

func TestE2EOfflineNodeLeavesOthersScaling(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{nodes: 3, speed: 1, specs: []pvesim.ContainerSpec{
		{VMID: 110, Node: "pve1", Cores: 1, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Busy},
		{VMID: 111, Node: "pve2", Cores: 1, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Busy},
		{VMID: 112, Node: "pve3", Cores: 1, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Busy},
	}})
	e.sim.SetNodeOnline("pve2", false)
	// pve3 is online but its listing fails.
	e.sim.InjectFault(pvesim.Fault{Route: "/nodes/{node}/lxc", Node: "pve3", Status: 500, Reason: "got timeout"})
	r := e.start("run")
	e.eventually(r, 30*time.Second, "the container on the healthy node scaling", func() bool { return e.confInt(110, "cores") > 1 })
	if e.confInt(111, "cores") != 1 || e.confInt(112, "cores") != 1 {
		t.Error("a container on an unreachable node was changed")
	}
	if !strings.Contains(r.stderr.String(), `"node":"pve3"`) {
		t.Error("the failing node was not reported in the log")
	}
}

func TestE2ERestartKeepsCooldowns(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{speed: 1, specs: []pvesim.ContainerSpec{
		{VMID: 113, Node: "pve1", Cores: 1, MemoryMiB: 2048, DiskGiB: 8, Workload: workload.Busy},
	}, env: []string{"LXCA_SCALING_COOLDOWN_UP=1h", "LXCA_SCALING_MEMORY_ENABLED=false"}})
	first := e.start("run")
	e.eventually(first, 30*time.Second, "the first scale-up", func() bool { return e.confInt(113, "cores") == 2 })
	if code := first.stop(t); code != exitOK {
		t.Fatalf("first run exited %d", code)
	}
	second := e.start("run")
	// Five ticks: without the saved cooldown the still-busy container
	// would gain a core after the 2 s stabilisation.
	e.awaitPasses(second, 5, "after the restart")
	if got := e.confInt(113, "cores"); got != 2 {
		t.Errorf("cores = %d after a restart: the 1h cooldown was not kept", got)
	}
	if code := second.stop(t); code != exitOK {
		t.Errorf("second run exited %d", code)
	}
}

func TestE2EAPICallsPerTick(t *testing.T) {
	t.Parallel()
	var specs []pvesim.ContainerSpec
	for i := range 40 {
		specs = append(specs, pvesim.ContainerSpec{VMID: 200 + i, Cores: 2, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Steady})
	}
	e := newE2E(t, e2eOptions{nodes: 4, speed: 1, specs: specs, mode: "dry-run"})
	e.sim.SetNodeOnline("pve4", false)
	r := e.start("run")
	e.eventually(r, 30*time.Second, "five ticks", func() bool {
		n := 0
		for _, q := range e.sim.Requests() {
			if q.Route == "/nodes" {
				n++
			}
		}
		return n >= 5
	})
	r.stop(t)
	// Besides the listings, a container's config is read at most once, the
	// first time a decision depends on what only the config says (cores
	// unset or capped, the configured disk size): never again while its
	// listing stays the same.
	ticks, listings, reads, leaseCalls := 0, 0, map[string]int{}, 0
	for _, q := range e.sim.Requests() {
		switch q.Route {
		case "/version":
			// once, at start: the check that the credentials are accepted
		case "/nodes":
			ticks++
		case "/nodes/{node}/lxc":
			listings++
			if q.Node == "pve4" {
				t.Errorf("the offline node was listed")
			}
		case "/nodes/{node}/lxc/{vmid}/config":
			if reads[q.Path]++; reads[q.Path] > 1 {
				t.Errorf("config read again without a change in the listing: %s", q.Path)
			}
		case "/cluster/notifications/matchers/{name}", "/cluster/notifications/matchers":
			leaseCalls++ // on the lease's own cadence, not per tick
		default:
			t.Errorf("unexpected steady-state call %s %s", q.Method, q.Path)
		}
	}
	if online := 3; ticks+listings > ticks*(online+1) {
		t.Errorf("%d listing calls in %d ticks: more than online nodes + 1 = %d per tick", ticks+listings, ticks, online+1)
	}
	// The lease: a read and a write at start, then a read and a renewal
	// every lease_duration/3 (5 s), and no write to fence in dry-run.
	if leaseCalls > 4+2*(ticks/5+1) {
		t.Errorf("%d lease calls in %d ticks of 1 s: more than a read and a renewal every 5 s", leaseCalls, ticks)
	}
	t.Logf("%d calls in %d ticks (%d config reads, one each for %d containers; %d for the lease) for 3 online nodes and 40 containers",
		len(e.sim.Requests()), ticks, len(reads), len(reads), leaseCalls)
}

func TestE2EHangupReloadsPolicies(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{speed: 1, specs: []pvesim.ContainerSpec{
		{VMID: 114, Node: "pve1", Cores: 1, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Busy},
	}, mode: "dry-run"})
	r := e.start("run")
	e.eventually(r, 20*time.Second, "a dry-run decision", func() bool {
		return auditHas(e.dir, func(a map[string]any) bool { return a["result"] == "dry_run" })
	})
	conf, err := os.ReadFile(e.conf)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(e.conf, bytes.Replace(conf, []byte("mode: dry-run"), []byte("mode: enforce"), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	e.eventually(r, 20*time.Second, "scaling after the reload switched to enforce", func() bool { return e.confInt(114, "cores") > 1 })
}

// apiAddr waits for the log line of the REST API and returns its address.
func (e *e2e) apiAddr(r *running) string {
	e.t.Helper()
	var addr string
	e.eventually(r, 20*time.Second, "the REST API listening", func() bool {
		for line := range strings.Lines(r.stderr.String()) {
			var rec struct {
				Message, Listen string
			}
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Message == "serving the REST API" {
				addr = rec.Listen
				return true
			}
		}
		return false
	})
	return addr
}

// apiCaller calls the API at base with token, returning the status and
// body.
func apiCaller(t *testing.T, base, token string) func(method, path, body string) (int, string) {
	return func(method, path, body string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
}

func TestE2ERunServesTheAPIAndPausing(t *testing.T) {
	t.Parallel()
	const token = "e2e-operate-token-0123456789abcdef"
	sum := sha256.Sum256([]byte(token))
	e := newE2E(t, e2eOptions{speed: 1, specs: []pvesim.ContainerSpec{
		{VMID: 115, Node: "pve1", Cores: 1, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Busy},
		{VMID: 116, Node: "pve2", Cores: 1, MemoryMiB: 1024, DiskGiB: 8, Workload: workload.Idle},
	}, env: []string{
		"LXCA_API_LISTEN=127.0.0.1:0",
		fmt.Sprintf(`LXCA_API_TOKENS=[{name: ops, sha256: %q, scope: operate}]`, hex.EncodeToString(sum[:])),
		"LXCA_SCALING_MEMORY_ENABLED=false",
	}})
	r := e.start("run")
	base := "http://" + e.apiAddr(r)
	call := apiCaller(t, base, token)
	// Pause the busy container before the loop can scale it (stabilisation is 2 s).
	if code, body := call("POST", "/api/v1/containers/115/pause", ""); code != 200 {
		t.Fatalf("pause: %d %s", code, body)
	}
	e.eventually(r, 20*time.Second, "the loop's first pass in /readyz", func() bool {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	if code, body := call("GET", "/api/v1/containers", ""); code != 200 || !strings.Contains(body, `"vmid":115`) {
		t.Fatalf("list: %d %s", code, body)
	}
	// A manual change within the policy (cpu max 4) is applied and audited
	// with the token's name; one beyond it is refused naming the field.
	if code, body := call("PUT", "/api/v1/containers/116/resources", `{"cores": 3}`); code != 200 {
		t.Fatalf("set cores: %d %s", code, body)
	}
	if got := e.confInt(116, "cores"); got != 3 {
		t.Errorf("cores of 116 = %d after the manual change to 3", got)
	}
	if code, body := call("PUT", "/api/v1/containers/116/resources", `{"cores": 6}`); code != 400 || !strings.Contains(body, "cores") {
		t.Errorf("cores beyond the policy: %d %s; want 400 naming cores", code, body)
	}
	e.eventually(r, 10*time.Second, "the manual change in the audit", func() bool {
		return auditHas(e.dir, func(a map[string]any) bool { return a["source"] == "api:ops" && a["resource"] == "cores" })
	})
	e.awaitPasses(r, 4, "with the busy container paused") // it stays
	if got := e.confInt(115, "cores"); got != 1 {
		t.Errorf("the paused container was scaled to %d cores", got)
	}
	if code, _ := call("DELETE", "/api/v1/containers/116?confirm=116", ""); code != 403 {
		t.Errorf("delete with an operate token: %d, want 403", code)
	}
}
