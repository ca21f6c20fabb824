package page

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller"
	"github.com/lxc-autoscale/lxc-autoscale/controller/manual"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// pageView is everything the template prints, already formatted: the
// template only lays it out.
type pageView struct {
	Nonce          string
	RefreshSeconds int
	Now            string
	// LoopRunning is false in the api command: no scores or decisions.
	LoopRunning bool
	// Health is "ready", "stale" or "not ready", as /readyz judges it;
	// HealthDetail says why.
	Health       string
	HealthClass  string // ok, warn, bad
	HealthDetail string
	LastPass     string
	LastSuccess  string
	Nodes        int
	FailedNodes  []string
	ModelTrained string
	// Leader says who acts: this process, or another replica (named as
	// its lease records it) while this one only observes; "" without a
	// lease (the api command).
	Leader string
	// Mode is the default mode, "monitor" when the loop never decides;
	// Policies the policies' modes. NodeRows is the nodes table.
	Mode      string
	ModeClass string
	Policies  []policyMode
	NodeRows  []nodeRow
	// Backfill is where the RRD backfill stands; "" when it is off or
	// has not started.
	Backfill     string
	ListError    string // the cluster listing failed (no loop)
	Containers   []containerRow
	Anomalous    int
	Paused       int
	Recommending int
	Locked       int
}

// containerRow is one row of the containers table.
type containerRow struct {
	VMID   int
	Name   string
	Node   string
	Status string
	Cores  string
	// CPU is the share of the allocated cores in use; CPUFraction feeds
	// its meter (-1: unknown).
	CPU            string
	CPUFraction    float64
	Memory         string
	MemoryPercent  string
	MemoryFraction float64
	Disk           string
	DiskPercent    string
	DiskFraction   float64
	Score          string
	Anomalous      bool
	// Decision lists this pass's changes, or the holds that say why
	// nothing changed; DecisionKind is changes, hold or none.
	Decision       []string
	DecisionKind   string
	Recommendation []string
	Paused         bool
	Lock           string
	// Spark is the last hour's sparkline; nil without a history.
	Spark *spark
}

// refreshSeconds is the page's refresh: the loop interval, at least
// minPageRefresh.
func refreshSeconds(interval time.Duration) int {
	if interval <= 0 {
		interval = defaultPageRefresh
	}
	return int(math.Ceil(max(interval, minPageRefresh).Seconds()))
}

// snapshotPageView builds the page of a running loop. Readiness follows
// /readyz: ready after a pass that listed every online node, stale when
// that is older than staleAfter intervals (the configured interval, else the
// snapshot's).
func snapshotPageView(snap controller.Snapshot, interval time.Duration, staleAfter int, now time.Time) pageView {
	if interval <= 0 {
		interval = snap.Interval
	}
	v := pageView{
		RefreshSeconds: refreshSeconds(interval),
		Now:            formatTime(now, now),
		LoopRunning:    true,
		LastPass:       formatTime(snap.Time, now),
		LastSuccess:    formatTime(snap.LastSuccess, now),
		Nodes:          snap.Nodes,
		FailedNodes:    snap.FailedNodes,
		ModelTrained:   formatTime(snap.ModelTrainedAt, now),
		Mode:           snap.Mode,
		ModeClass:      modeClass(snap.Mode),
		NodeRows:       nodeRows(snap),
	}
	for _, p := range snap.Policies {
		v.Policies = append(v.Policies, policyMode{p.Name, p.Mode})
	}
	switch {
	case snap.LastSuccess.IsZero():
		v.Health, v.HealthClass, v.HealthDetail = "not ready", "bad", "No pass has listed every online node yet"
	case interval > 0 && now.Sub(snap.LastSuccess) > time.Duration(staleAfter)*interval:
		v.Health, v.HealthClass = "stale", "warn"
		v.HealthDetail = "The last complete pass is older than " + strconv.Itoa(staleAfter) + " intervals (" + (time.Duration(staleAfter) * interval).String() + ")"
	default:
		v.Health, v.HealthClass, v.HealthDetail = "ready", "ok", "The last complete pass is recent"
	}
	if snap.ModelTrainedAt.IsZero() {
		v.ModelTrained = "not trained yet"
	}

	if b := snap.Backfill; b.Pending+b.Done+b.Failed > 0 {
		v.Backfill = strconv.Itoa(b.Done) + " read, " + strconv.Itoa(b.Failed) + " given up"
		if b.Pending > 0 {
			v.Backfill = strconv.Itoa(b.Pending) + " containers to read; " + v.Backfill
		} else {
			v.Backfill = "done: " + v.Backfill
		}
	}
	v.Containers = make([]containerRow, 0, len(snap.Containers))
	for _, ct := range snap.Containers {
		row := viewRow(ct)
		v.Containers = append(v.Containers, row)
		if row.Anomalous {
			v.Anomalous++
		}
		if row.Paused {
			v.Paused++
		}
		if len(row.Recommendation) > 0 {
			v.Recommending++
		}
		if row.Lock != "" {
			v.Locked++
		}
	}
	return v
}

