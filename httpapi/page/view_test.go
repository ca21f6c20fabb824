package page

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller"
	"github.com/lxc-autoscale/lxc-autoscale/controller/ctview"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// pageNow is the clock of the tests.
var pageNow = time.Date(2026, 11, 27, 3, 30, 0, 0, time.UTC)

func TestRefreshSeconds(t *testing.T) {
	tests := []struct {
		interval time.Duration
		want     int
	}{
		{0, 30},
		{time.Second, 5},
		{5 * time.Second, 5},
		{7200 * time.Millisecond, 8},
		{time.Minute, 60},
	}
	for _, tt := range tests {
		if got := refreshSeconds(tt.interval); got != tt.want {
			t.Errorf("refreshSeconds(%v) = %d, want %d", tt.interval, got, tt.want)
		}
	}
}

func TestSnapshotPageHealth(t *testing.T) {
	tests := []struct {
		name        string
		configured  time.Duration // Options.Interval; the snapshot's is 15 s
		lastSuccess time.Time
		want        string
	}{
		{"no complete pass yet", 0, time.Time{}, "not ready"},
		{"recent", 0, pageNow.Add(-20 * time.Second), "ready"},
		{"exactly three intervals", 0, pageNow.Add(-45 * time.Second), "ready"},
		{"older than three intervals", 0, pageNow.Add(-46 * time.Second), "stale"},
		{"the configured interval wins, as in /readyz", time.Minute, pageNow.Add(-100 * time.Second), "ready"},
		{"stale by the configured interval", 5 * time.Second, pageNow.Add(-16 * time.Second), "stale"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := controller.Snapshot{Time: pageNow, LastSuccess: tt.lastSuccess, Interval: 15 * time.Second}
			if got := snapshotPageView(snap, tt.configured, 3, pageNow).Health; got != tt.want {
				t.Errorf("health = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSnapshotPageBackfill(t *testing.T) {
	for _, tt := range []struct {
		pending, done, failed int
		want                  string
	}{
		{0, 0, 0, ""},
		{9_000, 990, 10, "9000 containers to read; 990 read, 10 given up"},
		{0, 9_990, 10, "done: 9990 read, 10 given up"},
	} {
		snap := controller.Snapshot{Time: pageNow}
		snap.Backfill.Pending, snap.Backfill.Done, snap.Backfill.Failed = tt.pending, tt.done, tt.failed
		if got := snapshotPageView(snap, 0, 3, pageNow).Backfill; got != tt.want {
			t.Errorf("backfill %+v shown as %q, want %q", snap.Backfill, got, tt.want)
		}
	}
}

func TestViewRowDecision(t *testing.T) {
	change := scaling.Change{Resource: scaling.ResourceCores, Direction: scaling.Up, From: 2, To: 4, Text: "busy"}
	disk := scaling.Change{Resource: scaling.ResourceDisk, Direction: scaling.Up, From: 8 << 30, To: 10 << 30}
	tests := []struct {
		name          string
		decision      *scaling.Decision
		wantDecision  []string
		wantKind      string
		wantRecommend []string
	}{
		{"no decision", nil, []string{"—"}, "none", nil},
		{"enforced change", &scaling.Decision{Mode: scaling.ModeEnforce, Changes: []scaling.Change{change}},
			[]string{"cores 2 → 4 (busy)"}, "changes", nil},
		{"dry run", &scaling.Decision{Mode: scaling.ModeDryRun, Changes: []scaling.Change{disk}},
			[]string{"dry-run: disk 8.0 GiB → 10.0 GiB"}, "changes", nil},
		{"recommendation", &scaling.Decision{Mode: scaling.ModeRecommend, Changes: []scaling.Change{change}},
			[]string{"recommend only: nothing written"}, "hold", []string{"cores 2 → 4 (busy)"}},
		{"only disabled holds", &scaling.Decision{Mode: scaling.ModeEnforce, Holds: []scaling.Hold{{Resource: scaling.ResourceSwap, Reason: scaling.SkipDisabled}}},
			[]string{"no change"}, "none", nil},
		{"telling holds", &scaling.Decision{Mode: scaling.ModeEnforce, Holds: []scaling.Hold{
			{Resource: scaling.ResourceMemory, Reason: scaling.SkipMemoryFloor, Text: "peak 900 MiB + margin"},
			{Resource: scaling.ResourceSwap, Reason: scaling.SkipDisabled},
			{Resource: scaling.ResourceCores, Reason: scaling.SkipCapacity},
		}}, []string{"hold memory: memory floor (peak 900 MiB + margin)", "hold cores: node capacity"}, "hold", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row := viewRow(controller.ContainerView{Listed: controller.Listed{VMID: 100}, Score: math.NaN(), Decision: tt.decision})
			if strings.Join(row.Decision, "|") != strings.Join(tt.wantDecision, "|") || row.DecisionKind != tt.wantKind {
				t.Errorf("decision = %q (%s), want %q (%s)", row.Decision, row.DecisionKind, tt.wantDecision, tt.wantKind)
			}
			if strings.Join(row.Recommendation, "|") != strings.Join(tt.wantRecommend, "|") {
				t.Errorf("recommendation = %q, want %q", row.Recommendation, tt.wantRecommend)
			}
			if row.Score != "—" {
				t.Errorf("score without a model = %q, want —", row.Score)
			}
		})
	}
}

func TestUsageFormatting(t *testing.T) {
	tests := []struct {
		used, limit uint64
		u           unit
		wantText    string
		wantPercent string
	}{
		{512 << 20, 1024 << 20, mib, "512 / 1024 MiB", "50 %"},
		{3 << 30, 8 << 30, bytesUnit, "3.0 / 8.0 GiB", "38 %"},
		{100, 0, bytesUnit, "100 B / —", "—"},
		{1536, 1 << 40, bytesUnit, "1.5 KiB / 1.0 TiB", "0 %"},
	}
	for _, tt := range tests {
		text, pct, _ := usage(tt.used, tt.limit, tt.u)
		if text != tt.wantText || pct != tt.wantPercent {
			t.Errorf("usage(%d, %d) = %q, %q; want %q, %q", tt.used, tt.limit, text, pct, tt.wantText, tt.wantPercent)
		}
	}
}

func TestLeaderText(t *testing.T) {
	tests := []struct {
		leading bool
		leader  string
		want    string
	}{
		{true, "ctl1:10:ab", "this process (lease holder ctl1:10:ab)"},
		{false, "ctl2:20:cd", "ctl2:20:cd (another replica; this one follows: it observes and serves reads)"},
		{false, "", "none known yet (this replica follows)"},
	}
	for _, tt := range tests {
		if got := leaderText(tt.leading, tt.leader); got != tt.want {
			t.Errorf("leading %v, leader %q: %q, want %q", tt.leading, tt.leader, got, tt.want)
		}
	}
}

// The nodes table sums the running containers' allocation per node of the
// listing, against the node's threads and memory, and says which nodes
// are down.
func TestNodeRows(t *testing.T) {
	snap := controller.Snapshot{
		FailedNodes: []string{"pve3"},
		NodeList: []ctview.Node{
			{Name: "pve1", Online: true, Threads: 8, MemoryBytes: 16 << 30},
			{Name: "pve2", Online: false, Threads: 4, MemoryBytes: 8 << 30},
			{Name: "pve3", Online: false, Threads: 0},
		},
		Containers: []controller.ContainerView{
			{Listed: controller.Listed{VMID: 1, Node: "pve1", Status: "running", Alloc: scaling.Allocation{Cores: 2, MemoryMiB: 2048}}},
			{Listed: controller.Listed{VMID: 2, Node: "pve1", Status: "running", Alloc: scaling.Allocation{Cores: 4, MemoryMiB: 6144}}},
			{Listed: controller.Listed{VMID: 3, Node: "pve1", Status: "stopped", Alloc: scaling.Allocation{Cores: 8, MemoryMiB: 8192}}},
		},
	}
	rows := nodeRows(snap)
	want := []nodeRow{
		{Name: "pve1", State: "up", StateClass: "ok", Containers: "2 running, 1 stopped", Cores: "6 / 8 (75 %)", CoresFrac: 0.75, Memory: "8.0 / 16.0 GiB (50 %)", MemoryFrac: 0.5},
		{Name: "pve2", State: "offline", StateClass: "bad", Containers: "0 running, 0 stopped", Cores: "0 / 4 (0 %)", CoresFrac: 0, Memory: "0 B / 8.0 GiB (0 %)", MemoryFrac: 0},
		{Name: "pve3", State: "listing failed", StateClass: "bad", Containers: "0 running, 0 stopped", Cores: "0 / 0", CoresFrac: -1, Memory: "0 B / —", MemoryFrac: -1},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d: %+v", len(rows), len(want), rows)
	}
	for i := range want {
		if rows[i] != want[i] {
			t.Errorf("row %d = %+v\nwant %+v", i, rows[i], want[i])
		}
	}
}

// A sparkline breaks at the minutes no pass saw, draws a lone minute as a
// dot, and maps 0..1 (clipped) to the bottom..top of its box.
func TestSparkPath(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		values []float64
		want   string
	}{
		{[]float64{0, 1, nan, 0.5, nan, nan}, "M0 18.5L1 1.5 M3 10.0h0"},
		{[]float64{nan, 2, -1}, "M1 1.5L2 18.5"},
		{[]float64{nan, nan}, ""},
		{[]float64{0.5, 0.5, 0.5, 0.5}, "M0 10.0H3"},
		{[]float64{0.5, 0.5, 1, 1, nan, 0, 0}, "M0 10.0H1L2 1.5H3 M5 18.5H6"},
		{[]float64{nan, 0}, "M1 18.5h0"},
	}
	for _, tt := range tests {
		if got := sparkPath(tt.values); got != tt.want {
			t.Errorf("sparkPath(%v) = %q, want %q", tt.values, got, tt.want)
		}
	}
	var h ctview.History
	for i := range h.CPU {
		h.CPU[i], h.Memory[i] = nan, nan
	}
	if sparkOf(h) != nil {
		t.Error("a history without a point gives a sparkline")
	}
	h.CPU[59], h.Memory[58] = 0.93, 0.5
	s := sparkOf(h)
	if s == nil || s.Width != 59 || !strings.Contains(s.Summary, "CPU up to 93 %") || !strings.Contains(s.Summary, "memory up to 50 %") {
		t.Errorf("sparkline of one minute: %+v", s)
	}
}
