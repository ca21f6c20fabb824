package demoview

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/config"
	"github.com/lxc-autoscale/lxc-autoscale/controller"
	"github.com/lxc-autoscale/lxc-autoscale/controller/audit"
	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
)

// Terminal control sequences of the compact view: home, clear to the
// end of the line, clear below, clear the screen.
const (
	AnsiHome      = "\x1b[H"
	AnsiClearLine = "\x1b[K"
	AnsiClearDown = "\x1b[J"
	AnsiClearAll  = "\x1b[2J"
)

// plainTableEvery is how often the plain view prints the whole table; in
// between it prints one line per change.
const plainTableEvery = 15

// View prints the controller's view after each pass. On a terminal
// (compact) it redraws one frame in place: the cluster, each container's
// changes so far and what this pass decided or why a change waits. Else
// it prints plain lines: the table now and then, the changes as they
// come.
type View struct {
	Out     io.Writer
	Compact bool
	// Header is the frame's first lines: where to look, how to stop.
	Header    []string
	AuditPath string // the run's audit record, for the changes so far
	passes    int
	// said is each container's change last printed by the plain view, so
	// that a recommendation repeated every pass is printed once.
	said map[int]string
}

// Watch shows each new snapshot until ctx is done and returns the number
// of passes it saw.
func (v *View) Watch(ctx context.Context, ctrl *controller.Controller, sim *pvesim.Sim, every time.Duration) int {
	ticker := time.NewTicker(every / 4)
	defer ticker.Stop()
	var last time.Time
	for {
		select {
		case <-ctx.Done():
			return v.passes
		case <-ticker.C:
		}
		snap := ctrl.Snapshot()
		if snap.Time.IsZero() || !snap.Time.After(last) {
			continue
		}
		last = snap.Time
		v.passes++
		v.show(sim.Clock().Now(), snap)
	}
}

func (v *View) show(simNow time.Time, snap controller.Snapshot) {
	if !v.Compact {
		if v.passes == 1 || v.passes%plainTableEvery == 0 {
			printSnapshot(v.Out, simNow, snap)
			return
		}
		if v.said == nil {
			v.said = map[int]string{}
		}
		for _, c := range snap.Containers {
			if c.Decision == nil || len(c.Decision.Changes) == 0 {
				continue
			}
			if text := describeDecision(c.Decision); text != v.said[c.VMID] || c.Decision.Mode == scaling.ModeEnforce {
				v.said[c.VMID] = text
				fmt.Fprintf(v.Out, "%s pass %d: %d %s: %s\n", simNow.UTC().Format("15:04"), v.passes, c.VMID, c.Name, text)
			}
		}
		return
	}
	var frame bytes.Buffer
	for _, line := range v.Header {
		frame.WriteString(line + "\n")
	}
	mode := snap.Mode
	for _, p := range snap.Policies {
		mode += ", policy " + p.Name + ": " + p.Mode
	}
	fmt.Fprintf(&frame, "── simulated %s · pass %d · %d nodes · model %s · mode %s ──\n",
		simNow.UTC().Format("2006-01-02 15:04"), v.passes, snap.Nodes, modelState(snap), mode)
	marks, _ := tallyActions(v.AuditPath)
	tw := tabwriter.NewWriter(&frame, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VMID\tNAME\tNODE\tCORES\tCPU%\tMEM MiB\tMEM%\tDISK GiB\tSCORE\tCHANGES SO FAR\tTHIS PASS")
	for _, c := range snap.Containers {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%.0f\t%d/%d\t%.0f\t%.1f/%.0f\t%s\t%s\t%s\n",
			c.VMID, c.Name, c.Node, c.Alloc.Cores, 100*c.CPUUtilisation,
			c.MemoryUsed>>20, c.Alloc.MemoryMiB, percent(c.MemoryUsed, uint64(c.Alloc.MemoryMiB)<<20),
			float64(c.DiskUsed)/(1<<30), float64(c.Alloc.DiskBytes)/(1<<30), scoreText(c), changesText(marks[c.VMID]), describeDecision(c.Decision))
	}
	_ = tw.Flush()
	frame.WriteString("\nCHANGES SO FAR: c cores, m memory, s swap, d disk; + up, - down, r recommended. THIS PASS: the change made, or why a wanted one waits.\n")

	var out strings.Builder
	if v.passes == 1 {
		out.WriteString(AnsiClearAll)
	}
	out.WriteString(AnsiHome)
	for line := range strings.Lines(frame.String()) {
		out.WriteString(strings.TrimSuffix(line, "\n") + AnsiClearLine + "\n")
	}
	out.WriteString(AnsiClearDown)
	_, _ = io.WriteString(v.Out, out.String())
}