// listingPageView builds the page of the api command, which runs no loop:
// usage from the cluster listing, no scores or decisions.
func listingPageView(cts []manual.ContainerSummary, listErr error, interval time.Duration, now time.Time) pageView {
	v := pageView{
		RefreshSeconds: refreshSeconds(interval),
		Now:            formatTime(now, now),
		Health:         "no loop",
		HealthClass:    "warn",
		HealthDetail:   "The autoscaling loop is not running in this process (lxc-autoscale api): no scores, decisions or recommendations",
	}
	if listErr != nil {
		v.ListError = listErr.Error()
	}
	nodes := map[string]bool{}
	for _, ct := range cts {
		if ct.Template {
			continue
		}
		nodes[ct.Node] = true
		row := containerRow{
			VMID: ct.VMID, Name: ct.Name, Node: ct.Node, Status: ct.Status, Lock: ct.Lock,
			Cores:       strconv.FormatFloat(ct.CPUs, 'f', -1, 64),
			CPU:         percent(ct.CPU),
			CPUFraction: ct.CPU,
			Score:       "—",
			Decision:    []string{"—"}, DecisionKind: "none",
		}
		row.Memory, row.MemoryPercent, row.MemoryFraction = usage(ct.Mem, ct.MaxMem, mib)
		row.Disk, row.DiskPercent, row.DiskFraction = usage(ct.Disk, ct.MaxDisk, bytesUnit)
		v.Containers = append(v.Containers, row)
		if row.Lock != "" {
			v.Locked++
		}
	}
	v.Nodes = len(nodes)
	return v
}

// viewRow formats one container of the loop's snapshot.
func viewRow(ct controller.ContainerView) containerRow {
	row := containerRow{
		VMID: ct.VMID, Name: ct.Name, Node: ct.Node, Status: ct.Status, Lock: ct.Lock,
		Anomalous: ct.Anomalous, Paused: ct.Paused,
		Cores:       strconv.Itoa(ct.Alloc.Cores),
		CPU:         percent(ct.CPUUtilisation),
		CPUFraction: ct.CPUUtilisation,
		Score:       "—",
	}
	if ct.Samples == 0 {
		row.CPU, row.CPUFraction = "—", -1
	}
	if !math.IsNaN(ct.Score) {
		row.Score = strconv.FormatFloat(ct.Score, 'f', 2, 64)
	}
	row.Memory, row.MemoryPercent, row.MemoryFraction = usage(ct.MemoryUsed, uint64(ct.Alloc.MemoryMiB)<<20, mib)
	row.Disk, row.DiskPercent, row.DiskFraction = usage(ct.DiskUsed, ct.Alloc.DiskBytes, bytesUnit)
	d := ct.Decision
	switch {
	case d == nil:
		row.Decision, row.DecisionKind = []string{"—"}, "none"
	case d.Mode == scaling.ModeRecommend && len(d.Changes) > 0:
		// A recommendation is not an action: it goes to its own column,
		// and the decision column says nothing was written.
		for _, ch := range d.Changes {
			row.Recommendation = append(row.Recommendation, describeChange(ch))
		}
		row.Decision, row.DecisionKind = []string{"recommend only: nothing written"}, "hold"
	case len(d.Changes) > 0:
		prefix := ""
		if d.Mode == scaling.ModeDryRun {
			prefix = "dry-run: "
		}
		for _, ch := range d.Changes {
			row.Decision = append(row.Decision, prefix+describeChange(ch))
		}
		row.DecisionKind = "changes"
	default:
		if holds := tellingHolds(d.Holds); len(holds) > 0 {
			row.Decision, row.DecisionKind = holds, "hold"
		} else {
			row.Decision, row.DecisionKind = []string{"no change"}, "none"
		}
	}
	return row
}

