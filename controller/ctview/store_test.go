package ctview

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

var t0 = time.Date(2026, 12, 6, 18, 0, 0, 0, time.UTC)

func values(vmid int, node string, cores int, used float64) Values {
	return Values{VMID: vmid, Node: node, Cores: cores, MemoryBytes: 1 << 30, CPUCores: used,
		MemoryUsedBytes: 256 << 20, HasUsage: true, RecommendedCores: cores + 1, RecommendedMemoryBytes: 1 << 30, Score: 0.5}
}

// The gauges show each container's latest values under its vmid and node;
// a move to another node leaves no series of the old one; a forgotten
// container leaves none at all.
func TestStoreGaugesFollowContainers(t *testing.T) {
	reg := prometheus.NewRegistry()
	s, err := New(reg)
	if err != nil {
		t.Fatal(err)
	}
	s.Set(t0, values(101, "pve1", 2, 1.5))
	s.Set(t0, values(102, "pve2", 1, 0.25))
	s.Set(t0.Add(10*time.Second), values(101, "pve1", 3, 2.5))
	want := `
# HELP lxc_autoscale_anomaly_score Latest isolation forest anomaly score of each container, in (0, 1]; above the threshold is anomalous.
# TYPE lxc_autoscale_anomaly_score gauge
lxc_autoscale_anomaly_score{vmid="101"} 0.5
lxc_autoscale_anomaly_score{vmid="102"} 0.5
# HELP lxc_autoscale_container_cores Cores allocated to each container.
# TYPE lxc_autoscale_container_cores gauge
lxc_autoscale_container_cores{node="pve1",vmid="101"} 3
lxc_autoscale_container_cores{node="pve2",vmid="102"} 1
# HELP lxc_autoscale_container_cpu_used_cores CPU in use by each container, in cores: its utilisation of the allocated cores times the cores.
# TYPE lxc_autoscale_container_cpu_used_cores gauge
lxc_autoscale_container_cpu_used_cores{node="pve1",vmid="101"} 2.5
lxc_autoscale_container_cpu_used_cores{node="pve2",vmid="102"} 0.25
# HELP lxc_autoscale_container_recommended_cores Cores the latest decision wants for each container; when it wants no change, the usage history's target (scaling.profile), else its allocation.
# TYPE lxc_autoscale_container_recommended_cores gauge
lxc_autoscale_container_recommended_cores{node="pve1",vmid="101"} 4
lxc_autoscale_container_recommended_cores{node="pve2",vmid="102"} 2
`
	names := []string{"lxc_autoscale_anomaly_score", "lxc_autoscale_container_cores", "lxc_autoscale_container_cpu_used_cores", "lxc_autoscale_container_recommended_cores"}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), names...); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(s, "lxc_autoscale_container_memory_bytes"); n != 2 {
		t.Errorf("%d memory series, want 2", n)
	}

	s.Set(t0.Add(20*time.Second), values(101, "pve2", 3, 2.5)) // migrated
	s.Forget(102)
	s.Forget(999) // never seen: nothing to do
	want = `
# HELP lxc_autoscale_container_cores Cores allocated to each container.
# TYPE lxc_autoscale_container_cores gauge
lxc_autoscale_container_cores{node="pve2",vmid="101"} 3
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "lxc_autoscale_container_cores"); err != nil {
		t.Errorf("after a move and a forget: %v", err)
	}
	if n := testutil.CollectAndCount(s); n != int(numGauges)+1 {
		t.Errorf("%d series after a move and a forget, want %d (101 on pve2, its score)", n, numGauges+1)
	}
	unscored := values(103, "pve1", 1, 0.1)
	unscored.Score = math.NaN() // not scored yet: no series, not a NaN one
	s.Set(t0.Add(30*time.Second), unscored)
	if n := testutil.CollectAndCount(s, "lxc_autoscale_anomaly_score"); n != 1 {
		t.Errorf("%d anomaly score series with 103 unscored, want 1 (101)", n)
	}
	if problems, err := testutil.CollectAndLint(s); err != nil || len(problems) > 0 {
		t.Errorf("promlint: %v %v", problems, err)
	}
	if _, ok := s.History(102, t0); ok {
		t.Error("a forgotten container still has a history")
	}
}

// Without usage (no sample yet) the allocation is shown and the usage
// gauges are not made up.
func TestStoreWithoutUsage(t *testing.T) {
	s, _ := New(nil)
	v := values(101, "pve1", 2, 0)
	v.HasUsage = false
	s.Set(t0, v)
	if n := testutil.CollectAndCount(s, "lxc_autoscale_container_cpu_used_cores", "lxc_autoscale_container_memory_used_bytes"); n != 0 {
		t.Errorf("%d usage series before any sample, want 0", n)
	}
	if n := testutil.CollectAndCount(s, "lxc_autoscale_container_cores"); n != 1 {
		t.Errorf("%d cores series, want 1", n)
	}
	h, ok := s.History(101, t0)
	if !ok || !math.IsNaN(h.CPU[Minutes-1]) {
		t.Errorf("history without samples: %v %v, want known and empty", ok, h.CPU[Minutes-1])
	}
}

// Each minute holds its peak; minutes without a pass are gaps; an hour
// later the old minutes are gone; a clock that went back restarts.
func TestHistoryMinutes(t *testing.T) {
	s, _ := New(nil)
	set := func(at time.Time, cpu float64) {
		v := values(7, "pve1", 4, cpu*4)
		s.Set(at, v)
	}
	set(t0, 0.5)
	set(t0.Add(20*time.Second), 0.75) // same minute: the peak stays
	set(t0.Add(40*time.Second), 0.25)
	set(t0.Add(3*time.Minute), 2) // beyond the allocation: shown as full
	h, _ := s.History(7, t0.Add(3*time.Minute+30*time.Second))
	if !h.End.Equal(t0.Add(3 * time.Minute)) {
		t.Errorf("End = %v, want %v", h.End, t0.Add(3*time.Minute))
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 0.005 }
	if got := h.CPU[Minutes-4]; !near(got, 0.75) {
		t.Errorf("minute of t0: %v, want the peak 0.75", got)
	}
	if !math.IsNaN(h.CPU[Minutes-3]) || !math.IsNaN(h.CPU[Minutes-2]) {
		t.Errorf("minutes without a pass: %v %v, want NaN", h.CPU[Minutes-3], h.CPU[Minutes-2])
	}
	if got := h.CPU[Minutes-1]; got != 1 {
		t.Errorf("newest minute: %v, want 1", got)
	}
	if got := h.Memory[Minutes-1]; !near(got, 0.25) {
		t.Errorf("memory of the newest minute: %v, want 0.25", got)
	}
	// Read an hour on: t0's minute has left the window, t0+3m is the oldest point.
	h, _ = s.History(7, t0.Add(62*time.Minute))
	if h.CPU[0] != 1 || !math.IsNaN(h.CPU[1]) || !math.IsNaN(h.CPU[Minutes-1]) {
		t.Errorf("an hour on: t0+3m %v, t0+4m %v, newest %v; want 1, NaN, NaN", h.CPU[0], h.CPU[1], h.CPU[Minutes-1])
	}
	// Samples resuming after more than an hour clear everything older.
	set(t0.Add(2*time.Hour), 0.5)
	h, _ = s.History(7, t0.Add(2*time.Hour))
	known := 0
	for _, v := range h.CPU {
		if !math.IsNaN(v) {
			known++
		}
	}
	if known != 1 {
		t.Errorf("%d known minutes after a two-hour gap, want 1", known)
	}
	set(t0, 0.1) // the clock went back
	h, _ = s.History(7, t0)
	if got := h.CPU[Minutes-1]; !near(got, 0.1) {
		t.Errorf("after the clock went back: %v, want 0.1", got)
	}
}

// A node's up gauge follows the listing; a node that left has none.
func TestStoreNodes(t *testing.T) {
	s, _ := New(nil)
	s.SetNodes([]Node{{Name: "pve1", Online: true}, {Name: "pve2"}})
	if up, down := testutil.ToFloat64(s.nodeUp.WithLabelValues("pve1")), testutil.ToFloat64(s.nodeUp.WithLabelValues("pve2")); up != 1 || down != 0 {
		t.Errorf("node_up pve1 %v, pve2 %v; want 1 and 0", up, down)
	}
	s.SetNodes([]Node{{Name: "pve1", Online: true}})
	if n := testutil.CollectAndCount(s.nodeUp); n != 1 {
		t.Errorf("%d node_up series after pve2 left, want 1", n)
	}
}

// The recommendation gauge holds the target of each resource the latest
// decision changes, in base units, and only while it changes it.
func TestStoreRecommendation(t *testing.T) {
	s, _ := New(nil)
	v := values(7, "pve1", 2, 1)
	v.Changes = []scaling.Change{{Resource: scaling.ResourceCores, To: 3}, {Resource: scaling.ResourceMemory, To: 1536}}
	s.Set(t0, v)
	if got := testutil.ToFloat64(s.recommendation.WithLabelValues("7", "memory")); got != 1536<<20 {
		t.Errorf("memory recommendation = %v, want 1536 MiB in bytes", got)
	}
	v.Changes = v.Changes[:1]
	s.Set(t0.Add(10*time.Second), v)
	if n := testutil.CollectAndCount(s.recommendation); n != 1 {
		t.Errorf("%d recommendation series once memory is no longer recommended, want 1 (cores)", n)
	}
	v.Changes = nil
	s.Set(t0.Add(20*time.Second), v)
	if n := testutil.CollectAndCount(s.recommendation); n != 0 {
		t.Errorf("%d recommendation series without a pending change, want 0", n)
	}
	v.Changes = []scaling.Change{{Resource: scaling.ResourceDisk, To: 10 << 30}}
	s.Set(t0.Add(30*time.Second), v)
	s.Forget(7)
	if n := testutil.CollectAndCount(s.recommendation); n != 0 {
		t.Errorf("%d recommendation series after Forget, want 0", n)
	}
}

// Where the decision changes nothing the recommender's target is the
// recommendation; a pending change stays it, and without history the
// allocation does.
func TestFromHistory(t *testing.T) {
	alloc := scaling.Allocation{Cores: 4, MemoryMiB: 4096}
	v := Of(101, "pve1", alloc, 0.1, 1<<30, true, 0.4, &scaling.Decision{}).FromHistory(2, 1536)
	if v.RecommendedCores != 2 || v.RecommendedMemoryBytes != 1536<<20 {
		t.Errorf("no change, history 2 cores and 1536 MiB: recommended %d cores, %d bytes", v.RecommendedCores, v.RecommendedMemoryBytes)
	}
	d := &scaling.Decision{Changes: []scaling.Change{{Resource: scaling.ResourceCores, Direction: scaling.Down, From: 4, To: 3}}}
	v = Of(101, "pve1", alloc, 0.1, 1<<30, true, 0.4, d).FromHistory(2, 0)
	if v.RecommendedCores != 3 || v.RecommendedMemoryBytes != 4096<<20 {
		t.Errorf("a change to 3 cores, no memory history: recommended %d cores, %d bytes", v.RecommendedCores, v.RecommendedMemoryBytes)
	}
}
