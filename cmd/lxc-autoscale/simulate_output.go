package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/sim"
)

// JSON view of the results: snake_case, VMIDs as object keys, a metric
// that has no value (no step increase to react to) as null.

type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

type jsonMetrics struct {
	StarvationMinutes          jsonFloat `json:"starvation_minutes"`
	StarvationBeyondMaxMinutes jsonFloat `json:"starvation_beyond_max_minutes"`
	WasteCoreHours             jsonFloat `json:"waste_core_hours"`
	WasteGBHours               jsonFloat `json:"waste_gb_hours"`
	WasteDiskGBHours           jsonFloat `json:"waste_disk_gb_hours"`
	Actions                    jsonFloat `json:"actions"`
	ActionsPerDay              jsonFloat `json:"actions_per_day"`
	Flaps                      jsonFloat `json:"flaps"`
	OOMEvents                  jsonFloat `json:"oom_events"`
	OOMEventsAtStart           jsonFloat `json:"oom_events_at_start"`
	Steps                      int       `json:"steps"`
	StepsBeyondMax             int       `json:"steps_beyond_max"`
	ReactionSeconds            jsonFloat `json:"reaction_seconds"`
	ReactionMaxSeconds         jsonFloat `json:"reaction_max_seconds"`
}

type jsonTimelinePoint struct {
	Time         time.Time `json:"time"`
	DemandCores  jsonFloat `json:"demand_cores"`
	Cores        jsonFloat `json:"cores"`
	DemandMemMiB jsonFloat `json:"demand_mem_mib"`
	MemMiB       jsonFloat `json:"mem_mib"`
}

type jsonResult struct {
	Policy       string                         `json:"policy"`
	Total        jsonMetrics                    `json:"total"`
	PerContainer map[string]jsonMetrics         `json:"per_container"`
	Timeline     map[string][]jsonTimelinePoint `json:"timeline,omitempty"`
}

func toJSONMetrics(m sim.Metrics) jsonMetrics {
	return jsonMetrics{
		StarvationMinutes:          jsonFloat(m.StarvationMinutes),
		StarvationBeyondMaxMinutes: jsonFloat(m.StarvationBeyondMaxMinutes),
		WasteCoreHours:             jsonFloat(m.WasteCoreHours),
		WasteGBHours:               jsonFloat(m.WasteGBHours),
		WasteDiskGBHours:           jsonFloat(m.WasteDiskGBHours),
		Actions:                    jsonFloat(m.Actions),
		ActionsPerDay:              jsonFloat(m.ActionsPerDay),
		Flaps:                      jsonFloat(m.Flaps),
		OOMEvents:                  jsonFloat(m.OOMEvents),
		OOMEventsAtStart:           jsonFloat(m.OOMEventsAtStart),
		Steps:                      m.Steps,
		StepsBeyondMax:             m.StepsBeyondMax,
		ReactionSeconds:            jsonFloat(m.ReactionSeconds),
		ReactionMaxSeconds:         jsonFloat(m.ReactionMaxSeconds),
	}
}

