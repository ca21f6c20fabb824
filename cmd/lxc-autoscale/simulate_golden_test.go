package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/sim"
)

// updateGolden rewrites testdata/simulate_golden.json from the code under
// test: run `go test ./cmd/lxc-autoscale -run TestSimulateGolden -update`
// only when a change of the results is meant, and say why in the commit.
var updateGolden = flag.Bool("update", false, "rewrite the simulate golden file from the current code")

const simulateGoldenFile = "testdata/simulate_golden.json"

// goldenScenarioDuration is long enough for the slow workloads (leak,
// diskfill, diurnal's rise) to make every policy act, short enough for a
// race-enabled run.
const goldenScenarioDuration = 6 * time.Hour

// goldenCase pins what every policy did to one trace: its metrics and
// every allocation change it made, so that a changed decision anywhere
// shows in the diff with its time and container.
type goldenCase struct {
	Name     string         `json:"name"`
	Policies []goldenPolicy `json:"policies"`
}

type goldenPolicy struct {
	Policy       string                 `json:"policy"`
	Total        jsonMetrics            `json:"total"`
	PerContainer map[string]jsonMetrics `json:"per_container"`
	// Changes are "<minutes from the start> <vmid> cores=<n> mem_mib=<n>",
	// one per grid point at which cores or memory differ from the point
	// before (disk growth is in the metrics' actions, not in a timeline).
	Changes []string `json:"changes"`
}

// TestSimulateGolden replays every built-in scenario (seed 1, default
// container counts) and the example trace through every policy with the
// default configuration, and compares the results with the golden file
// written by the code before the redesign: the pass may move between
// packages, it must not change what it decides.
func TestSimulateGolden(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates every scenario")
	}
	cfg, err := loadSimulationConfig(&environment{}, newFlagSet(simulateCommand()))
	if err != nil {
		t.Fatal(err)
	}
	opts := simOptions(cfg, simulateRequest{policies: sim.Policies(), svgDir: "timeline"})

	type input struct {
		name  string
		trace func() (sim.Trace, error)
	}
	inputs := []input{{"trace.csv", func() (sim.Trace, error) { return readTraceFile(exampleTrace, testDefaults) }}}
	for _, name := range scenarioNames() {
		inputs = append(inputs, input{"scenario " + name, func() (sim.Trace, error) {
			return scenarioTrace(name, scenarioOptions{seed: 1, duration: goldenScenarioDuration, durationSet: true})
		}})
	}
	got := make([]goldenCase, len(inputs))
	for i, in := range inputs {
		tr, err := in.trace()
		if err != nil {
			t.Fatalf("%s: %v", in.name, err)
		}
		results, err := sim.Simulate(tr, opts)
		if err != nil {
			t.Fatalf("%s: %v", in.name, err)
		}
		got[i] = goldenCase{Name: in.name}
		for _, r := range results {
			got[i].Policies = append(got[i].Policies, goldenOf(tr, r))
		}
	}
	data, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	data = append(data, '\n')
	if *updateGolden {
		if err := os.WriteFile(simulateGoldenFile, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(simulateGoldenFile)
	if err != nil {
		t.Fatalf("%v (write it with -update)", err)
	}
	if !bytes.Equal(data, want) {
		diffGolden(t, want, got)
	}
}

func goldenOf(tr sim.Trace, r sim.PolicyResult) goldenPolicy {
	g := goldenPolicy{Policy: r.Policy, Total: toJSONMetrics(r.Total), PerContainer: map[string]jsonMetrics{}, Changes: []string{}}
	for vmid, m := range r.PerContainer {
		g.PerContainer[strconv.Itoa(vmid)] = toJSONMetrics(m)
	}
	var start time.Time
	for _, c := range tr.Containers {
		if first := c.Points[0].Time; start.IsZero() || first.Before(start) {
			start = first
		}
	}
	vmids := make([]int, 0, len(r.Timeline))
	for vmid := range r.Timeline {
		vmids = append(vmids, vmid)
	}
	slices.Sort(vmids)
	for _, vmid := range vmids {
		points := r.Timeline[vmid]
		for i := 1; i < len(points); i++ {
			p, prev := points[i], points[i-1]
			if p.Cores != prev.Cores || p.MemMiB != prev.MemMiB {
				g.Changes = append(g.Changes, strconv.FormatFloat(p.Time.Sub(start).Minutes(), 'f', -1, 64)+" "+strconv.Itoa(vmid)+
					" cores="+strconv.FormatFloat(p.Cores, 'g', -1, 64)+" mem_mib="+strconv.FormatFloat(math.Round(p.MemMiB), 'f', 0, 64))
			}
		}
	}
	return g
}

// diffGolden names each case and policy that differs, with its totals,
// so that a failure says where to look before anyone opens the file.
func diffGolden(t *testing.T, wantData []byte, got []goldenCase) {
	t.Helper()
	// Compared as raw JSON: a metric without a value is null, which would
	// not survive a round trip through jsonFloat.
	var want []struct {
		Name     string            `json:"name"`
		Policies []json.RawMessage `json:"policies"`
	}
	if err := json.Unmarshal(wantData, &want); err != nil {
		t.Fatalf("golden file: %v", err)
	}
	if len(want) != len(got) {
		t.Errorf("%d cases, golden has %d", len(got), len(want))
	}
	for i := range min(len(want), len(got)) {
		if len(want[i].Policies) != len(got[i].Policies) {
			t.Errorf("%s: %d policies, golden has %d", got[i].Name, len(got[i].Policies), len(want[i].Policies))
		}
		for j := range min(len(want[i].Policies), len(got[i].Policies)) {
			g := got[i].Policies[j]
			var wj bytes.Buffer
			if err := json.Compact(&wj, want[i].Policies[j]); err != nil {
				t.Fatal(err)
			}
			gj, _ := json.Marshal(g)
			if !bytes.Equal(wj.Bytes(), gj) {
				t.Errorf("%s, %s: results differ from the golden file; got total %+v, %d changes", got[i].Name, g.Policy, g.Total, len(g.Changes))
			}
		}
	}
	out := filepath.Join(os.TempDir(), "lxc-autoscale-simulate-golden.json")
	if data, err := json.MarshalIndent(got, "", "  "); err == nil {
		_ = os.WriteFile(out, append(data, '\n'), 0o644)
		t.Logf("this run's results: %s (diff it against %s)", out, simulateGoldenFile)
	}
}