func modelState(snap controller.Snapshot) string {
	if snap.ModelTrainedAt.IsZero() {
		return "training"
	}
	return "trained " + snap.ModelTrainedAt.Format("15:04:05")
}

func scoreText(c controller.ContainerView) string {
	if c.Score != c.Score { // NaN: no model yet
		return "-"
	}
	s := fmt.Sprintf("%.2f", c.Score)
	if c.Anomalous {
		s += "!"
	}
	return s
}

// changesText is a container's marks by resource, the last few of each:
// "c++- m+".
func changesText(byResource map[scaling.Resource]string) string {
	const keep = 6
	var parts []string
	for _, r := range scaling.Resources {
		m := byResource[r]
		if m == "" {
			continue
		}
		if len(m) > keep {
			m = "…" + m[len(m)-keep:]
		}
		parts = append(parts, string(r[0])+":"+m)
	}
	return strings.Join(parts, " ")
}

// tallyActions reads the audit record and marks each container's applied
// changes and recommendations by resource, oldest first: "+" up, "-"
// down, "r" recommended. It returns the containers in VMID order.
func tallyActions(auditPath string) (map[int]map[scaling.Resource]string, []int) {
	records, err := audit.Read(auditPath, 1_000_000)
	if err != nil {
		return nil, nil
	}
	marks := map[int]map[scaling.Resource]string{}
	var vmids []int
	for _, r := range slices.Backward(records) { // oldest first
		mark := map[string]string{"up": "+", "down": "-"}[r.Direction]
		switch r.Result {
		case scaling.ResultApplied:
		case scaling.ResultRecommended:
			mark = "r"
		default:
			continue
		}
		if marks[r.VMID] == nil {
			marks[r.VMID] = map[scaling.Resource]string{}
			vmids = append(vmids, r.VMID)
		}
		marks[r.VMID][scaling.Resource(r.Resource)] += mark
	}
	slices.Sort(vmids)
	return marks, vmids
}

// PrintTimings says how the demo's timings differ from the defaults, so
// that a container following a swinging workload is not read as flapping.
func PrintTimings(out io.Writer, every time.Duration, speed float64) {
	d := config.Default()
	sim := func(d time.Duration) time.Duration { return time.Duration(float64(d) * speed).Round(time.Second) }
	fmt.Fprintf(out, "\nTimings: the simulated clock runs x%g, so a pass every %s of real time covers %s of workload, and the waits are a few passes: "+
		"a decrease waits for %s of low use and %s after the last change, where the defaults wait %s and %s (a pass every %s).\n",
		speed, every, sim(every), sim(4*every), sim(6*every), d.Scaling.StabilizationDown, d.Scaling.CooldownDown, d.Monitor.Interval)
	fmt.Fprintln(out, "So a +-+- below is not flapping: it is a batch or spiky workload followed through the demo's short waits; "+
		"with the defaults such a container keeps its size through swings shorter than those waits.")
}

// printSnapshot prints the whole table of a pass (the plain view).
func printSnapshot(out io.Writer, simNow time.Time, snap controller.Snapshot) {
	fmt.Fprintf(out, "── simulated %s · %d nodes · model %s ──\n", simNow.UTC().Format("2006-01-02 15:04"), snap.Nodes, modelState(snap))
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VMID\tNAME\tNODE\tCORES\tCPU%\tMEM MiB\tMEM%\tDISK GiB\tSCORE\tDECISION")
	for _, c := range snap.Containers {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%.0f\t%d/%d\t%.0f\t%.1f/%.0f\t%s\t%s\n",
			c.VMID, c.Name, c.Node, c.Alloc.Cores, 100*c.CPUUtilisation,
			c.MemoryUsed>>20, c.Alloc.MemoryMiB, percent(c.MemoryUsed, uint64(c.Alloc.MemoryMiB)<<20),
			float64(c.DiskUsed)/(1<<30), float64(c.Alloc.DiskBytes)/(1<<30), scoreText(c), describeDecision(c.Decision))
	}
	_ = tw.Flush()
}

