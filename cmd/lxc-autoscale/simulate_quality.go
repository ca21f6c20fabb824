package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/lxc-autoscale/lxc-autoscale/controller/sim"
)

// scenarioQuality is one row of the --all-scenarios table.
type scenarioQuality struct {
	sim.Comparison
	elapsed time.Duration
}

// runAllScenarios simulates the scenarios side by side, as many at once as
// there are CPUs: each is independent and Simulate is a pure function.
func runAllScenarios(ctx context.Context, w io.Writer, req simulateRequest, opts sim.Options) error {
	began := time.Now()
	list := scenarios()
	rows := make([]scenarioQuality, len(list))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, sc := range list {
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			start := time.Now()
			tr, err := scenarioTrace(sc.name, req.generate)
			if err != nil {
				return err
			}
			q := scenarioQuality{Comparison: sim.Comparison{Name: sc.name, Containers: len(tr.Containers), Interval: sim.Interval(tr, opts.Interval)}}
			results, err := simulateCompared(tr, opts, req.compareModel)
			if err != nil {
				return fmt.Errorf("simulate scenario %s: %w", sc.name, err)
			}
			for _, r := range results {
				switch r.Policy {
				case sim.PolicyLegacy:
					q.Legacy = r.Total
				case sim.PolicyOurs:
					q.Ours = r.Total
				case policyOursModelOff:
					q.OursModelOff = &r.Total
				}
			}
			if err := q.WithBound(tr, opts); err != nil {
				return fmt.Errorf("least core waste of scenario %s: %w", sc.name, err)
			}
			q.elapsed = time.Since(start)
			rows[i] = q
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if req.json {
		return writeQualityJSON(w, rows, req.generate)
	}
	writeQualityTable(w, rows, req.generate, opts, time.Since(began))
	if req.compareModel {
		writeModelTable(w, rows)
	}
	return nil
}

func writeQualityTable(w io.Writer, rows []scenarioQuality, o scenarioOptions, opts sim.Options, elapsed time.Duration) {
	length := "each its own length (see --scenario list)"
	if o.durationSet {
		length = o.duration.String() + " each"
	}
	fmt.Fprintf(w, "Ours against legacy on every built-in scenario: seed %d, %s, ours deciding every %s or at each new sample.\n", o.seed, length, opts.Interval)
	fmt.Fprintln(w, "Target per scenario: starvation at least 50 % lower, no more waste (cores, memory, disk), at most half the actions, no flap;")
	fmt.Fprintln(w, "a starvation or action target is a tie where legacy starves < 1 min or acts < once per container and ours no more.")
	fmt.Fprintln(w, "Starved: container-minutes, less those beyond max: starved at the most any policy may allocate (its initial allocation, legacy's or ours' max),")
	fmt.Fprintln(w, "the same under both, left out of the comparison; OOM: episodes of memory demand over the limit (the set's goal leaves out")
	fmt.Fprintln(w, "those under way at a container's first sample, before any policy acts: the same under both); x: ours/legacy; cut: 1 - x;")
	fmt.Fprintln(w, "legacy: the mean of 4 runs with its 600-s check shifted by 0, 150, 300, 450 s; react: mean seconds to cover a sustained step;")
	fmt.Fprintln(w, "no policy can: the least core waste of any schedule of cores that starves, changes and flaps no more than the target allows,")
	fmt.Fprintln(w, "knowing the future, is above legacy's: the parts of the target cannot be met together (x: that least against legacy's).")
	fmt.Fprintln(w)
	table := [][]string{{"scenario", "CTs", "starved legacy", "ours", "cut", "beyond max", "OOM legacy", "ours",
		"waste core-h x", "GB-h x", "disk GB-h x", "actions legacy", "ours", "x", "flaps legacy", "ours", "react legacy", "ours", "target"}}
	for _, q := range rows {
		table = append(table, tableRow(q.Comparison))
	}
	met, unattainable := countTargets(comparisons(rows))
	set := sim.Total(comparisons(rows))
	setRow := tableRow(set)
	table = append(table, setRow[:len(setRow)-1])
	table[len(table)-1] = append(table[len(table)-1], "see below")
	writeQuality(w, table)
	verdict, goals, missed := setGoalsVerdict(set)
	fmt.Fprintf(w, "\n%d of %d scenarios meet the target and %d cannot be met by any policy; the set as a whole %s the goals of issue 15 (%s); %s.\n",
		met, len(rows), unattainable, verdict, strings.Join(goals, ", "), elapsed.Round(10*time.Millisecond))
	if len(missed) > 0 {
		fmt.Fprintf(w, "Set goals missed: %s.\n", strings.Join(missed, "; "))
	}
}

// countTargets is how many of qs meet the target, and how many of the
// others no policy can meet.
func countTargets(qs []sim.Comparison) (met, unattainable int) {
	for _, q := range qs {
		switch {
		case len(q.Misses()) == 0:
			met++
		case q.Unattainable():
			unattainable++
		}
	}
	return met, unattainable
}

// setGoalsVerdict is set.SetGoals in words: "meets" or "misses", every
// goal, and those missed.
func setGoalsVerdict(set sim.Comparison) (verdict string, goals, missed []string) {
	goals, met := set.SetGoals()
	for i, g := range goals {
		if !met[i] {
			missed = append(missed, g)
		}
	}
	if len(missed) > 0 {
		return "misses", goals, missed
	}
	return "meets", goals, nil
}

// targetVerdict is what q makes of the target: "met", or "missed: core
// waste, actions", with "(no policy can: core waste >= 1.13 x)" where no
// policy can meet it and "(tie: starvation)" where a part is a tie.
func targetVerdict(q sim.Comparison) string {
	verdict := "met"
	if m := q.Misses(); len(m) > 0 {
		verdict = "missed: " + strings.Join(m, ", ")
	}
	if q.Unattainable() {
		verdict += fmt.Sprintf(" (no policy can: core waste >= %s x)", formatRatio(*q.LeastCoreWaste, q.Legacy.WasteCoreHours, 2))
	}
	var tied []string
	if starved, actions := q.Ties(); starved || actions {
		if starved {
			tied = append(tied, "starvation")
		}
		if actions {
			tied = append(tied, "actions")
		}
		verdict += " (tie: " + strings.Join(tied, ", ") + ")"
	}
	return verdict
}

// tableRow is q as a row of the quality table.
func tableRow(q sim.Comparison) []string {
	reduction := "-"
	if r, ok := q.StarvationReduction(); ok {
		reduction = fmt.Sprintf("%.0f %%", 100*r)
	}
	return []string{
		q.Name,
		fmt.Sprint(q.Containers),
		fmt.Sprintf("%.1f", q.Legacy.Avoidable()),
		fmt.Sprintf("%.1f", q.Ours.Avoidable()),
		reduction,
		fmt.Sprintf("%.1f", q.Ours.StarvationBeyondMaxMinutes),
		formatCount(q.Legacy.OOMEvents),
		formatCount(q.Ours.OOMEvents),
		formatRatio(q.Ours.WasteCoreHours, q.Legacy.WasteCoreHours, 3),
		formatRatio(q.Ours.WasteGBHours, q.Legacy.WasteGBHours, 3),
		formatRatio(q.Ours.WasteDiskGBHours, q.Legacy.WasteDiskGBHours, 3),
		formatCount(q.Legacy.Actions),
		formatCount(q.Ours.Actions),
		formatRatio(q.Ours.Actions, q.Legacy.Actions, 2),
		formatCount(q.Legacy.Flaps),
		formatCount(q.Ours.Flaps),
		formatSeconds(q.Legacy.ReactionSeconds),
		formatSeconds(q.Ours.ReactionSeconds),
		targetVerdict(q),
	}
}

// writeQuality is writeAligned with the last column (the verdict) left
// aligned, so that it reads as text.
func writeQuality(w io.Writer, rows [][]string) {
	last := len(rows[0]) - 1
	aligned := make([][]string, len(rows))
	for i, row := range rows {
		aligned[i] = row[:last]
	}
	var b strings.Builder
	writeAligned(&b, aligned)
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	width := 0
	for _, l := range lines {
		width = max(width, len(l))
	}
	for i, l := range lines {
		fmt.Fprintf(w, "%s%s  %s\n", l, strings.Repeat(" ", width-len(l)), rows[i][last])
	}
}

// formatRatio prints ours/legacy with the given decimals; "-" when both
// are zero, "inf" when only legacy is. Waste gets three decimals: the
// target is "not higher", and 1.004 must not print as 1.00.
func formatRatio(ours, legacy float64, decimals int) string {
	switch {
	case legacy == 0 && ours == 0:
		return "-"
	case legacy == 0:
		return "inf"
	}
	return strconv.FormatFloat(ours/legacy, 'f', decimals, 64)
}

// jsonQuality is a row of --all-scenarios --json.
type jsonQuality struct {
	Scenario        string       `json:"scenario"`
	Containers      int          `json:"containers"`
	IntervalSeconds float64      `json:"ours_interval_seconds"`
	Legacy          jsonMetrics  `json:"legacy"`
	Ours            jsonMetrics  `json:"ours"`
	OursModelOff    *jsonMetrics `json:"ours_model_off,omitempty"`
	Met             bool         `json:"target_met"`
	Misses          []string     `json:"misses"`
	// Least is sim.Comparison.LeastCoreWaste with the budgets it holds
	// to, where ours wastes more cores than legacy.
	Least *jsonLeast `json:"least_core_waste,omitempty"`
}

type jsonLeast struct {
	StarvationMinutes float64 `json:"starvation_minutes"`
	Actions           float64 `json:"actions"`
	CoreHours         float64 `json:"waste_core_hours"`
	Unattainable      bool    `json:"unattainable"`
}

func writeQualityJSON(w io.Writer, rows []scenarioQuality, o scenarioOptions) error {
	out := struct {
		Seed      uint64        `json:"seed"`
		Scenarios []jsonQuality `json:"scenarios"`
		All       jsonQuality   `json:"all"`
		SetGoals  []string      `json:"set_goals"`
		SetMissed []string      `json:"set_goals_missed"`
	}{Seed: o.seed, SetMissed: []string{}}
	row := func(q sim.Comparison) jsonQuality {
		m := q.Misses()
		j := jsonQuality{Scenario: q.Name, Containers: q.Containers, IntervalSeconds: q.Interval.Seconds(),
			Legacy: toJSONMetrics(q.Legacy), Ours: toJSONMetrics(q.Ours), Met: len(m) == 0, Misses: append([]string{}, m...)}
		if q.OursModelOff != nil {
			off := toJSONMetrics(*q.OursModelOff)
			j.OursModelOff = &off
		}
		if q.LeastCoreWaste != nil {
			j.Least = &jsonLeast{StarvationMinutes: q.StarvationAllowed(), Actions: q.ActionsAllowed(), CoreHours: *q.LeastCoreWaste, Unattainable: q.Unattainable()}
		}
		return j
	}
	for _, q := range rows {
		out.Scenarios = append(out.Scenarios, row(q.Comparison))
	}
	set := sim.Total(comparisons(rows))
	out.All = row(set)
	goals, met := set.SetGoals()
	out.SetGoals = goals
	for i, g := range goals {
		if !met[i] {
			out.SetMissed = append(out.SetMissed, g)
		}
	}
	out.All.Met, out.All.Misses = len(out.SetMissed) == 0, out.SetMissed
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}

// writeModelTable is --compare-model's table: ours with the model on and
// off, scenario by scenario and in total (issue 15's goal: on is no worse
// than off on every total and strictly better on at least one).
func writeModelTable(w io.Writer, rows []scenarioQuality) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Ours with the anomaly model on against off (model.enabled):")
	table := [][]string{{"scenario", "starved on", "off", "OOM on", "off", "core-h on", "off", "GB-h on", "off",
		"disk GB-h on", "off", "actions on", "off", "flaps on", "off", "verdict"}}
	set := sim.Total(comparisons(rows))
	for _, q := range append(comparisons(rows), set) {
		if q.OursModelOff == nil {
			continue
		}
		on, off := q.Ours, *q.OursModelOff
		table = append(table, []string{q.Name,
			fmt.Sprintf("%.1f", on.StarvationMinutes), fmt.Sprintf("%.1f", off.StarvationMinutes),
			formatCount(on.OOMEvents), formatCount(off.OOMEvents),
			fmt.Sprintf("%.1f", on.WasteCoreHours), fmt.Sprintf("%.1f", off.WasteCoreHours),
			fmt.Sprintf("%.1f", on.WasteGBHours), fmt.Sprintf("%.1f", off.WasteGBHours),
			fmt.Sprintf("%.1f", on.WasteDiskGBHours), fmt.Sprintf("%.1f", off.WasteDiskGBHours),
			formatCount(on.Actions), formatCount(off.Actions),
			formatCount(on.Flaps), formatCount(off.Flaps),
			sim.ModelVerdict(on, off),
		})
	}
	writeQuality(w, table)
}

// comparisons are the rows without their timings.
func comparisons(rows []scenarioQuality) []sim.Comparison {
	out := make([]sim.Comparison, len(rows))
	for i, q := range rows {
		out[i] = q.Comparison
	}
	return out
}