func writeResultsJSON(w io.Writer, results []sim.PolicyResult) error {
	out := make([]jsonResult, 0, len(results))
	for _, r := range results {
		jr := jsonResult{Policy: r.Policy, Total: toJSONMetrics(r.Total), PerContainer: make(map[string]jsonMetrics, len(r.PerContainer))}
		for vmid, m := range r.PerContainer {
			jr.PerContainer[strconv.Itoa(vmid)] = toJSONMetrics(m)
		}
		if len(r.Timeline) > 0 {
			jr.Timeline = make(map[string][]jsonTimelinePoint, len(r.Timeline))
			for vmid, points := range r.Timeline {
				jp := make([]jsonTimelinePoint, len(points))
				for i, p := range points {
					jp[i] = jsonTimelinePoint{p.Time, jsonFloat(p.DemandCores), jsonFloat(p.Cores), jsonFloat(p.DemandMemMiB), jsonFloat(p.MemMiB)}
				}
				jr.Timeline[strconv.Itoa(vmid)] = jp
			}
		}
		out = append(out, jr)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}

// metricRows are the rows of a result table: label and value.
var metricRows = []struct {
	label string
	value func(sim.Metrics) string
}{
	{"starvation (container-min)", func(m sim.Metrics) string { return fmt.Sprintf("%.0f", m.StarvationMinutes) }},
	{"  of which beyond every max", func(m sim.Metrics) string { return fmt.Sprintf("%.0f", m.StarvationBeyondMaxMinutes) }},
	{"OOM events (memory over the limit)", func(m sim.Metrics) string { return formatCount(m.OOMEvents) }},
	{"  of which at the first sample", func(m sim.Metrics) string { return formatCount(m.OOMEventsAtStart) }},
	{"waste (core-h)", func(m sim.Metrics) string { return fmt.Sprintf("%.1f", m.WasteCoreHours) }},
	{"waste (GB-h)", func(m sim.Metrics) string { return fmt.Sprintf("%.1f", m.WasteGBHours) }},
	{"waste of disk (GB-h)", func(m sim.Metrics) string { return fmt.Sprintf("%.1f", m.WasteDiskGBHours) }},
	{"actions", func(m sim.Metrics) string { return formatCount(m.Actions) }},
	{"actions per container-day", func(m sim.Metrics) string { return fmt.Sprintf("%.2f", m.ActionsPerDay) }},
	{"flaps (reversal < 30 min)", func(m sim.Metrics) string { return formatCount(m.Flaps) }},
	{"sustained steps of demand", func(m sim.Metrics) string { return strconv.Itoa(m.Steps) }},
	{"  of which beyond every max", func(m sim.Metrics) string { return strconv.Itoa(m.StepsBeyondMax) }},
	{"reaction to a step, mean (s)", func(m sim.Metrics) string { return formatSeconds(m.ReactionSeconds) }},
	{"reaction to a step, worst (s)", func(m sim.Metrics) string { return formatSeconds(m.ReactionMaxSeconds) }},
}

// formatCount prints a count, or legacy's mean of counts over its phases
// with one decimal.
func formatCount(v float64) string {
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func formatSeconds(s float64) string {
	if math.IsNaN(s) || math.IsInf(s, 0) || s < 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f", s)
}

// traceTarget is ours against legacy on a trace (sim.CompareTrace).
type traceTarget struct {
	whole sim.Comparison
	per   []sim.Comparison // in the trace's order
}

func writeResultsTable(w io.Writer, tr sim.Trace, opts sim.Options, results []sim.PolicyResult, notes []string, target *traceTarget, verbose bool) {
	points, from, to := traceSpan(tr)
	fmt.Fprintf(w, "Simulated %d containers, %d samples, %s to %s; ours decides every %s.\n",
		len(tr.Containers), points, from.Format(time.RFC3339), to.Format(time.RFC3339), sim.Interval(tr, opts.Interval))
	for _, n := range notes {
		fmt.Fprintf(w, "Note: %s.\n", n)
	}
	fmt.Fprintln(w)
	writeMetricTable(w, "Total", results, func(r sim.PolicyResult) sim.Metrics { return r.Total })
	if target != nil {
		writeTraceTarget(w, *target)
	}
	if !verbose {
		return
	}
	for i, c := range tr.Containers {
		title := fmt.Sprintf("Container %d", c.VMID)
		if c.Name != "" {
			title += " (" + c.Name + ")"
		}
		fmt.Fprintln(w)
		writeMetricTable(w, title, results, func(r sim.PolicyResult) sim.Metrics { return r.PerContainer[c.VMID] })
		if target != nil {
			fmt.Fprintf(w, "target: %s\n", targetVerdict(target.per[i]))
		}
	}
}

// writeTraceTarget says what the trace makes of the target, as one
// scenario and container by container, and of the goals of issue 15.
func writeTraceTarget(w io.Writer, t traceTarget) {
	met, unattainable := countTargets(t.per)
	verdict, goals, missed := setGoalsVerdict(t.whole)
	fmt.Fprintf(w, "\nTarget (ours against legacy, as for each scenario of --all-scenarios): the trace %s; %d of %d containers meet it on their own and %d cannot by any policy.\n",
		targetVerdict(t.whole), met, len(t.per), unattainable)
	fmt.Fprintf(w, "The trace as a whole %s the goals of issue 15 (%s).\n", verdict, strings.Join(goals, ", "))
	if len(missed) > 0 {
		fmt.Fprintf(w, "Goals missed: %s.\n", strings.Join(missed, "; "))
	}
}

func writeMetricTable(w io.Writer, title string, results []sim.PolicyResult, metrics func(sim.PolicyResult) sim.Metrics) {
	rows := [][]string{{title}}
	for _, r := range results {
		rows[0] = append(rows[0], r.Policy)
	}
	for _, row := range metricRows {
		cells := []string{row.label}
		for _, r := range results {
			cells = append(cells, row.value(metrics(r)))
		}
		rows = append(rows, cells)
	}
	writeAligned(w, rows)
}

// writeAligned prints rows as a table: the first column left-aligned, the
// others (numbers) right-aligned, two spaces apart. tabwriter aligns every
// column the same way.
func writeAligned(w io.Writer, rows [][]string) { writeTable(w, rows, true) }

// writeTable prints rows two spaces apart, every column left-aligned or,
// with numbers, every column but the first right-aligned.
func writeTable(w io.Writer, rows [][]string, numbers bool) {
	var widths []int
	for _, row := range rows {
		for i, cell := range row {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], len(cell))
		}
	}
	var b strings.Builder
	for _, row := range rows {
		b.Reset()
		for i, cell := range row {
			pad := strings.Repeat(" ", widths[i]-len(cell))
			switch {
			case i == 0:
				b.WriteString(cell + pad)
			case numbers:
				b.WriteString("  " + pad + cell)
			default:
				b.WriteString("  " + cell + pad)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

// traceSpan returns the number of samples and the first and last time.
func traceSpan(tr sim.Trace) (points int, from, to time.Time) {
	for _, c := range tr.Containers {
		points += len(c.Points)
		if len(c.Points) == 0 {
			continue
		}
		from, to = sim.Widen(from, to, c.Points[0].Time, c.Points[len(c.Points)-1].Time)
	}
	return points, from, to
}