// describeDecision renders a decision in a few words: the changes, or the
// most telling reason a wanted change was held back.
func describeDecision(d *scaling.Decision) string {
	if d == nil {
		return ""
	}
	var parts []string
	for _, ch := range d.Changes {
		verb := map[scaling.Mode]string{scaling.ModeEnforce: "", scaling.ModeDryRun: "would ", scaling.ModeRecommend: "recommend "}[d.Mode]
		parts = append(parts, fmt.Sprintf("%s%s %s", verb, ch.Resource, formatChange(ch)))
	}
	for _, h := range d.Holds {
		switch h.Reason {
		case scaling.SkipDisabled, scaling.SkipNoData, scaling.SkipAtLimit, scaling.SkipNotRunning:
			continue
		}
		parts = append(parts, fmt.Sprintf("hold %s (%s)", h.Resource, h.Reason))
	}
	return strings.Join(parts, ", ")
}

func formatChange(ch scaling.Change) string {
	switch ch.Resource {
	case scaling.ResourceDisk:
		return fmt.Sprintf("%.0f→%.0f GiB", float64(ch.From)/(1<<30), float64(ch.To)/(1<<30))
	case scaling.ResourceMemory, scaling.ResourceSwap:
		return fmt.Sprintf("%d→%d MiB", ch.From, ch.To)
	}
	return fmt.Sprintf("%d→%d", ch.From, ch.To)
}

// PrintSummary reports what the demo did, from the simulator's request log.
func PrintSummary(out io.Writer, sim *pvesim.Sim, passes int, dir string) {
	var reads, writes, rrd int
	// A tick's listing calls are its GET /nodes and the per-node listings
	// that follow it. The demo's end may cut the last tick short (its
	// context cancelled between the two): counted, it would make a short
	// demo claim fewer calls per pass than a pass makes.
	var ticks []int
	for _, r := range sim.Requests() {
		switch {
		case r.Route == "/nodes":
			ticks = append(ticks, 1)
		case r.Route == "/nodes/{node}/lxc":
			if len(ticks) > 0 {
				ticks[len(ticks)-1]++
			}
		case r.Route == "/nodes/{node}/lxc/{vmid}/rrddata":
			rrd++
		case r.Method == "GET":
			reads++
		default:
			writes++
		}
	}
	if n := len(ticks); n > 1 && ticks[n-1] < slices.Max(ticks[:n-1]) {
		ticks = ticks[:n-1]
	}
	perTick := 0.0
	if len(ticks) > 0 {
		calls := 0
		for _, c := range ticks {
			calls += c
		}
		perTick = float64(calls) / float64(len(ticks))
	}
	fmt.Fprintf(out, "\nDemo summary: %d passes; %.1f listing calls per pass for 3 nodes; %d RRD reads for the backfill; %d config reads and %d writes for the changes.\n",
		passes, perTick, rrd, reads, writes)
	fmt.Fprintf(out, "Files: %s (lxc_metrics.json, state.json, audit.jsonl)\n", dir)
}

// PrintActions tabulates the audit record: changes by container and
// resource, "+" for increases, "-" for decreases, "r" for recommendations.
func PrintActions(out io.Writer, auditPath string) {
	marks, vmids := tallyActions(auditPath)
	if len(vmids) == 0 {
		return
	}
	fmt.Fprintln(out, "\nActions by container and resource (+ up, - down, r recommended), oldest first:")
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VMID\tCORES\tMEMORY\tSWAP\tDISK")
	for _, id := range vmids {
		c := marks[id]
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", id, c[scaling.ResourceCores], c[scaling.ResourceMemory], c[scaling.ResourceSwap], c[scaling.ResourceDisk])
	}
	_ = tw.Flush()
}

func percent(used, limit uint64) float64 {
	if limit == 0 {
		return 0
	}
	return 100 * float64(used) / float64(limit)
}