// tellingHolds are the holds worth a person's attention: a disabled
// resource is configuration, not news.
func tellingHolds(holds []scaling.Hold) []string {
	var out []string
	for _, h := range holds {
		if h.Reason == scaling.SkipDisabled {
			continue
		}
		s := "hold " + string(h.Resource) + ": " + strings.ReplaceAll(string(h.Reason), "_", " ")
		if detail := h.Detail(); detail != "" {
			s += " (" + detail + ")"
		}
		out = append(out, s)
	}
	return slices.Compact(out)
}

// describeChange says a change in its resource's unit: "cores 2 → 3".
func describeChange(ch scaling.Change) string {
	var from, to string
	switch ch.Resource {
	case scaling.ResourceMemory, scaling.ResourceSwap:
		from, to = strconv.FormatInt(ch.From, 10), strconv.FormatInt(ch.To, 10)+" MiB"
	case scaling.ResourceDisk:
		from, to = humanBytes(uint64(max(ch.From, 0))), humanBytes(uint64(max(ch.To, 0)))
	default:
		from, to = strconv.FormatInt(ch.From, 10), strconv.FormatInt(ch.To, 10)
	}
	s := string(ch.Resource) + " " + from + " → " + to
	if reason := ch.Reason(); reason != "" {
		s += " (" + reason + ")"
	}
	return s
}

// unit formats a byte count for a used / limit pair.
type unit int

const (
	mib       unit = iota // always MiB, like the memory limits PVE shows
	bytesUnit             // the largest binary unit that fits
)

// usage formats used / limit with its percentage and its fraction for a
// meter (-1 when the limit is unknown).
func usage(used, limit uint64, u unit) (text, pct string, fraction float64) {
	format := humanBytes
	if u == mib {
		format = func(b uint64) string { return strconv.FormatUint(b>>20, 10) + " MiB" }
	}
	if limit == 0 {
		return format(used) + " / —", "—", -1
	}
	fraction = float64(used) / float64(limit)
	us, ls := format(used), format(limit)
	// "1536 / 2048 MiB": the unit once when both share it, for a narrow cell.
	if ui, li := strings.LastIndexByte(us, ' '), strings.LastIndexByte(ls, ' '); ui > 0 && li > 0 && us[ui:] == ls[li:] {
		us = us[:ui]
	}
	return us + " / " + ls, percent(fraction), fraction
}

// percent formats a fraction as a whole percentage.
func percent(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "—"
	}
	return strconv.FormatFloat(math.Round(f*100), 'f', 0, 64) + " %"
}

// humanBytes formats b in binary units with one decimal: "7.5 GiB".
func humanBytes(b uint64) string {
	const k = 1024
	if b < k {
		return strconv.FormatUint(b, 10) + " B"
	}
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	v, i := float64(b)/k, 0
	for v >= k && i < len(units)-1 {
		v /= k
		i++
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + units[i]
}

// formatTime is an absolute UTC time and how long ago it was; "never" for
// the zero time.
func formatTime(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	abs := t.UTC().Format("2006-01-02 15:04:05 UTC")
	if t.Equal(now) {
		return abs
	}
	ago := now.Sub(t).Round(time.Second)
	if ago < 0 {
		return abs + " (in " + (-ago).String() + ")"
	}
	return abs + " (" + ago.String() + " ago)"
}

// leaderText says who acts among replicas.
func leaderText(leading bool, leader string) string {
	switch {
	case leading:
		return "this process (lease holder " + leader + ")"
	case leader != "":
		return leader + " (another replica; this one follows: it observes and serves reads)"
	}
	return "none known yet (this replica follows)"
}
